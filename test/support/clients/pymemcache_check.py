#!/usr/bin/python3
"""
Drives a running effcached (or memcached) on 127.0.0.1:PORT with pymemcache, the widely used pure
Python client, and checks every result. Run with Debian's /usr/bin/python3 (python3-pymemcache).

Usage: pymemcache_check.py PORT
Prints "OK <n> checks" and exits 0, or prints the failing check and exits 1.
"""
import time

from checks import BINARY, binary_and_large_values, check, check_true, port_argument, raises, run, storage_commands, touch_and_delete
from pymemcache.client.base import Client
from pymemcache.exceptions import MemcacheClientError, MemcacheIllegalInputError, MemcacheServerError

SERVER = ("127.0.0.1", port_argument())


class FlagsSerde:
    """Passes bytes through untouched and hands back (value, flags), so flags can be checked."""

    def serialize(self, key, value):
        return value, 0

    def deserialize(self, key, value, flags):
        return (value, flags)


def client(noreply):
    return Client(SERVER, default_noreply=noreply, connect_timeout=5, timeout=10)


def reply_mode(c):
    """Every command with default_noreply=False: results come from the server's replies."""
    check("flush_all", c.flush_all(), True)

    # version
    version = c.version()
    check_true("version is bytes", isinstance(version, bytes) and len(version) > 0, repr(version))

    storage_commands(c)
    check("get missing default", c.get("missing", b"dflt"), b"dflt")

    # get_many / set_many / gets_many
    check("set_many", c.set_many({"m1": b"a", "m2": b"bb", "m3": b"ccc"}), [])
    check("get_many", c.get_many(["m1", "m2", "m3", "nope"]), {"m1": b"a", "m2": b"bb", "m3": b"ccc"})
    check("get_many empty list", c.get_many([]), {})
    many = c.gets_many(["m1", "m2", "nope"])
    check("gets_many keys", sorted(many.keys()), ["m1", "m2"])
    check("gets_many values", (many["m1"][0], many["m2"][0]), (b"a", b"bb"))
    check_true("gets_many cas differ", many["m1"][1] != many["m2"][1], repr(many))

    # gets / cas
    check("set for cas", c.set("c", b"one"), True)
    value, token = c.gets("c")
    check("gets value", value, b"one")
    check_true("gets cas is numeric", token.isdigit(), repr(token))
    check("cas matching", c.cas("c", b"two", token), True)
    check("get after cas", c.get("c"), b"two")
    check("cas stale", c.cas("c", b"three", token), False)
    check("get after stale cas", c.get("c"), b"two")
    value2, token2 = c.gets("c")
    check_true("cas unique changed", token2 != token, "%r %r" % (token, token2))
    check("cas missing", c.cas("nobody", b"x", token2), None)
    check("gets missing", c.gets("nobody"), (None, None))
    check("set bumps cas", c.set("c", b"four"), True)
    check("cas after set is stale", c.cas("c", b"five", token2), False)

    # incr / decr
    check("set counter", c.set("n", b"10"), True)
    check("incr", c.incr("n", 5), 15)
    check("decr", c.decr("n", 3), 12)
    check("get counter", c.get("n"), b"12")
    check("decr clamps at 0", c.decr("n", 100), 0)
    check("incr missing", c.incr("nobody", 1), None)
    check("decr missing", c.decr("nobody", 1), None)
    check("set max u64", c.set("big", b"18446744073709551615"), True)
    check("incr wraps at 2^64", c.incr("big", 1), 0)
    check("incr large delta", c.incr("big", 18446744073709551615), 18446744073709551615)
    check("set counter 9", c.set("n9", b"9"), True)
    check("incr grows length", c.incr("n9", 1), 10)
    check("get grown counter", c.get("n9"), b"10")
    check("set non-numeric", c.set("word", b"abc"), True)
    raises("incr non-numeric raises", MemcacheClientError, lambda: c.incr("word", 1))
    check("value untouched after bad incr", c.get("word"), b"abc")

    # touch / delete
    touch_and_delete(c)
    check("delete_many", c.delete_many(["m1", "m2", "nope"]), True)
    check("get_many after delete_many", c.get_many(["m1", "m2", "m3"]), {"m3": b"ccc"})

    # binary and large values
    large = binary_and_large_values(c)
    check("append binary", c.append("bin", b"\r\n"), True)
    check("get appended binary", c.get("bin"), BINARY + b"\r\n")
    trailing = b"value ending in crlf\r\n"
    check("set trailing crlf", c.set("crlf", trailing), True)
    check("get trailing crlf", c.get_many(["crlf", "bin"]), {"crlf": trailing, "bin": BINARY + b"\r\n"})

    # the large value by gets, and one over the default 1 MB item limit
    value, _ = c.gets("large")
    check("gets large", value, large)
    too_big = b"x" * (2 * 1024 * 1024)
    raises("set over item limit refused", MemcacheServerError, lambda: c.set("huge", too_big))
    # pymemcache closes the socket after an error; the next call reconnects.
    check("get over-limit item", c.get("huge"), None)
    check("large still there", c.get("large") == large, True)

    # key length: 250 bytes is the limit
    key250 = "k" * 250
    check("set 250-byte key", c.set(key250, b"long"), True)
    check("get 250-byte key", c.get(key250), b"long")

    # expiry: negative / past exptime makes the item expire at once
    check("set negative exptime", c.set("neg", b"gone", expire=-1), True)
    check("get negative exptime", c.get("neg"), None)
    check("add after negative exptime", c.add("neg", b"back"), True)
    check("get after add", c.get("neg"), b"back")
    check("touch negative", c.touch("neg", -1), True)
    check("get after touch negative", c.get("neg"), None)
    past_absolute = int(time.time()) - 3600
    check("set past absolute exptime", c.set("past", b"gone", expire=past_absolute), True)
    check("get past absolute exptime", c.get("past"), None)
    future_absolute = int(time.time()) + 3600
    check("set future absolute exptime", c.set("future", b"here", expire=future_absolute), True)
    check("get future absolute exptime", c.get("future"), b"here")
    # Relative expiry is checked deterministically with TestClock (test/server/Effcached.test.ts),
    # not by sleeping here.
    check("set 100 s exptime", c.set("longer", b"stays", expire=100), True)
    check("get 100 s exptime", c.get("longer"), b"stays")

    # stats
    before = c.stats()
    for key in (b"pid", b"uptime", b"time", b"curr_items", b"total_items", b"cmd_get", b"cmd_set",
                b"get_hits", b"get_misses", b"curr_connections", b"bytes", b"limit_maxbytes"):
        check_true("stats has %r" % key, key in before, sorted(before.keys()))
        check_true("stats %r is int" % key, isinstance(before.get(key), int), repr(before.get(key)))
    check_true("stats version", isinstance(before.get(b"version"), bytes), repr(before.get(b"version")))
    check("stats version matches version", before.get(b"version"), version)
    c.get("longer")
    c.get("nobody")
    c.set("another", b"1")
    after = c.stats()
    check("stats get_hits +1", after[b"get_hits"] - before[b"get_hits"], 1)
    check("stats get_misses +1", after[b"get_misses"] - before[b"get_misses"], 1)
    check("stats cmd_get +2", after[b"cmd_get"] - before[b"cmd_get"], 2)
    check("stats cmd_set +1", after[b"cmd_set"] - before[b"cmd_set"], 1)

    # flags round-trip
    flagged = Client(SERVER, serde=FlagsSerde(), default_noreply=False, connect_timeout=5, timeout=10)
    check("set flags 42", flagged.set("f", b"fv", flags=42), True)
    check("get flags 42", flagged.get("f"), (b"fv", 42))
    check("set flags 2^32-1", flagged.set("f", b"fv", flags=4294967295), True)
    check("get flags 2^32-1", flagged.get("f"), (b"fv", 4294967295))
    flagged.close()

    # flush_all
    check("flush_all again", c.flush_all(), True)
    check("get after flush_all", c.get_many(["large", "longer", "bin", "c"]), {})
    check("add after flush_all", c.add("large", b"fresh"), True)
    check("get added after flush", c.get("large"), b"fresh")
    c.quit()


def noreply_mode(c, verify):
    """default_noreply=True: storage commands send noreply; `verify` (a reply client) checks effects."""
    check("noreply flush_all", c.flush_all(), True)
    check("noreply set", c.set("nr", b"1"), True)
    check("noreply set_many", c.set_many({"nr2": b"2", "nr3": b"3"}), [])
    check("noreply add new", c.add("nra", b"a"), True)
    check("noreply add existing (no reply to say otherwise)", c.add("nra", b"b"), True)
    check("noreply replace", c.replace("nr2", b"22"), True)
    check("noreply replace missing", c.replace("nobody", b"x"), True)
    check("noreply append", c.append("nr", b"+"), True)
    check("noreply prepend", c.prepend("nr", b"-"), True)
    check("noreply touch", c.touch("nr3", 100), True)
    check("noreply delete", c.delete("nr3"), True)
    check("noreply delete missing", c.delete("nobody"), True)
    check("noreply incr", c.incr("nr2", 10, noreply=True), None)
    check("noreply decr", c.decr("nr2", 2, noreply=True), None)
    check("noreply set binary", c.set("nrbin", b"\r\n\x00END\r\n"), True)
    check("noreply set negative exptime", c.set("nrneg", b"x", expire=-1), True)
    # The same connection answers a reply-mode command after all those noreply ones: nothing stray.
    check("reply get on noreply connection", c.get_many(["nr", "nr2", "nr3", "nra", "nobody", "nrbin", "nrneg"]),
          {"nr": b"-1+", "nr2": b"30", "nra": b"a", "nrbin": b"\r\n\x00END\r\n"})
    value, token = c.gets("nr")
    check("noreply cas (cas defaults to reply)", c.cas("nr", b"casd", token), True)
    check("noreply cas explicit", c.cas("nr", b"casd2", token, noreply=True), True)
    check("get after explicit noreply stale cas", c.get("nr"), b"casd")
    check("incr with reply on noreply client", c.incr("nr2", 1), 31)
    # Errors still come back on a noreply connection: the stream stays in sync.
    check("noreply set then version", c.version(), verify.version())
    check("verify sees noreply writes", verify.get_many(["nr", "nr2", "nra"]), {"nr": b"casd", "nr2": b"31", "nra": b"a"})
    check("noreply flush_all at end", c.flush_all(), True)
    # A round trip on the same connection: the flush has been done once its reply arrives.
    check("get on flushing connection", c.get("nr"), None)
    check("verify after noreply flush", verify.get("nr"), None)
    c.quit()


def rejected(label, call):
    """Checks that pymemcache refuses the call itself, before sending anything."""
    raises(label, MemcacheIllegalInputError, call)


def keys_mode(c):
    """Keys pymemcache refuses on the client side, and byte keys it passes through."""
    check("keys flush_all", c.flush_all(), True)
    # Unicode keys: refused with MemcacheIllegalInputError by every command (allow_unicode_keys=False).
    for label, call in (
        ("set", lambda: c.set("ключ", b"v")),
        ("get", lambda: c.get("ключ")),
        ("get_many", lambda: c.get_many(["ok", "ключ"])),
        ("gets", lambda: c.gets("ключ")),
        ("add", lambda: c.add("ключ", b"v")),
        ("append", lambda: c.append("ключ", b"v")),
        ("cas", lambda: c.cas("ключ", b"v", b"1")),
        ("incr", lambda: c.incr("ключ", 1)),
        ("touch", lambda: c.touch("ключ", 10)),
        ("delete", lambda: c.delete("ключ")),
    ):
        rejected("unicode key refused by %s" % label, call)
    # Other keys memcached cannot take: refused the same way.
    rejected("key with space refused", lambda: c.set("a b", b"v"))
    rejected("key with newline refused", lambda: c.set("a\nb", b"v"))
    rejected("key with NUL refused", lambda: c.set("a\x00b", b"v"))
    rejected("251-byte key refused", lambda: c.set("k" * 251, b"v"))
    rejected("unicode value refused", lambda: c.set("ok", "значение"))
    # Nothing of the refused commands reached the server: the connection is still in step.
    check("set after refusals", c.set("ok", b"fine"), True)
    check("get after refusals", c.get_many(["ok"]), {"ok": b"fine"})
    # Byte keys that are not UTF-8 are fine for memcached (any byte but space, CR/LF and NUL).
    check("set non-utf8 byte key", c.set(b"\xff\xfe\x01", b"raw"), True)
    check("get non-utf8 byte key", c.get(b"\xff\xfe\x01"), b"raw")
    # With allow_unicode_keys=True the key goes out UTF-8 encoded: the same bytes as a byte key.
    unicode_client = Client(SERVER, allow_unicode_keys=True, default_noreply=False, connect_timeout=5, timeout=10)
    check("unicode-keys client set", unicode_client.set("ключ", b"utf8"), True)
    check("unicode-keys client get", unicode_client.get("ключ"), b"utf8")
    check("read back by utf-8 bytes", c.get("ключ".encode("utf-8")), b"utf8")
    check("unicode-keys client delete", unicode_client.delete("ключ"), True)
    check("gone by utf-8 bytes", c.get("ключ".encode("utf-8")), None)
    unicode_client.close()
    # stats with an argument
    settings = c.stats("settings")
    check_true("stats settings has item_size_max", b"item_size_max" in settings, sorted(settings.keys()))
    check("stats settings item_size_max", settings.get(b"item_size_max"), 1024 * 1024)
    c.quit()


if __name__ == "__main__":
    run(lambda: reply_mode(client(False)),
        lambda: noreply_mode(client(True), client(False)),
        lambda: keys_mode(client(False)))
