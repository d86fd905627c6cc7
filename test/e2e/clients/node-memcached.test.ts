/**
 * The `memcached` npm package (text protocol) against the built daemon, used as applications use
 * it: values of every type it stores, the storage and counter commands, getMulti, TTLs, large
 * values, and thousands of requests in flight at once. Its multi-server hash ring is exercised by
 * test/e2e/pool.test.ts.
 */
import { afterAll, describe, expect, it } from "vitest"
import { PromisedMemcached } from "../../support/nodeMemcached.js"
import { startEffcached, useServer } from "../../support/servers.js"

describe("memcached (npm)", () => {
  const server = useServer(() => startEffcached())
  let client: PromisedMemcached | undefined
  /** One client for the suite, made once the server is up; retries 0 so a failure shows at once. */
  const mc = (): PromisedMemcached => (client ??= new PromisedMemcached(`127.0.0.1:${server.port}`, { retries: 0 }))
  afterAll(() => client?.end())

  it("stores strings, numbers, JSON and Buffers and gives each back as it was", async () => {
    const values: ReadonlyArray<readonly [string, unknown]> = [
      ["text", "hello"],
      ["unicode", "straße ✓ 日本"],
      ["lines", "one\r\ntwo\nEND\r\nthree"],
      ["number", 42.5],
      ["object", { a: [1, 2, { b: null }], c: "d" }],
      ["buffer", Buffer.from([0, 13, 10, 255, 128, 69, 78, 68])],
      ["bytes", Buffer.from(Array.from({ length: 1024 }, (_, i) => i % 256))]
    ]
    for (const [key, value] of values) expect(await mc().set(`types:${key}`, value)).toBe(true)
    for (const [key, value] of values) expect(await mc().get(`types:${key}`)).toEqual(value)
    expect(await mc().get("types:missing")).toBeUndefined()
  })

  it("add, replace, append, prepend, del and touch store or refuse as memcached does", async () => {
    expect(await mc().add("cmd:k", "a")).toBe(true)
    await expect(mc().add("cmd:k", "b")).rejects.toThrow("Item is not stored")
    expect(await mc().replace("cmd:k", "c")).toBe(true)
    await expect(mc().replace("cmd:missing", "c")).rejects.toThrow("Item is not stored")
    expect(await mc().append("cmd:k", "-tail")).toBe(true)
    expect(await mc().prepend("cmd:k", "head-")).toBe(true)
    await expect(mc().append("cmd:missing", "x")).rejects.toThrow("Item is not stored")
    expect(await mc().get("cmd:k")).toBe("head-c-tail")
    expect(await mc().touch("cmd:k", 100)).toBe(true)
    expect(await mc().touch("cmd:missing", 100)).toBe(false)
    expect(await mc().del("cmd:k")).toBe(true)
    expect(await mc().del("cmd:k")).toBe(false)
    expect(await mc().get("cmd:k")).toBeUndefined()
  })

  it("gets and cas: a matching unique stores, a stale one does not", async () => {
    await mc().set("cas:k", "one")
    const first = await mc().gets("cas:k")
    expect(first?.["cas:k"]).toBe("one")
    expect(first?.cas).toMatch(/^\d+$/)
    expect(await mc().cas("cas:k", "two", first!.cas)).toBe(true)
    expect(await mc().cas("cas:k", "three", first!.cas)).toBe(false)
    expect(await mc().get("cas:k")).toBe("two")
    const second = await mc().gets("cas:k")
    expect(second?.cas).not.toBe(first?.cas)
    expect(await mc().cas("cas:missing", "x", second!.cas)).toBe(false)
  })

  it("incr and decr count; misses are false, non-numbers an error", async () => {
    await mc().set("n:counter", 10)
    expect(await mc().incr("n:counter", 5)).toBe(15)
    expect(await mc().decr("n:counter", 3)).toBe(12)
    expect(await mc().decr("n:counter", 100)).toBe(0)
    expect(await mc().get("n:counter")).toBe(0)
    expect(await mc().incr("n:missing", 1)).toBe(false)
    await mc().set("n:word", "abc")
    await expect(mc().incr("n:word", 1)).rejects.toThrow("cannot increment or decrement non-numeric value")
    // The package's own counters are numbers; a value grown past its length reads back in full.
    await mc().set("n:nine", 9)
    expect(await mc().incr("n:nine", 1)).toBe(10)
    expect(await mc().get("n:nine")).toBe(10)
  })

  it("getMulti gives the hits keyed by key, for 500 keys at once", async () => {
    const keys = Array.from({ length: 500 }, (_, i) => `multi:${i}`)
    await Promise.all(keys.map((key, i) => mc().set(key, i % 3 === 0 ? { i } : `value ${i}`)))
    const found = await mc().getMulti([...keys, "multi:missing"])
    expect(Object.keys(found).sort()).toEqual([...keys].sort())
    keys.forEach((key, i) => expect(found[key]).toEqual(i % 3 === 0 ? { i } : `value ${i}`))
  })

  it("TTLs: seconds, absolute times past 30 days, negative; touch changes them", async () => {
    const now = Math.floor(Date.now() / 1000)
    await mc().set("ttl:seconds", "v", 100)
    await mc().set("ttl:future", "v", now + 3600)
    await mc().set("ttl:past", "v", now - 3600)
    await mc().set("ttl:negative", "v", -1)
    expect(await mc().getMulti(["ttl:seconds", "ttl:future", "ttl:past", "ttl:negative"])).toEqual({
      "ttl:seconds": "v",
      "ttl:future": "v"
    })
    expect(await mc().touch("ttl:seconds", -1)).toBe(true)
    expect(await mc().get("ttl:seconds")).toBeUndefined()
  })

  it("large values up to the item size limit; a larger one is refused", async () => {
    const large = "x".repeat(1000 * 1024)
    expect(await mc().set("large:k", large)).toBe(true)
    expect(await mc().get("large:k")).toBe(large)
    // The package refuses values over its maxValue itself. Raised, the server's SERVER_ERROR answers,
    // which the package takes for a failing server: it resolves false and stops using that
    // connection's server for `retry` ms (against memcached too). Other clients are unaffected.
    const lenient = new PromisedMemcached(`127.0.0.1:${server.port}`, { retries: 0, maxValue: 4 * 1024 * 1024 })
    try {
      expect(await lenient.set("large:huge", "y".repeat(2 * 1024 * 1024))).toBe(false)
    } finally {
      lenient.end()
    }
    expect(await mc().get("large:huge")).toBeUndefined()
    expect(await mc().get("large:k")).toBe(large)
  })

  it("thousands of requests in flight at once each get their own answer", async () => {
    const n = 3000
    const keys = Array.from({ length: n }, (_, i) => `flight:${i}`)
    const stored = await Promise.all(keys.map((key, i) => mc().set(key, `v${i}`.repeat(1 + (i % 50)))))
    expect(stored.every((ok) => ok)).toBe(true)
    // Reads, counter updates and writes interleaved.
    const results = await Promise.all(
      keys.map((key, i) =>
        i % 3 === 0
          ? mc().get(key)
          : i % 3 === 1
          ? mc().append(key, "+").then(() => mc().get(key))
          : mc().getMulti([key])
      )
    )
    results.forEach((result, i) => {
      const value = `v${i}`.repeat(1 + (i % 50))
      if (i % 3 === 0) expect(result).toBe(value)
      else if (i % 3 === 1) expect(result).toBe(`${value}+`)
      else expect(result).toEqual({ [keys[i]!]: value })
    })
  })

  it("keys: whitespace refused by the client, over 250 bytes hashed by it", async () => {
    await expect(mc().set("a key", "v")).rejects.toThrow("whitespace")
    const long = "k".repeat(300)
    expect(await mc().set(long, "long")).toBe(true)
    expect(await mc().get(long)).toBe("long")
  })

  it("version, stats and flush", async () => {
    const [version] = await mc().version()
    expect(version?.version).toBe("1.6.18")
    const [stats] = await mc().stats()
    expect(stats?.server).toBe(`127.0.0.1:${server.port}`)
    expect(Number(stats?.["curr_items"])).toBeGreaterThan(0)
    expect(await mc().flush()).toEqual([true])
    expect(await mc().get("types:text")).toBeUndefined()
  })
})
