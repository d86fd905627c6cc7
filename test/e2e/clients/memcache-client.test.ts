/**
 * memcache-client (npm, Electrode's promise-based client) against the built daemon, used as
 * applications use it: values of every type it stores, every command with its replies and errors,
 * multi-key get, TTLs, noreply, large and too-large values, and thousands of requests in flight over
 * one connection and over several.
 */
import { MemcacheClient, type MultiRetrievalResponse } from "memcache-client"
import { afterAll, describe, expect, it } from "vitest"
import { startEffcached, useServer } from "../../support/servers.js"

describe("memcache-client (npm)", () => {
  const server = useServer(() => startEffcached())
  const clients: Array<MemcacheClient> = []
  /** A client of the suite's server, shut down after the suite. */
  const connect = (maxConnections = 1): MemcacheClient => {
    const client = new MemcacheClient({
      server: { server: `127.0.0.1:${server.port}`, maxConnections },
      cmdTimeout: 10_000
    })
    clients.push(client)
    return client
  }
  let shared: MemcacheClient | undefined
  const mc = (): MemcacheClient => (shared ??= connect())
  afterAll(() => clients.forEach((client) => client.shutdown()))

  /** The value of a single-key get, or undefined on a miss. */
  const value = async (key: string): Promise<unknown> => (await mc().get<unknown>(key))?.value

  it("stores strings, numbers, JSON and Buffers and gives each back as it was", async () => {
    const values: ReadonlyArray<readonly [string, string | number | Buffer | Record<string, unknown>]> = [
      ["text", "hello"],
      ["unicode", "straße ✓ 日本"],
      ["lines", "one\r\ntwo\nEND\r\nthree"],
      ["empty", ""],
      ["number", 42.5],
      ["object", { a: [1, 2, { b: null }], c: "d" }],
      ["bytes", Buffer.from(Array.from({ length: 1024 }, (_, i) => i % 256))]
    ]
    for (const [key, v] of values) expect(await mc().set(`types:${key}`, v)).toEqual(["STORED"])
    for (const [key, v] of values) expect(await value(`types:${key}`)).toEqual(v)
    expect(await value("types:missing")).toBeUndefined()
  })

  it("get with several keys gives the hits keyed by key", async () => {
    await Promise.all(Array.from({ length: 200 }, (_, i) => mc().set(`multi:${i}`, `v${i}`)))
    const keys = [...Array.from({ length: 200 }, (_, i) => `multi:${i}`), "multi:missing"]
    const found = await mc().get<MultiRetrievalResponse<string>>(keys)
    expect(Object.keys(found).length).toBe(200)
    for (let i = 0; i < 200; i++) expect(found[`multi:${i}`]?.value).toBe(`v${i}`)
  })

  it("add, replace, append, prepend, delete and touch: replies and errors as memcached sends them", async () => {
    expect(await mc().add("cmd:k", "a")).toEqual(["STORED"])
    await expect(mc().add("cmd:k", "b")).rejects.toThrow("NOT_STORED")
    expect(await mc().replace("cmd:k", "c")).toEqual(["STORED"])
    await expect(mc().replace("cmd:missing", "c")).rejects.toThrow("NOT_STORED")
    expect(await mc().append("cmd:k", "-tail")).toEqual(["STORED"])
    expect(await mc().prepend("cmd:k", "head-")).toEqual(["STORED"])
    await expect(mc().prepend("cmd:missing", "x")).rejects.toThrow("NOT_STORED")
    expect(await value("cmd:k")).toBe("head-c-tail")
    expect(await mc().touch("cmd:k", 100)).toEqual(["TOUCHED"])
    await expect(mc().touch("cmd:missing", 100)).rejects.toThrow("NOT_FOUND")
    expect(await mc().delete("cmd:k")).toEqual(["DELETED"])
    await expect(mc().delete("cmd:k")).rejects.toThrow("NOT_FOUND")
  })

  it("gets and cas: EXISTS for a stale unique, NOT_FOUND for a missing key", async () => {
    await mc().set("cas:k", "one")
    const first = await mc().gets<string>("cas:k")
    expect(first.value).toBe("one")
    expect(String(first.casUniq)).toMatch(/^\d+$/)
    expect(await mc().cas("cas:k", "two", { casUniq: first.casUniq })).toEqual(["STORED"])
    await expect(mc().cas("cas:k", "three", { casUniq: first.casUniq })).rejects.toThrow("EXISTS")
    await expect(mc().cas("cas:missing", "x", { casUniq: first.casUniq })).rejects.toThrow("NOT_FOUND")
    expect(await value("cas:k")).toBe("two")
  })

  it("incr and decr", async () => {
    await mc().set("n:counter", "10")
    expect(await mc().incr("n:counter", 5)).toBe("15")
    expect(await mc().decr("n:counter", 100)).toBe("0")
    await expect(mc().incr("n:missing", 1)).rejects.toThrow("NOT_FOUND")
    await mc().set("n:word", "abc")
    await expect(mc().incr("n:word", 1)).rejects.toThrow("CLIENT_ERROR cannot increment or decrement non-numeric value")
  })

  it("TTLs: the lifetime option in seconds, absolute past 30 days, negative", async () => {
    const now = Math.floor(Date.now() / 1000)
    await mc().set("ttl:seconds", "v", { lifetime: 100 })
    await mc().set("ttl:future", "v", { lifetime: now + 3600 })
    await mc().set("ttl:past", "v", { lifetime: now - 3600 })
    await mc().set("ttl:negative", "v", { lifetime: -1 })
    const found = await mc().get<MultiRetrievalResponse>(["ttl:seconds", "ttl:future", "ttl:past", "ttl:negative"])
    expect(Object.keys(found).sort()).toEqual(["ttl:future", "ttl:seconds"])
  })

  it("noreply commands are not answered, and the replies that follow stay in step", async () => {
    await mc().set("nr:k", "1", { noreply: true })
    await mc().append("nr:k", "2", { noreply: true })
    await mc().add("nr:k", "x", { noreply: true })
    await mc().delete("nr:gone", { noreply: true })
    expect(await value("nr:k")).toBe("12")
    expect(await mc().version()).toEqual(["VERSION", "1.6.18"])
  })

  it("large values up to the item size limit; a larger one gets SERVER_ERROR and the client goes on", async () => {
    const large = Buffer.alloc(1000 * 1024, 7)
    expect(await mc().set("large:k", large)).toEqual(["STORED"])
    expect(large.equals((await value("large:k")) as Buffer)).toBe(true)
    await expect(mc().set("large:huge", Buffer.alloc(2 * 1024 * 1024))).rejects.toThrow(
      "SERVER_ERROR object too large for cache"
    )
    expect(await value("large:huge")).toBeUndefined()
    expect(((await value("large:k")) as Buffer).length).toBe(large.length)
  })

  it("thousands of requests in flight at once, over one connection and over four", async () => {
    for (const client of [mc(), connect(4)]) {
      const n = 3000
      const stored = await Promise.all(
        Array.from({ length: n }, (_, i) => client.set(`flight:${i}`, `v${i}`.repeat(1 + (i % 40))))
      )
      expect(stored.every((reply) => reply[0] === "STORED")).toBe(true)
      const read = await Promise.all(Array.from({ length: n }, (_, i) => client.get<string>(`flight:${i}`)))
      read.forEach((reply, i) => expect(reply?.value).toBe(`v${i}`.repeat(1 + (i % 40))))
    }
  })

  it("stats through cmd, and flush_all", async () => {
    const stats = await mc().cmd<{ readonly STAT: ReadonlyArray<ReadonlyArray<string>> }>("stats")
    const byName = new Map(stats.STAT.map(([name, v]) => [name, v]))
    expect(byName.get("version")).toBe("1.6.18")
    expect(Number(byName.get("curr_items"))).toBeGreaterThan(0)
    expect(await mc().cmd("flush_all")).toEqual(["OK"])
    expect(await value("types:text")).toBeUndefined()
  })
})
