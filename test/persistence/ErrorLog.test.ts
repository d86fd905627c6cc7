import { describe, expect, it } from "@effect/vitest"
import { ErrorLog } from "../../src/persistence/ErrorLog.js"

describe("ErrorLog", () => {
  it("a line for the first failure of each kind, then at most one per kind per interval, with a count", () => {
    const log = new ErrorLog(10_000)
    log.record("write ENOSPC", "no space left", 0)
    log.record("write ENOSPC", "no space left", 100)
    log.record("fsync EIO", "i/o error", 200)
    log.record("write ENOSPC", "no space left", 300)
    expect(log.take(1000)).toEqual(["persistence: write ENOSPC: no space left", "persistence: fsync EIO: i/o error"])
    for (let t = 1000; t < 9999; t += 1000) {
      log.record("write ENOSPC", "no space left", t)
      expect(log.take(t)).toEqual([])
    }
    expect(log.take(10_000)).toEqual(["persistence: write ENOSPC: 11 more in the last 10 s"])
    // fsync failed once only: nothing to count.
    expect(log.take(20_000)).toEqual([])
  })

  it("a kind quiet for a whole interval is a line at once again; take(final) reports every count", () => {
    const log = new ErrorLog(10_000)
    log.record("open ENOSPC", "full", 0)
    expect(log.take(0)).toEqual(["persistence: open ENOSPC: full"])
    log.record("open ENOSPC", "full", 10_000)
    expect(log.take(10_000)).toEqual(["persistence: open ENOSPC: full"])
    log.record("open ENOSPC", "full", 12_000)
    log.record("open ENOSPC", "full", 13_000)
    expect(log.take(14_000)).toEqual([])
    expect(log.take(15_000, true)).toEqual(["persistence: open ENOSPC: 2 more in the last 5 s"])
    expect(log.take(16_000, true)).toEqual([])
  })
})
