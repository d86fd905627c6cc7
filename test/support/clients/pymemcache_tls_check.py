#!/usr/bin/python3
"""
pymemcache over TLS (its tls_context option) against a running effcached started with -Z: the
storage, touch/delete, binary and large-value checks the plain script runs, then get_many, counters
and stats, all through the TLS connection; with a client certificate when one is given.

Usage: pymemcache_tls_check.py PORT CA_FILE [CERT_FILE KEY_FILE]
Prints "OK <n> checks" and exits 0, or prints the failing check and exits 1.
"""
import ssl
import sys

from checks import binary_and_large_values, check, check_true, run, storage_commands, touch_and_delete
from pymemcache.client.base import Client

if len(sys.argv) not in (3, 5):
    print("usage: %s PORT CA_FILE [CERT_FILE KEY_FILE]" % sys.argv[0])
    sys.exit(2)
PORT = int(sys.argv[1])
context = ssl.create_default_context(cafile=sys.argv[2])
context.check_hostname = False
if len(sys.argv) == 5:
    context.load_cert_chain(sys.argv[3], sys.argv[4])


def tls_client():
    return Client(("127.0.0.1", PORT), tls_context=context, default_noreply=False, connect_timeout=5, timeout=10)


def over_tls():
    c = tls_client()
    check("flush_all", c.flush_all(), True)
    storage_commands(c)
    touch_and_delete(c)
    binary_and_large_values(c)
    check_true("the connection is TLS", c.sock.version() in ("TLSv1.2", "TLSv1.3"), c.sock.version())
    values = {("many%d" % i): (b"v%d" % i) for i in range(100)}
    check("set_many", c.set_many(values), [])
    found = c.get_many(list(values) + ["missing"])
    check("get_many", {k: found[k] for k in found}, {k: v for k, v in values.items()})
    check("set counter", c.set("counter", b"41"), True)
    check("incr", c.incr("counter", 1), 42)
    check("decr", c.decr("counter", 2), 40)
    stats = c.stats()
    check_true("stats over TLS", stats.get(b"curr_connections", 0) >= 1, stats)
    check_true("ssl stats", b"ssl_handshake_errors" in stats, sorted(stats))
    c.quit()


if __name__ == "__main__":
    run(over_tls)
