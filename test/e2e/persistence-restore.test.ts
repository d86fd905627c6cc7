/**
 * What a restart on a data dir keeps (issue 11), on the daemon: the lock (a second server on a held dir
 * is refused with one line; the lock a kill -9 leaves behind does not block the next start), CAS values
 * (equal after a restart, new writes larger), expiry (an expired item is not restored, a restored one
 * keeps its absolute expiry time), a restore into a smaller -m (the most recently used items kept), and
 * the persist_* stats only with --data-dir.
 */
import { describe, expect, it } from "vitest"
import {
  killHard,
  linesOf,
  PERSIST_STATS,
  pipelined,
  readItems,
  serve,
  STACK_FRAME,
  statsOf,
  useTempDirs
} from "../support/persistence.js"
import { launchEffcached, startEffcached } from "../support/servers.js"
import { Connection } from "../support/wire.js"

const tempDir = useTempDirs()

describe("the data dir's lock", () => {
  it("refuses a second server with one line, and a lock left by kill -9 does not block the next", async () => {
    const dir = tempDir()
    const first = await serve(["--data-dir", dir])
    try {
      expect(await pipelined(first.port, ["set held 0 0 1\r\nx\r\n"])).toEqual(["STORED"])
      const second = await launchEffcached(["--data-dir", dir])
      if (second._tag === "Serving") {
        await second.server.stop()
        throw new Error("a second server started on a held data dir")
      }
      expect(second.code).not.toBe(0)
      expect(second.stderr).not.toMatch(STACK_FRAME)
      expect(linesOf(second.stderr), second.stderr).toHaveLength(1)
      // The first one is undisturbed.
      expect((await readItems(first.port, ["held"])).get("held")?.value).toBe("x")
    } finally {
      await killHard(first)
    }
    const third = await serve(["--data-dir", dir])
    try {
      expect((await readItems(third.port, ["held"])).get("held")?.value).toBe("x")
    } finally {
      expect(await third.stop()).toBe(0)
    }
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
  it("gets returns the same CAS after a restart; new writes get larger ones", async () => {
    const dir = tempDir()
    const keys = Array.from({ length: 50 }, (_, i) => `cas${i}`)
    const first = await serve(["--data-dir", dir])
    let before: Map<string, bigint>
    try {
      await pipelined(first.port, keys.map((k) => `set ${k} 0 0 2\r\nv1\r\n`))
      // Some keys written twice, so the CAS values are not simply in key order.
      await pipelined(first.port, keys.filter((_, i) => i % 3 === 0).map((k) => `set ${k} 0 0 2\r\nv2\r\n`))
      before = await casOf(first.port, keys)
      expect(before.size).toBe(keys.length)
    } finally {
      expect(await first.stop()).toBe(0)
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

/** `mg <key> t v`: the remaining TTL in seconds (-1: none), or undefined on a miss. */
const ttlOf = async (port: number, key: string): Promise<number | undefined> => {
  const connection = await Connection.open(port)
  try {
    const reply = await connection.request(`mg ${key} t v\r\n`)
    if (reply.startsWith("EN")) return undefined
    return Number(/ t(-?\d+)/.exec(reply)![1])
  } finally {
    connection.close()
  }
}

describe("expiry across a restart", () => {
  it("does not restore an expired item, and a restored item keeps its absolute expiry time", async () => {
    const dir = tempDir()
    const first = await serve(["--data-dir", dir])
    const setAt = Date.now() / 1000
    // memcached's clock counts whole seconds: the short item is gone 2-3 s after it was set.
    const soon = Math.floor(setAt) + 2
    try {
      expect(
        await pipelined(first.port, [
          `set short 0 ${soon} 1\r\ns\r\n`,
          "set long 0 1000 1\r\nl\r\n",
          "set forever 0 0 1\r\nf\r\n"
        ])
      ).toEqual(["STORED", "STORED", "STORED"])
    } finally {
      expect(await first.stop()).toBe(0)
    }
    // The short item's expiry time must have passed while the server was down (real time: this is a
    // daemon, not TestClock; the wait ends at a known instant and no outcome depends on its length).
    const past = (soon + 1.1) * 1000 - Date.now()
    if (past > 0) await new Promise((resolve) => setTimeout(resolve, past))
    const second = await serve(["--data-dir", dir])
    try {
      const elapsed = Date.now() / 1000 - setAt
      expect(await ttlOf(second.port, "short")).toBeUndefined()
      expect(await ttlOf(second.port, "forever")).toBe(-1)
      const ttl = await ttlOf(second.port, "long")
      // Its expiry is where it was, not 1000 s from the restart.
      expect(ttl).toBeGreaterThanOrEqual(Math.floor(1000 - elapsed - 1))
      expect(ttl).toBeLessThanOrEqual(Math.ceil(1000 - elapsed + 1))
      expect((await statsOf(second.port)).get("persist_restored_items")).toBe("2")
    } finally {
      await second.stop()
    }
  })
})

/** Resolves once the wall clock has passed `unixSeconds` (memcached's clock counts whole seconds). */
const clockPast = async (unixSeconds: number): Promise<void> => {
  const wait = unixSeconds * 1000 - Date.now()
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
}

describe("a restore into a smaller -m", () => {
  it("keeps the most recently used items (as of the last snapshot)", async () => {
    const dir = tempDir()
    const count = 20_000
    const hot = 2000
    const value = "v".repeat(1000)
    const keys = Array.from({ length: count }, (_, i) => `mru${i}`)
    const first = await serve(["--data-dir", dir, "-m", "32", "--snapshot-interval", "1"])
    try {
      const replies = await pipelined(first.port, keys.map((k) => `set ${k} 0 0 ${value.length}\r\n${value}\r\n`))
      expect(replies.filter((r) => r !== "STORED")).toEqual([])
      // The oldest 2,000 read again, in a later second than every write: now the most recently used.
      // (Access times are whole seconds; the wait ends at a known instant, no outcome depends on its length.)
      await clockPast(Math.floor(Date.now() / 1000) + 2)
      expect((await readItems(first.port, keys.slice(0, hot))).size).toBe(hot)
      const readAt = Math.floor(Date.now() / 1000)
      // Reads are not logged (only changes are): recency reaches the disk with the next snapshot.
      const deadline = Date.now() + 15_000
      while (Number((await statsOf(first.port)).get("persist_last_snapshot_time")) <= readAt) {
        if (Date.now() > deadline) throw new Error("no snapshot after the reads within 15 s (--snapshot-interval 1)")
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    } finally {
      expect(await first.stop()).toBe(0)
    }
    // 8 MB holds about a third of the 20 MB written.
    const second = await serve(["--data-dir", dir, "-m", "8"])
    try {
      const found = await readItems(second.port, keys)
      const share = (from: number, to: number) => keys.slice(from, to).filter((k) => found.has(k)).length / (to - from)
      expect([...found.values()].every((item) => item.value === value)).toBe(true)
      expect(found.size).toBeGreaterThan(count / 5)
      expect(found.size).toBeLessThan(count / 2)
      // The read ones and the newest writes kept; the oldest untouched ones gone.
      expect(share(0, hot), "read before the restart").toBeGreaterThanOrEqual(0.9)
      expect(share(count - hot, count), "written last").toBeGreaterThanOrEqual(0.9)
      expect(share(hot, 2 * hot), "oldest untouched").toBeLessThanOrEqual(0.1)
    } finally {
      await second.stop()
    }
  }, 60_000)
})

describe("persistence stats", () => {
  it("stats reports the persist_* fields with --data-dir, and none without", async () => {
    const persisting = await serve(["--data-dir", tempDir(), "--appendfsync", "always"])
    const plain = await startEffcached()
    try {
      const stats = await statsOf(persisting.port)
      expect(PERSIST_STATS.filter((name) => !stats.has(name))).toEqual([])
      expect(stats.get("persist_appendfsync")).toBe("always")
      const plainStats = await statsOf(plain.port)
      expect([...plainStats.keys()].filter((name) => name.startsWith("persist_"))).toEqual([])
    } finally {
      await Promise.all([persisting.stop(), plain.stop()])
    }
  })
})
