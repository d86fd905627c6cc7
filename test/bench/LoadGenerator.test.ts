import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import * as LoadGenerator from "../../src/bench/LoadGenerator.js"
import { valueOf } from "../../src/bench/ValuePattern.js"
import type { RunSettings, Workload } from "../../src/bench/Workload.js"
import { type Faults, startFakeServer } from "./fake-server.js"

const workload: Workload = { conns: 4, depth: 4, setWeight: 1, getWeight: 3, keys: 400, valueSize: 100, multiGet: 1 }

const runAgainst = (faults: Faults, shape: Partial<Workload> = {}, settings: Partial<RunSettings> = {}) =>
  Effect.acquireUseRelease(
    Effect.promise(() => startFakeServer(faults)),
    (server) =>
      LoadGenerator.run(
        { host: "127.0.0.1", port: server.port, durationS: 0.3, prefill: true, verify: true, seed: 1, ...settings },
        { ...workload, ...shape }
      ).pipe(Effect.map((result) => ({ result, store: server.store }))),
    (server) => Effect.promise(() => server.close())
  )

describe("LoadGenerator (built-in)", () => {
  it.live("drives a correct server with no errors, every get a hit, latencies recorded", () =>
    Effect.gen(function*() {
      const { result } = yield* runAgainst({})
      expect(result.ops).toBeGreaterThan(0)
      expect(result.gets + result.sets).toBe(result.ops)
      expect(result.gets).toBeGreaterThan(0)
      expect(result.sets).toBeGreaterThan(0)
      expect(result.misses).toBe(0)
      expect(result.hits).toBe(result.gets)
      expect(result.errors).toBe(0)
      expect(result.verifyErrors).toBe(0)
      expect(result.p50Us).toBeGreaterThan(0)
      expect(result.p99Us).toBeGreaterThanOrEqual(result.p50Us)
      expect(result.maxUs).toBeGreaterThanOrEqual(result.p999Us)
    }))

  it.live("prefills every key with version 0 of its value", () =>
    Effect.gen(function*() {
      const { result, store } = yield* runAgainst({}, {}, { durationS: 0 })
      expect(result.ops).toBe(0)
      expect(store.size).toBe(workload.keys)
      expect(store.get("key:123")?.equals(valueOf(123, 0, 100))).toBe(true)
    }))

  it.live("catches a server that loses writes", () =>
    Effect.gen(function*() {
      // The 40 prefill sets are kept; after that every other set is acknowledged and dropped.
      const keys = 40
      const { result } = yield* runAgainst({ keepSet: (_key, n) => n <= keys || n % 2 === 0 }, { keys })
      expect(result.verifyErrors).toBeGreaterThan(0)
      expect(result.diagnostics.join("\n")).toMatch(/verify error on key:\d+: wrong data/)
    }))

  it.live("catches a server that forgets keys", () =>
    Effect.gen(function*() {
      const { result } = yield* runAgainst({ findKey: (_key, n) => n % 10 !== 0 })
      expect(result.misses).toBeGreaterThan(0)
      expect(result.verifyErrors).toBeGreaterThan(0)
      expect(result.diagnostics.join("\n")).toMatch(/unexpected miss/)
    }))

  it.live("matches multi-get hits to the keys asked for, misses in between", () =>
    Effect.gen(function*() {
      const clean = yield* runAgainst({}, { multiGet: 10 })
      expect(clean.result.verifyErrors).toBe(0)
      expect(clean.result.hits).toBe(clean.result.gets * 10)
      const holes = yield* runAgainst({ findKey: (_key, n) => n % 3 !== 0 }, { multiGet: 10 })
      expect(holes.result.misses).toBeGreaterThan(0)
      expect(holes.result.hits).toBeGreaterThan(0)
      expect(holes.result.hits + holes.result.misses).toBe(holes.result.gets * 10)
    }))

  it.live("does not count gets without verification", () =>
    Effect.gen(function*() {
      const { result } = yield* runAgainst({ findKey: (_key, n) => n % 10 !== 0 }, {}, { verify: false })
      expect(result.verifyErrors).toBeNull()
      expect(result.misses).toBeGreaterThan(0)
    }))

  it.live("counts error replies and stops trusting a key whose set failed", () =>
    Effect.gen(function*() {
      const { result } = yield* runAgainst({ setReply: "SERVER_ERROR out of memory storing object\r\n" }, {}, {
        prefill: false
      })
      expect(result.errors).toBeGreaterThan(0)
      expect(result.verifyErrors).toBe(0)
      expect(result.diagnostics.join("\n")).toMatch(/error reply: SERVER_ERROR out of memory/)
    }))

  it.live("drops a connection that receives nonsense and says why", () =>
    Effect.gen(function*() {
      const { result } = yield* runAgainst({ setReply: "HELLO\r\n" }, { conns: 2 })
      expect(result.errors).toBe(2)
      expect(result.diagnostics.join("\n")).toMatch(/protocol error: unexpected reply: HELLO/)
    }))

  it.live("fails when it cannot connect, and refuses impossible workloads", () =>
    Effect.gen(function*() {
      const server = yield* Effect.promise(() => startFakeServer())
      yield* Effect.promise(() => server.close())
      const settings = { host: "127.0.0.1", port: server.port, durationS: 0.1, prefill: false, verify: true, seed: 1 }
      const refused = yield* Effect.either(LoadGenerator.run(settings, workload))
      expect(Either.isLeft(refused) && refused.left.reason).toMatch(/connection 0 to 127\.0\.0\.1:\d+ failed/)
      const invalid = yield* Effect.either(LoadGenerator.run(settings, { ...workload, keys: 2 }))
      expect(Either.isLeft(invalid) && invalid.left.reason).toMatch(/at least one key per connection/)
    }))
})
