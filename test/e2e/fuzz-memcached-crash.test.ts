/**
 * The campaign when memcached (the reference) dies under it, as memcached 1.6.18 now and then does
 * (SIGSEGV) under fuzzing: the crash is recorded, a fresh memcached is started, and the inputs that
 * were running run again, so no reply from a dead reference is judged and no finding is made up.
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

const INPUTS = 200

/**
 * A campaign of INPUTS inputs on `memcached`, killed (SIGKILL) after the first group of inputs. The
 * kill is reported to the campaign synchronously with it, so the next group is judged against a dying
 * memcached however fast the kill lands.
 */
const killedUnder = (
  effcachedPort: number,
  memcached: RunningServer,
  restart: Effect.Effect<Campaign.Reference, Error> | undefined
) => {
  let killed: string | undefined
  return Effect.runPromise(Campaign.run({
    seed: 16,
    first: 0,
    inputs: INPUTS,
    lanes: 4,
    effcachedPort,
    memcachedPort: memcached.port,
    memcachedExited: () => killed,
    ...(restart === undefined ? {} : { restartMemcached: restart }),
    memoryMb: 64,
    deadlineMs: 10_000,
    retries: 2,
    maxFindings: 5,
    sentinelEvery: 50,
    flushEvery: 10_000,
    exited: () => undefined,
    errorLog: () => [],
    onProgress: (progress) => {
      if (killed !== undefined || progress.inputs === 0) return
      memcached.process.kill("SIGKILL")
      killed = "killed by SIGKILL"
    }
  }))
}

describe.runIf(requireTool("memcached", memcachedPath !== undefined))("a fuzz campaign whose memcached dies", () => {
  const eff = useServer(() => startEffcached(["-v"]))

  it("starts a fresh memcached, runs the interrupted inputs again, and reports no finding", async () => {
    const started: Array<RunningServer> = [await startMemcached()]
    try {
      const report = await killedUnder(
        eff.port,
        started[0]!,
        Effect.promise(async () => {
          const fresh = await startMemcached()
          started.push(fresh)
          return { port: fresh.port, exited: () => undefined }
        })
      )
      const text = describeReport(report)
      expect(report.memcachedCrashes, text).toHaveLength(1)
      expect(report.memcachedCrashes[0]!.exited).toBe("killed by SIGKILL")
      expect(report.memcachedCrashes[0]!.inputs.length, text).toBeGreaterThan(0)
      expect(report.findings, text).toEqual([])
      expect(report.inputs, text).toBe(INPUTS)
      expect(report.stopped, text).toBeUndefined()
      expect(started).toHaveLength(2)
      expect(text).toContain("memcached killed by SIGKILL while inputs")
    } finally {
      await Promise.all(started.map((server) => server.stop()))
    }
  }, 60_000)

  it("stops, naming the crash, when memcached cannot be replaced", async () => {
    const memcached = await startMemcached()
    try {
      const report = await killedUnder(eff.port, memcached, undefined)
      expect(report.memcachedCrashes).toHaveLength(1)
      expect(report.stopped).toMatch(/^memcached killed by SIGKILL/)
      expect(report.inputs).toBeLessThan(INPUTS)
      expect(report.findings).toEqual([])
    } finally {
      await memcached.stop()
    }
  }, 60_000)
})
