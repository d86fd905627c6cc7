/**
 * A short run of `npm run fuzz` (src/fuzz): 20,000 generated and mutated streams sent to effcached and
 * to a real memcached 1.6.18, with a fixed seed so that a failure here is replayed exactly with
 * `npm run fuzz -- --seed 16 --replay <input>` (the failure message says which). It fails on any
 * crash, hang, lost sentinel, error logged, or reply that differs outside the allowlist
 * (src/fuzz/Allowlist.ts, each rule a difference docs/compatibility.md documents). memcached 1.6.18
 * itself sometimes dies of a SIGSEGV under this traffic: the campaign then starts a fresh one
 * (restartMemcached) and runs the inputs again, and the test stops every memcached it started.
 */
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import * as Campaign from "../../src/fuzz/Campaign.js"
import { describeReport } from "../../src/fuzz/Report.js"
import {
  memcachedPath,
  requireTool,
  type RunningServer,
  startEffcached,
  startMemcached,
  useServer
} from "../support/servers.js"

const INPUTS = 20_000
const MEMORY_MB = 1024

const exitedOf = (server: RunningServer) => () => {
  const { exitCode, signalCode } = server.process
  return signalCode !== null ? `killed by ${signalCode}` : exitCode !== null ? `exited ${exitCode}` : undefined
}

describe.runIf(requireTool("memcached", memcachedPath !== undefined))("differential fuzzing against memcached", () => {
  const eff = useServer(() => startEffcached(["-m", `${MEMORY_MB}`, "-v"]))
  const mem = useServer(() => startMemcached(["-m", `${MEMORY_MB}`]))

  it(`${INPUTS} inputs: no crash, hang, lost sentinel, logged error or unexplained difference`, async () => {
    const replacements: Array<RunningServer> = []
    let seen = 0
    const errors = () => {
      const lines = eff.stderr().split("\n")
      const fresh = lines.slice(seen, -1)
      seen = lines.length - 1
      return fresh.filter((line) => /level=(ERROR|FATAL)/.test(line))
    }
    const report = await Effect.runPromise(Campaign.run({
      seed: 16,
      first: 0,
      inputs: INPUTS,
      lanes: 4,
      effcachedPort: eff.port,
      memcachedPort: mem.port,
      memcachedExited: exitedOf(mem),
      restartMemcached: Effect.tryPromise({
        try: async () => {
          const fresh = await startMemcached(["-m", `${MEMORY_MB}`])
          replacements.push(fresh)
          return { port: fresh.port, exited: exitedOf(fresh) }
        },
        catch: (error) => error instanceof Error ? error : new Error(String(error))
      }),
      memoryMb: MEMORY_MB,
      deadlineMs: 10_000,
      retries: 2,
      maxFindings: 5,
      sentinelEvery: 500,
      flushEvery: 10_000,
      exited: exitedOf(eff),
      errorLog: errors
    })).finally(() => Promise.all(replacements.map((server) => server.stop())))
    const text = describeReport(report)
    expect(report.findings, text).toEqual([])
    expect(report.inputs, text).toBe(INPUTS)
    // The allowlist accepts particular shapes of difference: most inputs must agree exactly.
    expect(report.same / report.inputs, text).toBeGreaterThan(0.75)
    expect(report.sentinelChecks, text).toBeGreaterThanOrEqual(INPUTS / 500)
  }, 240_000)
})
