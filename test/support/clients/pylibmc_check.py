#!/usr/bin/python3
"""
Drives a running effcached (or memcached) on 127.0.0.1:PORT with pylibmc, the Python binding of
libmemcached, in text-protocol mode, and checks every result. Run with Debian's /usr/bin/python3
(python3-pylibmc).

Usage: pylibmc_check.py PORT
Prints "OK <n> checks" and exits 0, or prints the failing check and exits 1.
"""
import time

import pylibmc
from checks import binary_and_large_values, cas_commands, check, check_true, port_argument, raises, run, storage_commands, touch_and_delete

SERVERS = ["127.0.0.1:%d" % port_argument()]


def client(**behaviors):
    """A text-protocol client (binary=False) with cas support and the given extra behaviors."""
    return pylibmc.Client(SERVERS, binary=False, behaviors=dict({"cas": True}, **behaviors))


def storage(c):
    check("flush_all", c.flush_all(), True)
    storage_commands(c)

    cas_commands(c, pylibmc.NotFound)
    check("gets missing", c.gets("nobody"), (None, None))

    touch_and_delete(c)


def counters(c):
    # pylibmc stores ints as their decimal text (with a flag), so incr/decr work on them.
    check("set int", c.set("n", 10), True)
    check("get int", c.get("n"), 10)
    check("incr", c.incr("n", 5), 15)
    check("decr", c.decr("n", 3), 12)
    check("get counter", c.get("n"), 12)
    check("decr clamps at 0", c.decr("n", 100), 0)
    raises("incr missing raises NotFound", pylibmc.NotFound, lambda: c.incr("nobody"))
    raises("decr missing raises NotFound", pylibmc.NotFound, lambda: c.decr("nobody"))
    check("set max u64", c.set("big", b"18446744073709551615"), True)
    check("incr wraps at 2^64", c.incr("big", 1), 0)
    check("set 9", c.set("n9", b"9"), True)
    check("incr grows length", c.incr("n9"), 10)
    check("set non-numeric", c.set("word", b"abc"), True)
    raises("incr non-numeric raises", pylibmc.ClientError, lambda: c.incr("word"))
    check("value untouched after bad incr", c.get("word"), b"abc")
    check("incr_multi", c.incr_multi(["n", "n9"], delta=3), None)
    check("get after incr_multi", c.get_multi(["n", "n9"]), {"n": 3, "n9": b"13"})


def multi(c):
    check("set_multi", c.set_multi({"m1": b"a", "m2": b"bb", "m3": b"ccc"}), [])
    check("get_multi", c.get_multi(["m1", "m2", "m3", "nope"]), {"m1": b"a", "m2": b"bb", "m3": b"ccc"})
    check("get_multi empty", c.get_multi([]), {})
    check("set_multi prefixed", c.set_multi({"a": b"1", "b": b"2"}, key_prefix="p:"), [])
    check("get_multi prefixed", c.get_multi(["a", "b", "c"], key_prefix="p:"), {"a": b"1", "b": b"2"})
    check("get prefixed key", c.get("p:a"), b"1")
    check("add_multi reports existing keys", c.add_multi({"m1": b"x", "m4": b"dddd"}), ["m1"])
    check("get after add_multi", c.get_multi(["m1", "m4"]), {"m1": b"a", "m4": b"dddd"})
    check("delete_multi all present", c.delete_multi(["m1", "m2"]), True)
    check("delete_multi with a miss", c.delete_multi(["m3", "nope"]), False)
    check("delete_multi prefixed", c.delete_multi(["a", "b"], key_prefix="p:"), True)
    check("get_multi after delete_multi", c.get_multi(["m1", "m2", "m3", "m4", "p:a", "p:b"]), {"m4": b"dddd"})
    many = dict(("key%03d" % i, b"value %d" % i) for i in range(300))
    check("set_multi 300 keys", c.set_multi(many), [])
    check("get_multi 300 keys", c.get_multi(list(many)), many)


def values(c):
    binary_and_large_values(c)
    compressible = b"compress me " * 50000
    check("set zlib-compressed", c.set("zipped", compressible, min_compress_len=1), True)
    check("get zlib-compressed", c.get("zipped"), compressible)
    raises("set over item limit raises TooBig", pylibmc.TooBig, lambda: c.set("huge", b"x" * (2 * 1024 * 1024)))
    check("get over-limit item", c.get("huge"), None)
    # Python objects: each kind travels with its own flags value.
    check("set str", c.set("str", "straße"), True)
    check("get str", c.get("str"), "straße")
    check("set pickled", c.set("obj", {"a": [1, 2], "b": None}), True)
    check("get pickled", c.get("obj"), {"a": [1, 2], "b": None})
    check("set bool", c.set("bool", True), True)
    check("get bool", c.get("bool"), True)


def keys_and_expiry(c):
    check("set 250-byte key", c.set("k" * 250, b"long"), True)
    check("get 250-byte key", c.get("k" * 250), b"long")
    raises("251-byte key raises ValueError", ValueError, lambda: c.set("k" * 251, b"v"))
    # Unicode keys go out UTF-8 encoded (libmemcached itself allows any byte but whitespace).
    check("set unicode key", c.set("ключ", b"u"), True)
    check("get unicode key", c.get("ключ"), b"u")
    check("get_multi unicode key", c.get_multi(["ключ"]), {"ключ": b"u"})
    check("delete unicode key", c.delete("ключ"), True)
    # With verify_keys libmemcached refuses keys memcached cannot take, before sending anything.
    strict = client(verify_keys=True)
    check("verify_keys refuses a key with a space", strict.set("a b", b"v"), False)
    check("verify_keys connection still in step", strict.get("bytes"), bytes(range(256)) * 4)

    check("set negative exptime", c.set("neg", b"gone", time=-1), True)
    check("get negative exptime", c.get("neg"), None)
    check("set past absolute exptime", c.set("past", b"gone", time=int(time.time()) - 3600), True)
    check("get past absolute exptime", c.get("past"), None)
    check("set future absolute exptime", c.set("future", b"here", time=int(time.time()) + 3600), True)
    check("get future absolute exptime", c.get("future"), b"here")
    check("set 100 s exptime", c.set("longer", b"stays", time=100), True)
    check("get 100 s exptime", c.get("longer"), b"stays")


def stats(c):
    ((server, before),) = c.get_stats()
    check_true("stats server name", server.startswith(SERVERS[0].encode()), repr(server))
    for key in ("pid", "uptime", "curr_items", "total_items", "cmd_get", "cmd_set", "get_hits", "get_misses",
                "curr_connections", "bytes", "limit_maxbytes", "version"):
        check_true("stats has %s" % key, key in before, sorted(before))
    c.get("longer")
    c.get("nobody")
    ((_, after),) = c.get_stats()
    check("stats get_hits +1", int(after["get_hits"]) - int(before["get_hits"]), 1)
    check("stats get_misses +1", int(after["get_misses"]) - int(before["get_misses"]), 1)
    # libmemcached keeps only the general statistics it knows (so `stats settings` is not checked).
    check("stats version", after["version"], b"1.6.18")
    check("flush_all", c.flush_all(), True)
    check("get_multi after flush_all", c.get_multi(["longer", "large", "bin", "future"]), {})


def noreply(verify):
    """The _noreply behavior: libmemcached appends noreply to storage commands and does not wait.

    Each phase ends with one get on the same connection, which is answered only after every command
    before it: then `verify`, another connection, must see the effects. (Only the first reply-bearing
    command after noreply ones is relied on: in this mode libmemcached 1.1.4 can mistake a later reply,
    against memcached too.)"""
    c = pylibmc.Client(SERVERS, binary=False, behaviors={"_noreply": 1})
    check("noreply set", c.set("nr", b"1"), True)
    check("noreply set_multi", c.set_multi({"nr2": b"2", "nr3": b"3", "nr4": b"4"}), [])
    check("noreply add existing", c.add("nr", b"x"), True)
    check("noreply add new", c.add("nra", b"a"), True)
    check("noreply replace", c.replace("nr2", b"22"), True)
    check("noreply append", c.append("nr", b"+"), True)
    check("noreply prepend", c.prepend("nr", b"-"), True)
    c.incr("nr2", 10)
    c.decr("nr3", 1)
    check("noreply delete", c.delete("nr4"), True)
    check("noreply delete missing", c.delete("nobody"), True)
    check("noreply delete_multi", c.delete_multi(["nra", "nobody"]), True)
    check("noreply set binary", c.set("nrbin", b"\r\nEND\r\n\x00"), True)
    expected = {"nr": b"-1+", "nr2": b"32", "nr3": b"2", "nrbin": b"\r\nEND\r\n\x00"}
    keys = ["nr", "nr2", "nr3", "nr4", "nra", "nrbin"]
    check("get on the noreply connection", c.get_multi(keys), expected)
    check("another connection sees the noreply writes", verify.get_multi(keys), expected)
    flusher = pylibmc.Client(SERVERS, binary=False, behaviors={"_noreply": 1})
    check("noreply flush_all", flusher.flush_all(), True)
    check("get after noreply flush_all", flusher.get_multi(keys), {})
    check("another connection after noreply flush_all", verify.get_multi(keys), {})


def common_behaviors():
    """The behaviors frameworks usually set (Django's docs: tcp_nodelay, ketama), plus no_block."""
    c = client(tcp_nodelay=True, ketama=True, no_block=True)
    data = dict(("nb%02d" % i, b"x" * i) for i in range(50))
    check("no_block set_multi", c.set_multi(data), [])
    check("no_block get_multi", c.get_multi(list(data)), data)
    check("no_block delete_multi", c.delete_multi(list(data)), True)
    check("no_block get_multi after delete", c.get_multi(list(data)), {})


if __name__ == "__main__":
    main = client()
    run(lambda: storage(main), lambda: counters(main), lambda: multi(main), lambda: values(main),
        lambda: keys_and_expiry(main), lambda: stats(main), lambda: noreply(client()), common_behaviors)
