#!/usr/bin/python3
"""
Drives an interactive program through a pseudo-terminal, as a person at a terminal would: writes
keystrokes, waits for the output each should bring, and reports what the terminal showed. Uses only
Python's standard pty module.

Reads a JSON script on stdin:
  {"argv": [...], "env": {...}, "timeout": seconds per step,
   "steps": [{"send": "text with \\t or \\u0004", "expect": "regex"}, ...]}
Each step writes `send` (if any), then reads until `expect` (if any) matches what the terminal has
shown since the step began, ANSI escape sequences removed. After the last step it waits for the
program to exit. Prints JSON: {"ok": bool, "failed_step": n or null, "steps": [text per step],
"exit": status or null, "transcript": all text}.
"""
import json
import os
import pty
import re
import select
import signal
import sys
import time

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0-9A-Za-z]|\r")

script = json.load(sys.stdin)
env = dict(os.environ, **script.get("env", {}), TERM="xterm")
timeout = script.get("timeout", 10)

pid, fd = pty.fork()
if pid == 0:
    os.execvpe(script["argv"][0], script["argv"], env)

transcript = ""


def read_for(seconds):
    """Reads what the terminal shows for up to `seconds`; returns it ('' at end of output)."""
    global transcript
    ready, _, _ = select.select([fd], [], [], seconds)
    if not ready:
        return None
    try:
        data = os.read(fd, 65536).decode("utf-8", "replace")
    except OSError:
        return ""
    transcript += data
    return data


result = {"ok": True, "failed_step": None, "steps": [], "exit": None}
for index, step in enumerate(script["steps"]):
    if "send" in step:
        os.write(fd, step["send"].encode("utf-8"))
    seen = ""
    if "expect" in step:
        deadline = time.time() + timeout
        pattern = re.compile(step["expect"])
        while not pattern.search(ANSI.sub("", seen)):
            left = deadline - time.time()
            data = read_for(max(left, 0)) if left > 0 else None
            if not data:
                result["ok"] = False
                result["failed_step"] = index
                break
            seen += data
    result["steps"].append(ANSI.sub("", seen))
    if not result["ok"]:
        break

# Let the program finish (the script's last step should make it leave), then collect its status.
deadline = time.time() + timeout
status = None
while time.time() < deadline:
    done, raw = os.waitpid(pid, os.WNOHANG)
    if done:
        status = os.waitstatus_to_exitcode(raw)
        break
    read_for(0.05)
if status is None:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
result["exit"] = status
result["transcript"] = ANSI.sub("", transcript)
print(json.dumps(result))
