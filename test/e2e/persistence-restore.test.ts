/**
 * What a restart on a data dir keeps (issue 11), on the daemon, beyond what the core's own tests cover
 * (persistence-roundtrip.test.ts: a held lock refused, CAS equal after SIGTERM; the unit and property
 * tests under TestClock: expiry, a restore into a smaller -m): the lock a kill -9 leaves behind does not
 * block the next start, after a kill -9 the CAS values are the same and new writes get larger ones, and stats
 * names every persist_* field.
 */
import { describe, expect, it } from "vitest"
import {
  killHard,
  PERSIST_STATS,
  pipelined,
  readItems,
  serve,
  STACK_FRAME,
  statsOf,
  useTempDirs
} from "../support/persistence.js"
import { Connection } from "../support/wire.js"

const tempDir = useTempDirs()

describe("the data dir's lock", () => {
  it("a lock left by kill -9 does not block the next start", async () => {
    const dir = tempDir()
    const first = await serve(["--data-dir", dir, "--appendfsync", "always"])
    try {
      expect(await pipelined(first.port, ["set held 0 0 1\r\nx\r\n"])).toEqual(["STORED"])
    } finally {
      await killHard(first)
    }
    const second = await serve(["--data-dir", dir])
    try {
      expect((await readItems(second.port, ["held"])).get("held")?.value).toBe("x")
    } finally {
      expect(await second.stop()).toBe(0)
    }
    expect(second.stderr()).not.toMatch(STACK_FRAME)
  })
})

/** `gets` of each key: its CAS unique, by key. */
const casOf = async (port: number, keys: ReadonlyArray<string>): Promise<Map<string, bigint>> => {
  const connection = await Connection.open(port)
  try {
    const reply = await connection.request(`gets ${keys.join(" ")}\r\n`)
    return new Map([...reply.matchAll(/^VALUE (\S+) \d+ \d+ (\d+)\r$/gm)].map((m) => [m[1]!, BigInt(m[2]!)]))
  } finally {
    connection.close()
  }
}

describe("CAS values across a restart", () => {
  it("new writes after a kill -9 and a restart get larger CAS values than any restored", async () => {
    const dir = tempDir()
    const keys = Array.from({ length: 50 }, (_, i) => `cas${i}`)
    const first = await serve(["--data-dir", dir, "--appendfsync", "always"])
    let before: Map<string, bigint>
    try {
      await pipelined(first.port, keys.map((k) => `set ${k} 0 0 2\r\nv1\r\n`))
      // Some keys written twice, so the CAS values are not simply in key order.
      await pipelined(first.port, keys.filter((_, i) => i % 3 === 0).map((k) => `set ${k} 0 0 2\r\nv2\r\n`))
      before = await casOf(first.port, keys)
      expect(before.size).toBe(keys.length)
    } finally {
      // No chance to write down where the CAS sequence stands: the restore must work it out.
      await killHard(first)
    }
    const second = await serve(["--data-dir", dir])
    try {
      expect(await casOf(second.port, keys)).toEqual(before)
      const highest = [...before.values()].reduce((a, b) => (a > b ? a : b))
      await pipelined(second.port, ["set cas0 0 0 2\r\nv3\r\n", "set fresh 0 0 1\r\nf\r\n"])
      const after = await casOf(second.port, ["cas0", "fresh"])
      expect(after.get("cas0")! > highest).toBe(true)
      expect(after.get("fresh")! > highest).toBe(true)
    } finally {
      await second.stop()
    }
  })
})

describe("persistence stats", () => {
  it("stats names every persist_* field with --data-dir", async () => {
    const persisting = await serve(["--data-dir", tempDir(), "--appendfsync", "always"])
    try {
      const stats = await statsOf(persisting.port)
      expect(PERSIST_STATS.filter((name) => !stats.has(name))).toEqual([])
      expect(stats.get("persist_appendfsync")).toBe("always")
    } finally {
      await persisting.stop()
    }
  })
})
