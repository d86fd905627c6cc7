#!/usr/bin/env node
/**
 * One run of the client benchmark, in a process of its own (so no client inherits another's JIT or
 * garbage): drives a server with one client library as its users would write it (effcached's client
 * from Effect fibers; the `memcached` and `memcache-client` packages from async functions), the same
 * number of requests in flight, the same get/set mix over the same prefilled keys, every value read
 * checked. Prints one JSON ClientRun on stdout.
 *
 * Usage: node dist/bench/ClientLoad.js CLIENT PORT CONCURRENCY SECONDS KEYS VALUE_SIZE SEED
 *
 * @module
 */
import * as Effect from "effect/Effect"
import { createRequire } from "node:module"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { MemcachedClient } from "../client/MemcachedClient.js"
import { Histogram } from "./Histogram.js"
import { Random } from "./Random.js"
import { KEY_PREFIX, valueOf } from "./ValuePattern.js"

/** The clients compared. */
export const CLIENT_NAMES = ["effcached", "memcached", "memcache-client"] as const

/** One of CLIENT_NAMES. */
export type ClientName = (typeof CLIENT_NAMES)[number]

/** What one run measured. */
export interface ClientRun {
  readonly client: ClientName
  readonly ops: number
  readonly opsPerSec: number
  readonly p50Us: number
  readonly p99Us: number
  /** CPU time of the client's process per request (user + system), in microseconds. */
  readonly cpuUsPerOp: number
  readonly errors: number
  readonly verifyErrors: number
  readonly misses: number
}

/** The workload of a run. */
export interface ClientWorkload {
  readonly port: number
  readonly concurrency: number
  readonly seconds: number
  readonly keys: number
  readonly valueSize: number
  readonly seed: number
  /** One set in this many requests (10: a 1:10 set:get mix, counting the set). */
  readonly setEvery: number
}

/** What the request loops count. */
class Tally {
  ops = 0
  errors = 0
  verifyErrors = 0
  misses = 0
  readonly latency = new Histogram()
}

/** The value of every key (version 0), as the text clients hand back and as bytes to write. */
const valuesOf = (workload: ClientWorkload) => {
  const bytes = Array.from({ length: workload.keys }, (_, key) => valueOf(key, 0, workload.valueSize))
  return { bytes, text: bytes.map((b) => b.toString("latin1")) }
}

/** Checks a value read for `key` against the one every set writes. */
const check = (tally: Tally, expected: string, got: string | undefined): void => {
  if (got === undefined) tally.misses++
  else if (got !== expected) tally.verifyErrors++
}

/**
 * A promise-based client, as the npm packages are used. Values are given as (ASCII) strings: both
 * packages store strings with flags 0, as effcached's client and the prefill do, while each has its
 * own flags for a Buffer, which the other reads as something else (a number, JSON).
 */
interface PromiseClient {
  readonly get: (key: string) => Promise<string | undefined>
  readonly set: (key: string, value: string) => Promise<unknown>
  readonly close: () => void
}

const toText = (value: unknown): string | undefined =>
  value === undefined || value === null || value === false
    ? undefined
    : Buffer.isBuffer(value)
    ? value.toString("latin1")
    : String(value)

const require = createRequire(import.meta.url)

interface MemcachedPackage {
  new(location: string, options?: object): {
    get: (key: string, callback: (error: unknown, data: unknown) => void) => void
    set: (key: string, value: string, lifetime: number, callback: (error: unknown) => void) => void
    end: () => void
  }
}

interface MemcacheClientPackage {
  MemcacheClient: new(options: { server: string }) => {
    get: (key: string) => Promise<{ value: unknown } | undefined>
    set: (key: string, value: string, options?: { lifetime?: number }) => Promise<unknown>
    shutdown: () => void
  }
}

/** The `memcached` and `memcache-client` packages, with their default settings (sets with no TTL). */
const promiseClient = (client: Exclude<ClientName, "effcached">, port: number): PromiseClient => {
  const server = `127.0.0.1:${port}`
  if (client === "memcached") {
    const Memcached = require("memcached") as MemcachedPackage
    const c = new Memcached(server)
    return {
      get: (key) =>
        new Promise((resolve, reject) => c.get(key, (error, data) => (error ? reject(error) : resolve(toText(data))))),
      set: (key, value) => new Promise((resolve, reject) => c.set(key, value, 0, (e) => (e ? reject(e) : resolve(e)))),
      close: () => c.end()
    }
  }
  const { MemcacheClient } = require("memcache-client") as MemcacheClientPackage
  const c = new MemcacheClient({ server })
  return {
    get: async (key) => toText((await c.get(key))?.value),
    // Its sets default to a 60 s TTL (a client-wide `lifetime: 0` falls back to 60 too, being falsy):
    // asked per set, as the other clients' sets, for items that do not expire.
    set: (key, value) => c.set(key, value, { lifetime: 0 }),
    close: () => c.shutdown()
  }
}

/** `concurrency` async loops over a promise-based client until the deadline. */
const runPromises = async (client: PromiseClient, workload: ClientWorkload, tally: Tally): Promise<void> => {
  const values = valuesOf(workload)
  const deadline = performance.now() + workload.seconds * 1000
  const loop = async (worker: number) => {
    const random = new Random(workload.seed * 1000 + worker)
    let n = 0
    while (performance.now() < deadline) {
      const key = random.below(workload.keys)
      const started = performance.now()
      try {
        if (++n % workload.setEvery === 0) await client.set(KEY_PREFIX + key, values.text[key]!)
        else check(tally, values.text[key]!, await client.get(KEY_PREFIX + key))
      } catch {
        tally.errors++
      }
      tally.latency.record((performance.now() - started) * 1000)
      tally.ops++
    }
  }
  await Promise.all(Array.from({ length: workload.concurrency }, (_, i) => loop(i)))
  client.close()
}

/** `concurrency` fibers over effcached's client until the deadline. */
const runEffect = (workload: ClientWorkload, tally: Tally): Promise<void> => {
  const values = valuesOf(workload)
  // A failed request is counted and the loop goes on, as the other clients' loops catch and count.
  const failed = Effect.sync(() => {
    tally.errors++
    return null
  })
  const program = Effect.gen(function*() {
    const client = yield* MemcachedClient
    const deadline = performance.now() + workload.seconds * 1000
    const loop = (worker: number) =>
      Effect.gen(function*() {
        const random = new Random(workload.seed * 1000 + worker)
        let n = 0
        while (performance.now() < deadline) {
          const key = random.below(workload.keys)
          const started = performance.now()
          if (++n % workload.setEvery === 0) {
            yield* Effect.catchAll(client.set(KEY_PREFIX + key, values.bytes[key]!), () => failed)
          } else {
            const hit = yield* Effect.catchAll(client.get(KEY_PREFIX + key), () => failed)
            if (hit !== null) check(tally, values.text[key]!, hit._tag === "Some" ? toText(hit.value.value) : undefined)
          }
          tally.latency.record((performance.now() - started) * 1000)
          tally.ops++
        }
      })
    yield* Effect.forEach(Array.from({ length: workload.concurrency }, (_, i) => i), loop, {
      concurrency: "unbounded",
      discard: true
    })
  })
  return Effect.runPromise(
    Effect.scoped(Effect.provide(program, MemcachedClient.layer({ servers: [`127.0.0.1:${workload.port}`] })))
  )
}

/** Runs the workload with `client`; what it measured. */
export const runClient = async (client: ClientName, workload: ClientWorkload): Promise<ClientRun> => {
  const tally = new Tally()
  const cpu = process.cpuUsage()
  const started = performance.now()
  if (client === "effcached") await runEffect(workload, tally)
  else await runPromises(promiseClient(client, workload.port), workload, tally)
  const elapsed = (performance.now() - started) / 1000
  const used = process.cpuUsage(cpu)
  return {
    client,
    ops: tally.ops,
    opsPerSec: tally.ops / elapsed,
    p50Us: tally.latency.percentile(0.5),
    p99Us: tally.latency.percentile(0.99),
    cpuUsPerOp: (used.user + used.system) / Math.max(1, tally.ops),
    errors: tally.errors,
    verifyErrors: tally.verifyErrors,
    misses: tally.misses
  }
}

// Run as a program: node dist/bench/ClientLoad.js CLIENT PORT CONCURRENCY SECONDS KEYS VALUE_SIZE SEED
if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [client, port, concurrency, seconds, keys, valueSize, seed] = process.argv.slice(2)
  if (!CLIENT_NAMES.includes(client as ClientName)) {
    process.stderr.write(`ClientLoad: unknown client ${client}\n`)
    process.exit(64)
  }
  runClient(client as ClientName, {
    port: Number(port),
    concurrency: Number(concurrency),
    seconds: Number(seconds),
    keys: Number(keys),
    valueSize: Number(valueSize),
    seed: Number(seed),
    setEvery: 11
  }).then(
    (run) => process.stdout.write(JSON.stringify(run) + "\n"),
    (error) => {
      process.stderr.write(`ClientLoad: ${error instanceof Error ? error.stack : String(error)}\n`)
      process.exitCode = 1
    }
  )
}
