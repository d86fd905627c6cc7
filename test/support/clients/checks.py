"""
Counted checks for the client scripts in this folder, and the protocol the vitest suites read:
each script prints "OK <n> checks" and exits 0, or prints the failing check with a traceback and exits 1.
"""
import sys
import traceback

checks = 0


def check(label, actual, expected):
    """Asserts actual == expected."""
    global checks
    checks += 1
    assert actual == expected, "%s: expected %r, got %r" % (label, expected, actual)


def check_true(label, condition, detail=""):
    """Asserts a condition, with a detail shown when it fails."""
    global checks
    checks += 1
    assert condition, "%s failed %s" % (label, detail)


def raises(label, exception, call):
    """Asserts that call() raises `exception` (or a subclass)."""
    try:
        result = call()
    except exception:
        check_true(label, True)
        return
    check_true(label, False, "returned %r instead of raising %s" % (result, exception.__name__))


def storage_commands(c, replace_missing=None):
    """set/get/add/replace/append/prepend as pymemcache and pylibmc both report them: True or False
    for stored or not, None for a miss. Leaves k1 = b"v1b" and added = b"head-z-tail".
    `replace_missing` checks a replace of a missing key where a client reports it otherwise (pylibmc
    in binary mode raises NotFound, the binary protocol's status for it)."""
    check("set", c.set("k1", b"v1"), True)
    check("get", c.get("k1"), b"v1")
    check("get missing", c.get("missing"), None)
    check("set overwrite", c.set("k1", b"v1b"), True)
    check("get overwritten", c.get("k1"), b"v1b")
    check("set empty", c.set("empty", b""), True)
    check("get empty", c.get("empty"), b"")

    check("add new", c.add("added", b"x"), True)
    check("add existing", c.add("added", b"y"), False)
    check("get after add", c.get("added"), b"x")
    check("replace existing", c.replace("added", b"z"), True)
    check("get after replace", c.get("added"), b"z")
    if replace_missing is None:
        check("replace missing", c.replace("nobody", b"z"), False)
    else:
        replace_missing()
    check("get after failed replace", c.get("nobody"), None)

    check("append", c.append("added", b"-tail"), True)
    check("prepend", c.prepend("added", b"head-"), True)
    check("get after append/prepend", c.get("added"), b"head-z-tail")
    check("append missing", c.append("nobody", b"x"), False)
    check("prepend missing", c.prepend("nobody", b"x"), False)
    check("no item made by append/prepend", c.get("nobody"), None)


def cas_commands(c, not_found):
    """gets and cas on `added` (left by storage_commands); `not_found` is what a cas of a missing key raises."""
    value, token = c.gets("added")
    check("gets value", value, b"head-z-tail")
    check_true("gets cas is an int", isinstance(token, int) and token > 0, repr(token))
    check("cas matching", c.cas("added", b"cas1", token), True)
    check("cas stale", c.cas("added", b"cas2", token), False)
    check("get after cas", c.get("added"), b"cas1")
    _, token2 = c.gets("added")
    check_true("cas unique changed", token2 != token, "%r %r" % (token, token2))
    raises("cas missing raises NotFound", not_found, lambda: c.cas("nobody", b"x", token2))


def touch_and_delete(c):
    """touch and delete of k1 (left by storage_commands) and of a missing key."""
    check("touch existing", c.touch("k1", 100), True)
    check("touch missing", c.touch("nobody", 100), False)
    check("get after touch", c.get("k1"), b"v1b")
    check("delete existing", c.delete("k1"), True)
    check("delete missing", c.delete("k1"), False)
    check("get after delete", c.get("k1"), None)


# NUL, CR, LF, "\r\n" and "END\r\n" inside a value.
BINARY = b"a\x00b\r\nc\rd\ne\r\nEND\r\n\x00\xff"


def binary_and_large_values(c):
    """Values with every byte in them, and a 500 KB one, round-trip unchanged."""
    check("set binary", c.set("bin", BINARY), True)
    check("get binary", c.get("bin"), BINARY)
    every_byte = bytes(range(256)) * 4
    check("set all bytes", c.set("bytes", every_byte), True)
    check("get all bytes", c.get("bytes"), every_byte)
    large = bytes((i * 7 + 3) % 256 for i in range(500 * 1024))
    check("set large", c.set("large", large), True)
    check("get large", c.get("large"), large)
    return large


def port_argument():
    """The server port, the script's one argument."""
    if len(sys.argv) != 2:
        print("usage: %s PORT" % sys.argv[0])
        sys.exit(2)
    return int(sys.argv[1])


def run(*steps):
    """Runs each step (a function of no arguments) in order, then reports."""
    try:
        for step in steps:
            step()
    except Exception:
        print("FAILED after %d checks:" % checks)
        traceback.print_exc(file=sys.stdout)
        sys.exit(1)
    print("OK %d checks" % checks)
