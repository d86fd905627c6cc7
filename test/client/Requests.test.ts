import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import * as Req from "../../src/client/Requests.js"

describe("Requests", () => {
  it.effect("TTLs become memcached exptimes: whole seconds up, a Unix time past 30 days", () =>
    Effect.gen(function*() {
      expect(yield* Req.exptime(undefined)).toBe(0)
      expect(yield* Req.exptime("1500 millis")).toBe(2)
      expect(yield* Req.exptime("30 days")).toBe(2_592_000)
      yield* TestClock.setTime(1_700_000_000_000)
      expect(yield* Req.exptime("31 days")).toBe(1_700_000_000 + 31 * 86_400)
    }))

  it("keys are sent as UTF-8 and checked before anything is sent", () => {
    expect(Req.checkKey("plain")).toBe("plain")
    expect(Req.checkKey("café")).toBe(Buffer.from("café").toString("latin1"))
    expect(Req.fromWire(Req.toWire("ключ"))).toBe("ключ")
    expect(Req.checkKey("a b")).toMatchObject({ _tag: "ClientError", server: undefined })
    expect(Req.checkKey("é".repeat(126))).toMatchObject({ _tag: "ClientError" })
    expect(Req.checkKey("")).toMatchObject({ _tag: "ClientError" })
  })

  it.effect("meta options become flags and typed fields that agree with them", () =>
    Effect.gen(function*() {
      const mg = yield* Req.metaGet("k", { value: true, returnCas: true, vivify: "30 seconds", opaque: "x1" })
      expect(mg).toMatchObject({ flags: ["v", "c", "N", "O"], returnValue: true, vivify: 30, opaque: "x1" })
      const ms = yield* Req.metaSet("k", Buffer.from("v"), { mode: "add", ttl: "1 minute", compareCas: 5n })
      expect(ms).toMatchObject({ flags: ["M", "T", "C"], mode: "E", ttl: 60, compareCas: 5n })
      const ma = yield* Req.metaArithmetic("k", { mode: "decr", delta: 3, initial: 10, vivify: 60 })
      expect(ma).toMatchObject({ mode: "D", delta: 3n, initial: 10n, vivify: 1 })
      const binary = yield* Req.metaDelete(Uint8Array.from([0, 32, 10]), { base64: true })
      expect(binary).toMatchObject({ key: "\0 \n", base64: true, flags: ["b"] })
      expect(yield* Effect.flip(Req.metaGet("k", { opaque: "has space" }))).toMatchObject({ _tag: "ClientError" })
      expect(yield* Effect.flip(Req.metaArithmetic("k", { delta: -1 }))).toMatchObject({ _tag: "ClientError" })
    }))
})
