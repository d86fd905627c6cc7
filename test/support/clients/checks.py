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
