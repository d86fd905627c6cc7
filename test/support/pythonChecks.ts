/**
 * A suite that runs one of the Python client scripts in test/support/clients against a fresh
 * effcached: the script prints "OK <n> checks" and exits 0, or prints the failing check and exits 1.
 */
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { describeOutcome, pythonHas, runProgram, systemPython } from "./processes.js"
import { requireTool, type RunningServer, startEffcached, useServer } from "./servers.js"

const clientsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "clients")

/** What a check script needs and which one it is. */
export interface PythonCheck {
  /** The client's name, as the suite is titled. */
  readonly client: string
  /** The module the client is imported as. */
  readonly module: string
  /** The Debian package that installs it for /usr/bin/python3. */
  readonly debianPackage: string
  /** The script's file name in test/support/clients. */
  readonly script: string
  /** At least this many checks must have run (so a script cut short cannot pass). */
  readonly minimumChecks: number
  /** The suite's title when not the client's name (one client against several servers). */
  readonly title?: string
  /** The server to run against (a fresh effcached when not given). */
  readonly start?: () => Promise<RunningServer>
  /** Variables added to the script's environment (credentials). */
  readonly env?: Readonly<Record<string, string>>
}

/** Declares the suite: skipped (failed under CI=true) when the client is not installed. */
export const describePythonCheck = (check: PythonCheck): void => {
  const present = requireTool(`${check.client} (${check.debianPackage} for ${systemPython})`, pythonHas(check.module))
  describe.runIf(present)(check.title ?? check.client, () => {
    const server = useServer(check.start ?? (() => startEffcached()))

    it(`passes every check in ${check.script}`, async () => {
      const outcome = await runProgram(systemPython, [path.join(clientsDir, check.script), String(server.port)], {
        timeoutMs: 60_000,
        ...(check.env ? { env: { ...process.env, ...check.env } } : {})
      })
      const message = describeOutcome(check.script, outcome, server)
      expect(outcome.code, message).toBe(0)
      const checks = /^OK (\d+) checks$/m.exec(outcome.stdout)
      expect(checks, message).not.toBeNull()
      expect(Number(checks![1]), message).toBeGreaterThanOrEqual(check.minimumChecks)
    }, 90_000)
  })
}
