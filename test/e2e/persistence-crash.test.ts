/**
 * Crash safety (issue 11): the daemon under concurrent writers (sets, ms, deletes, incr on several
 * connections) is killed with SIGKILL at seeded random moments and restarted on the same data dir, round
 * after round; every key is then read back and held to what its writer was told. `always`: nothing
 * acknowledged is lost. `everysec`: only writes acknowledged in the last 2 s before the kill may be
 * missing. `no`: whatever is lost, nothing is ever wrong (a key holds a state it really had). Rounds
 * alternate a long and a 1-second snapshot interval, so kills also land during and right after
 * snapshots. A last round stops the server with SIGTERM instead: then nothing acknowledged is lost in
 * any mode.
 */
import { performance } from "node:perf_hooks"
import { describe, expect, it } from "vitest"
import { Random } from "../../src/bench/Random.js"
import { killHard, readItems, serve, STACK_FRAME, statsOf, useTempDirs } from "../support/persistence.js"
import type { RunningServer } from "../support/servers.js"
import { WriteHistory } from "../support/writeHistory.js"

const tempDir = useTempDirs()

const CONNS = 6
const KEYS_PER_CONN = 40

/** What a mode promises after a kill: the cut-off before which every acknowledged write must survive. */
const MODES = [
  { mode: "always", rounds: 3, cutoff: (_killedAt: number) => Infinity, promise: "no acknowledged write lost" },
  {
    mode: "everysec",
    rounds: 2,
    cutoff: (killedAt: number) => killedAt - 2000,
    promise: "only writes acknowledged in the last 2 s lost"
  },
  { mode: "no", rounds: 1, cutoff: (_killedAt: number) => -Infinity, promise: "nothing wrong served" }
] as const

describe.each(MODES)("kill -9 under concurrent writers, --appendfsync $mode", ({ cutoff, mode, promise, rounds }) => {
  it(`${promise}, over ${rounds} kill rounds and a SIGTERM`, async () => {
    const dir = tempDir()
    const random = new Random(mode === "always" ? 11 : mode === "everysec" ? 12 : 13)
    const history = new WriteHistory(CONNS, KEYS_PER_CONN)
    const args = (round: number) => [
      "--data-dir",
      dir,
      "--appendfsync",
      mode,
      "--snapshot-interval",
      round % 2 === 1 ? "1" : "3600"
    ]
    let server: RunningServer = await serve(args(0))
    try {
      for (let round = 0; round <= rounds; round++) {
        const graceful = round === rounds
        let stopping = false
        const writers = Array.from(
          { length: CONNS },
          (_, conn) => history.write(server.port, conn, random.next(), () => stopping)
        )
        // A seeded moment 300-1100 ms into the writes.
        await new Promise((resolve) => setTimeout(resolve, 300 + random.below(800)))
        let killedAt: number
        if (graceful) {
          // Writers stop first; a SIGTERM with requests in flight is the drain's business (shutdown.test.ts).
          stopping = true
          await Promise.all(writers)
          expect(history.mismatches, "replies before the SIGTERM").toEqual([])
          killedAt = performance.now()
          expect(await server.stop()).toBe(0)
        } else {
          killedAt = performance.now()
          await killHard(server)
          await Promise.all(writers)
        }
        const { acked, sent } = history.counts()
        expect(acked, `round ${round}: the writers got replies`).toBeGreaterThan(CONNS)
        expect(server.stderr()).not.toMatch(STACK_FRAME)

        server = await serve(args(round + 1))
        const found = await readItems(server.port, history.keys)
        const problems = history.check(found, graceful ? Infinity : cutoff(killedAt))
        expect(
          problems,
          `round ${round} (${graceful ? "SIGTERM" : "SIGKILL"}; ${sent} sent, ${acked} acknowledged):\n` +
            problems.slice(0, 10).join("\n") + `\n--- restarted server's stderr ---\n${server.stderr()}`
        ).toEqual([])
        const stats = await statsOf(server.port)
        expect(stats.get("persist_appendfsync")).toBe(mode)
        expect(Number(stats.get("persist_restored_items"))).toBe(found.size)
        history.adopt(found)
      }
    } finally {
      await server.stop()
    }
    expect(server.stderr()).not.toMatch(STACK_FRAME)
  }, 60_000)
})
