#!/usr/bin/python3
"""
Writes keys through pylibmc with libmemcached's weighted ketama and md5 hashing, so that a test can
read each server directly and see where libmemcached placed every key. Run with Debian's
/usr/bin/python3 (python3-pylibmc).

Usage: pylibmc_place.py PREFIX COUNT SERVER...   (SERVER: host:port[:weight], as pylibmc takes them)
Prints "OK <count> keys" and exits 0.
"""
import sys

import pylibmc

prefix, count, servers = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
client = pylibmc.Client(servers, binary=False, behaviors={"ketama_weighted": True, "hash": "md5"})
for i in range(count):
    key = "%s%d" % (prefix, i)
    if not client.set(key, key.encode()):
        sys.exit("set %s failed" % key)
print("OK %d keys" % count)
