import { describe, expect, it } from "@effect/vitest"
import type { MetaArithmetic, MetaDebug, MetaDelete, MetaFlag, MetaGet, MetaSet } from "../../src/domain/MetaRequest.js"
import type { MetaDebugReply, MetaReply } from "../../src/domain/MetaResult.js"
import type { Result } from "../../src/domain/Result.js"
import { execute, NOW, table } from "../support/store.js"

// The store's meta semantics with explicit clocks: what the differential tests cannot show in a few
// seconds of wall time (TTLs and access times as time passes), and the counters memcached keeps.

const common = (key: string, flags: ReadonlyArray<MetaFlag>) => ({
  key,
  flags,
  base64: flags.includes("b"),
  quiet: flags.includes("q"),
  opaque: undefined as string | undefined
})

const mg = (key: string, flags: ReadonlyArray<MetaFlag>, tokens: Partial<MetaGet> = {}): MetaGet => ({
  _tag: "MetaGet",
  ...common(key, flags),
  returnValue: flags.includes("v"),
  noUpdate: flags.includes("u"),
  ttl: undefined,
  vivify: undefined,
  recache: undefined,
  ...tokens
})
const ms = (
  key: string,
  value: string,
  flags: ReadonlyArray<MetaFlag> = [],
  tokens: Partial<MetaSet> = {}
): MetaSet => ({
  _tag: "MetaSet",
  ...common(key, flags),
  value: Buffer.from(value, "latin1"),
  clientFlags: 0,
  ttl: 0,
  compareCas: undefined,
  invalidate: flags.includes("I"),
  mode: undefined,
  ...tokens
})
const md = (key: string, flags: ReadonlyArray<MetaFlag> = [], tokens: Partial<MetaDelete> = {}): MetaDelete => ({
  _tag: "MetaDelete",
  ...common(key, flags),
  compareCas: undefined,
  invalidate: flags.includes("I"),
  ttl: undefined,
  ...tokens
})
const ma = (
  key: string,
  flags: ReadonlyArray<MetaFlag> = [],
  tokens: Partial<MetaArithmetic> = {}
): MetaArithmetic => ({
  _tag: "MetaArithmetic",
  ...common(key, flags),
  returnValue: flags.includes("v"),
  compareCas: undefined,
  vivify: undefined,
  initial: 0n,
  delta: 1n,
  mode: undefined,
  ttl: undefined,
  ...tokens
})
const me = (key: string): MetaDebug => ({ _tag: "MetaDebug", key, base64: false })

const reply = (result: Result): MetaReply => {
  if (result._tag !== "MetaReply") throw new Error(`expected a MetaReply, got ${JSON.stringify(result)}`)
  return result
}
const debug = (result: Result): MetaDebugReply => {
  if (result._tag !== "MetaDebugReply") throw new Error(`expected a MetaDebugReply, got ${result._tag}`)
  return result
}
const text = (r: MetaReply) => Buffer.from(r.value).toString("latin1")

describe("MetaCommands", () => {
  it("mg reports TTL and last access as time passes; h and l describe the item before this fetch", () => {
    const t = table()
    execute(t, ms("k", "v", ["T"], { ttl: 100 }), NOW)
    const first = reply(execute(t, mg("k", ["t", "h", "l"]), NOW + 30))
    expect(first).toMatchObject({ ttl: 70, fetched: false, lastAccess: 30 })
    const second = reply(execute(t, mg("k", ["t", "h", "l"]), NOW + 40))
    expect(second).toMatchObject({ ttl: 60, fetched: true, lastAccess: 10 })
    // u reads without counting as an access.
    execute(t, mg("k", ["u"]), NOW + 50)
    expect(reply(execute(t, mg("k", ["l"]), NOW + 55)).lastAccess).toBe(15)
    expect(execute(t, mg("k", ["v"]), NOW + 100)).toMatchObject({ status: "EN" })
  })

  it("mg T sets the TTL in flag order, and counts as a touch only on a hit", () => {
    const t = table()
    execute(t, ms("k", "v"), NOW)
    expect(reply(execute(t, mg("k", ["t", "T"], { ttl: 50 }), NOW)).ttl).toBe(-1)
    expect(reply(execute(t, mg("k", ["T", "t"], { ttl: 80 }), NOW)).ttl).toBe(80)
    execute(t, mg("missing", ["T"], { ttl: 80 }), NOW)
    expect(t.counters.snapshot()).toMatchObject({ cmd_touch: 2, touch_hits: 2, cmd_get: 1, get_misses: 1, get_hits: 0 })
    expect(execute(t, mg("k", ["v"]), NOW + 80)).toMatchObject({ status: "EN" })
  })

  it("mg R wins once the remaining TTL drops below the token, and only once", () => {
    const t = table()
    execute(t, ms("k", "v", ["T"], { ttl: 100 }), NOW)
    expect(reply(execute(t, mg("k", ["R"], { recache: 30 }), NOW))).toMatchObject({ won: false, tokenSent: false })
    expect(reply(execute(t, mg("k", ["R"], { recache: 30 }), NOW + 71))).toMatchObject({ won: true, tokenSent: false })
    expect(reply(execute(t, mg("k", ["R"], { recache: 30 }), NOW + 72))).toMatchObject({ won: false, tokenSent: true })
    // A new value clears the recache state.
    execute(t, ms("k", "w", ["T"], { ttl: 10 }), NOW + 80)
    expect(reply(execute(t, mg("k", ["R"], { recache: 30 }), NOW + 80))).toMatchObject({ won: true, tokenSent: false })
  })

  it("mg N creates an empty item on a miss, counted as a hit, with the N TTL", () => {
    const t = table()
    const created = reply(execute(t, mg("k", ["N", "s", "c"], { vivify: 60 }), NOW))
    expect(created).toMatchObject({ status: "HD", won: true, cas: 1 })
    expect(created.value.length).toBe(0)
    expect(reply(execute(t, mg("k", ["t"]), NOW + 10))).toMatchObject({ ttl: 50, tokenSent: true, won: false })
    expect(t.counters.snapshot()).toMatchObject({ get_hits: 2, get_misses: 0, total_items: 1, curr_items: 1 })
  })

  it("mg with an over-long opaque fails after the flags before it, without counting a hit", () => {
    const t = table()
    execute(t, ms("k", "v"), NOW)
    const long = "x".repeat(32)
    expect(execute(t, mg("k", ["T", "O"], { ttl: 40, opaque: long }), NOW)).toMatchObject({ _tag: "ClientError" })
    expect(execute(t, mg("k", ["O", "T"], { ttl: 90, opaque: long }), NOW)).toMatchObject({ _tag: "ClientError" })
    expect(reply(execute(t, mg("k", ["t", "h"]), NOW)).ttl).toBe(40)
    expect(t.counters.snapshot()).toMatchObject({ get_hits: 1, cmd_touch: 0 })
    // On a miss memcached counts the miss first.
    execute(t, mg("m", ["O"], { opaque: long }), NOW)
    expect(t.counters.snapshot()).toMatchObject({ get_misses: 1 })
  })

  it("md I marks stale with a new CAS; the first reader wins, then Z; a fresh set clears it", () => {
    const t = table()
    const cas = reply(execute(t, ms("k", "v1", ["c", "T"], { ttl: 100 }), NOW)).cas
    expect(execute(t, md("k", ["I", "T"], { ttl: 30 }), NOW)).toMatchObject({ status: "HD" })
    const stale = reply(execute(t, mg("k", ["c", "t"]), NOW + 5))
    expect(stale).toMatchObject({ stale: true, won: true, tokenSent: false, ttl: 25 })
    expect(stale.cas).toBeGreaterThan(cas)
    expect(reply(execute(t, mg("k", []), NOW + 6))).toMatchObject({ stale: true, won: false, tokenSent: true })
    // A set with an older CAS and I stores, still stale, keeping the TTL and the recache state.
    expect(reply(execute(t, ms("k", "v2", ["I", "C", "c"], { compareCas: BigInt(cas) }), NOW + 7)).status).toBe("HD")
    const after = reply(execute(t, mg("k", ["v", "t", "c"]), NOW + 8))
    expect(after).toMatchObject({ stale: true, tokenSent: true, ttl: 22 })
    expect(text(after)).toBe("v2")
    // The current CAS replaces it with a fresh item.
    execute(t, ms("k", "v3", ["C"], { compareCas: BigInt(after.cas) }), NOW + 9)
    expect(reply(execute(t, mg("k", ["t"]), NOW + 9))).toMatchObject({
      stale: false,
      tokenSent: false,
      won: false,
      ttl: -1
    })
    expect(t.counters.snapshot()).toMatchObject({ cas_hits: 2, delete_hits: 0, delete_misses: 0 })
  })

  it("ms counts sets and CAS outcomes as memcached does, and quiet hides only HD", () => {
    const t = table()
    expect(execute(t, ms("k", "a", ["q"]), NOW)._tag).toBe("Silent")
    expect(execute(t, ms("k", "b", ["q", "M"], { mode: "E" }), NOW)).toMatchObject({ status: "NS", cas: 0 })
    expect(execute(t, ms("m", "b", ["C"], { compareCas: 5n }), NOW)).toMatchObject({ status: "NF" })
    expect(execute(t, ms("k", "b", ["C"], { compareCas: 99n }), NOW)).toMatchObject({ status: "EX" })
    expect(execute(t, ms("k", "b", ["C", "M"], { compareCas: 99n, mode: "A" }), NOW)).toMatchObject({ status: "EX" })
    expect(execute(t, ms("m", "b", ["M"], { mode: "P" }), NOW)).toMatchObject({ status: "NS" })
    expect(t.counters.snapshot()).toMatchObject({ cmd_set: 6, cas_misses: 1, cas_badval: 1, total_items: 1 })
  })

  it("ma creates, adds, subtracts; T sticks to a counter rewritten in place, not to one that grew", () => {
    const t = table()
    expect(reply(execute(t, ma("n", ["N", "J", "v"], { vivify: 0, initial: 9n }), NOW))).toMatchObject({ status: "VA" })
    const grown = reply(execute(t, ma("n", ["T", "t", "v"], { ttl: 300 }), NOW))
    expect([text(grown), grown.ttl]).toEqual(["10", 300])
    expect(reply(execute(t, mg("n", ["t"]), NOW)).ttl).toBe(-1)
    const inPlace = reply(execute(t, ma("n", ["T", "t", "v", "M"], { ttl: 300, mode: "D" }), NOW))
    expect([text(inPlace), inPlace.ttl]).toEqual(["9", 300])
    expect(reply(execute(t, mg("n", ["t", "v"]), NOW))).toMatchObject({ ttl: 300 })
    expect(execute(t, ma("x", ["q"]), NOW)).toMatchObject({ status: "NF" })
    expect(t.counters.snapshot()).toMatchObject({ incr_hits: 1, decr_hits: 1, incr_misses: 1 })
  })

  it("ma with an over-long opaque has already updated the counter", () => {
    const t = table()
    execute(t, ms("n", "5"), NOW)
    expect(execute(t, ma("n", ["O"], { opaque: "x".repeat(32) }), NOW)).toMatchObject({ _tag: "ClientError" })
    expect(text(reply(execute(t, mg("n", ["v"]), NOW)))).toBe("6")
  })

  it("me shows expiry, access time, fetched bit, slab class and size, and counts cmd_meta", () => {
    const t = table()
    expect(execute(t, me("k"), NOW)._tag).toBe("MetaDebugMiss")
    execute(t, ms("k", "x".repeat(35), ["T"], { ttl: 100 }), NOW)
    expect(debug(execute(t, me("k"), NOW + 20))).toMatchObject({
      exp: -80,
      lastAccess: 20,
      fetched: false,
      slabClass: 1,
      size: 95
    })
    execute(t, mg("k", []), NOW + 20)
    expect(debug(execute(t, me("k"), NOW + 25))).toMatchObject({ lastAccess: 5, fetched: true })
    execute(t, ms("k", "x".repeat(37)), NOW)
    expect(debug(execute(t, me("k"), NOW))).toMatchObject({ exp: -1, slabClass: 2, size: 97 })
    expect(t.counters.cmd_meta).toBe(4)
  })

  it("text commands share the markers: get sets the fetched bit, an in-place incr keeps it", () => {
    const t = table()
    execute(t, { _tag: "Set", key: "k", flags: 0, exptime: 0, value: Buffer.from("10"), noreply: false }, NOW)
    execute(t, { _tag: "Get", keys: ["k"] }, NOW)
    execute(t, { _tag: "Incr", key: "k", delta: 1n, noreply: false }, NOW)
    expect(reply(execute(t, mg("k", ["h"]), NOW)).fetched).toBe(true)
    execute(t, { _tag: "Incr", key: "k", delta: 100n, noreply: false }, NOW)
    expect(reply(execute(t, mg("k", ["h"]), NOW)).fetched).toBe(false)
  })
})
