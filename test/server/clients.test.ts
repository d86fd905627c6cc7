/**
 * Real clients against the built daemon: pymemcache (Debian's python3-pymemcache, driven by
 * test/support/clients/pymemcache_check.py) and libmemcached's memccapable protocol checker.
 * Each suite skips locally when its tool is missing and fails under CI=true (see .ci/run).
 */
import { describe, expect, it } from "@effect/vitest"
import { spawn, spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { requireTool, type RunningServer, startEffcached, useServer } from "../support/servers.js"

const clientsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../support/clients")

/** Debian's interpreter: python3-pymemcache is installed for it, not for whatever python3 is first on PATH. */
const systemPython = "/usr/bin/python3"
const memccapable = "/usr/bin/memccapable"

const hasPymemcache =
  existsSync(systemPython) && spawnSync(systemPython, ["-c", "import pymemcache"], { stdio: "ignore" }).status === 0
const hasMemccapable = existsSync(memccapable)

interface Outcome {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs a command to completion (killed after `timeoutMs`), collecting stdout and stderr. */
const run = (command: string, args: ReadonlyArray<string>, timeoutMs: number): Promise<Outcome> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => {
      stderr += `\n[killed after ${timeoutMs} ms]`
      child.kill("SIGKILL")
    }, timeoutMs)
    child.once("error", (e) => {
      clearTimeout(timer)
      reject(e)
    })
    child.once("close", (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  })

const report = (what: string, outcome: Outcome, server: RunningServer) =>
  [
    `${what} exited with ${outcome.code ?? outcome.signal}`,
    `--- stdout ---\n${outcome.stdout}`,
    `--- stderr ---\n${outcome.stderr}`,
    `--- effcached stderr ---\n${server.stderr()}`
  ].join("\n")

describe.runIf(requireTool("pymemcache (python3-pymemcache for /usr/bin/python3)", hasPymemcache))("pymemcache", () => {
  const server = useServer(() => startEffcached())

  it("passes every check in pymemcache_check.py (reply and noreply clients)", async () => {
    const outcome = await run(systemPython, [path.join(clientsDir, "pymemcache_check.py"), String(server.port)], 60_000)
    const message = report("pymemcache_check.py", outcome, server)
    expect(outcome.code, message).toBe(0)
    expect(outcome.stdout, message).toMatch(/^OK \d+ checks$/m)
  }, 90_000)
})

describe.runIf(requireTool("memccapable (libmemcached-tools)", hasMemccapable))("memccapable", () => {
  const server = useServer(() => startEffcached())

  it("passes every ascii protocol test", async () => {
    const outcome = await run(memccapable, ["-a", "-v", "-t", "5", "-h", "127.0.0.1", "-p", String(server.port)], 120_000)
    const message = report("memccapable -a", outcome, server)
    // memccapable prints "[FAIL]" and "N of M tests failed" (stderr) or "All tests passed" (stdout).
    const all = `${outcome.stdout}\n${outcome.stderr}`
    expect(outcome.code, message).toBe(0)
    expect(all, message).not.toMatch(/\[FAIL\]|tests? failed/)
    expect(all, message).toMatch(/All tests passed/)
  }, 150_000)
})
