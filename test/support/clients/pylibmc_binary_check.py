#!/usr/bin/python3
"""
Drives a running effcached (or memcached) on 127.0.0.1:PORT with pylibmc in binary-protocol mode
(binary=True), and checks every result: the storage commands, cas, counters with their initial value,
get_multi (getkq... then noop), values of every byte, stats. (Not the _noreply behavior: in binary
mode libmemcached 1.1.4 loses quiet writes now and then against memcached itself, 3 runs of 8 here.) With MEMCACHED_USERNAME and MEMCACHED_PASSWORD set, it authenticates
with SASL PLAIN, and checks that a wrong password is refused. Run with Debian's /usr/bin/python3.

Usage: pylibmc_binary_check.py PORT
Prints "OK <n> checks" and exits 0, or prints the failing check and exits 1.
"""
import os

import pylibmc
from checks import binary_and_large_values, cas_commands, check, check_true, port_argument, raises, run, storage_commands, \
    touch_and_delete

SERVERS = ["127.0.0.1:%d" % port_argument()]
USERNAME = os.environ.get("MEMCACHED_USERNAME")
PASSWORD = os.environ.get("MEMCACHED_PASSWORD")


def client(password=PASSWORD, **behaviors):
    """A binary-protocol client with cas support, with the credentials when there are any."""
    credentials = {} if USERNAME is None else {"username": USERNAME, "password": password}
    return pylibmc.Client(SERVERS, binary=True, behaviors=dict({"cas": True}, **behaviors), **credentials)


def storage(c):
    """The storage commands with the binary protocol's statuses: a replace of a missing key is answered
    "not found" (text says NOT_STORED), which pylibmc raises."""
    check("flush_all", c.flush_all(), True)
    storage_commands(c, lambda: raises("replace missing raises NotFound", pylibmc.NotFound,
                                       lambda: c.replace("nobody", b"z")))
    cas_commands(c, pylibmc.NotFound)
    touch_and_delete(c)


def counters(c):
    check("set int", c.set("n", 10), True)
    check("incr", c.incr("n", 5), 15)
    check("decr", c.decr("n", 3), 12)
    check("decr clamps at 0", c.decr("n", 100), 0)
    raises("incr missing raises NotFound", pylibmc.NotFound, lambda: c.incr("nobody"))
    check("set max u64", c.set("big", b"18446744073709551615"), True)
    check("incr wraps at 2^64", c.incr("big", 1), 0)
    check("set non-numeric", c.set("word", b"abc"), True)
    raises("incr non-numeric raises", pylibmc.Error, lambda: c.incr("word"))
    check("value untouched after bad incr", c.get("word"), b"abc")


def multi(c):
    check("set_multi", c.set_multi({"m1": b"a", "m2": b"bb", "m3": b"ccc"}), [])
    check("get_multi", c.get_multi(["m1", "m2", "m3", "nope"]), {"m1": b"a", "m2": b"bb", "m3": b"ccc"})
    check("get_multi only misses", c.get_multi(["nope1", "nope2"]), {})
    check("add_multi reports existing keys", c.add_multi({"m1": b"x", "m4": b"dddd"}), ["m1"])
    check("delete_multi with a miss", c.delete_multi(["m3", "nope"]), False)
    check("get_multi after delete_multi", c.get_multi(["m1", "m2", "m3", "m4"]), {"m1": b"a", "m2": b"bb", "m4": b"dddd"})
    many = dict(("key%03d" % i, b"value %d" % i) for i in range(300))
    check("set_multi 300 keys", c.set_multi(many), [])
    check("get_multi 300 keys", c.get_multi(list(many) + ["absent%d" % i for i in range(30)]), many)


def values(c):
    binary_and_large_values(c)
    raises("set over item limit raises TooBig", pylibmc.TooBig, lambda: c.set("huge", b"x" * (2 * 1024 * 1024)))
    check("connection in step after too big", c.get("bin") is not None, True)
    check("set str", c.set("str", "straße"), True)
    check("get str", c.get("str"), "straße")
    check("set pickled", c.set("obj", {"a": [1, 2]}), True)
    check("get pickled", c.get("obj"), {"a": [1, 2]})
    check("set 250-byte key", c.set("k" * 250, b"long"), True)
    check("get 250-byte key", c.get("k" * 250), b"long")
    # The binary protocol's expiry is unsigned: -1 goes out as 0xffffffff, an absolute time in 2106,
    # so memcached keeps the item (in text, -1 expires it at once).
    check("set exptime -1", c.set("neg", b"kept", time=-1), True)
    check("get exptime -1", c.get("neg"), b"kept")


def stats(c):
    ((server, before),) = c.get_stats()
    check_true("stats server name", server.startswith(SERVERS[0].encode()), repr(server))
    c.get("str")
    c.get("nobody")
    ((_, after),) = c.get_stats()
    check("stats get_hits +1", int(after["get_hits"]) - int(before["get_hits"]), 1)
    check("stats get_misses +1", int(after["get_misses"]) - int(before["get_misses"]), 1)
    check("stats version", after["version"], b"1.6.18")
    check("flush_all", c.flush_all(), True)
    check("get_multi after flush_all", c.get_multi(["str", "large", "bin"]), {})


def wrong_password():
    """With SASL, a wrong password: libmemcached reports the failed authentication on the first command."""
    if USERNAME is None:
        return
    bad = client(password=PASSWORD + "-wrong")
    raises("wrong password refused", pylibmc.Error, lambda: bad.get("str"))
    raises("wrong password: no set", pylibmc.Error, lambda: bad.set("str", b"x"))


if __name__ == "__main__":
    main = client()
    run(lambda: storage(main), lambda: counters(main), lambda: multi(main), lambda: values(main),
        lambda: stats(main), wrong_password)
