/**
 * The in-memory store: N partition actors, each owning the keys that hash to it. A batch is split
 * into one job per partition involved (multi-key gets fan out key by key and are gathered back in
 * request order; flush_all goes to every partition at its place in the batch), the jobs are offered
 * to the partitions' mailboxes, and the batch completes when the last job reports back.
 *
 * @module
 */
import { Effect, Layer } from "effect"
import type { Request } from "../domain/Request.js"
import * as Res from "../domain/Result.js"
import type { Result } from "../domain/Result.js"
import { ServerConfig } from "../config/ServerConfig.js"
import { CasSequence } from "./CasSequence.js"
import type { Item } from "./Item.js"
import { ItemTable } from "./ItemTable.js"
import * as Partition from "./Partition.js"
import { Store } from "./Store.js"
import { sumStats, type StoreStats } from "./StoreCounters.js"

/** Options of the partitioned store. */
export interface PartitionedStoreOptions {
  readonly partitions: number
  readonly maxItemSize: number
}

/** FNV-1a over the key's bytes: stable across restarts and processes, cheap for short keys. */
export const partitionOf = (key: string, partitions: number): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return (h >>> 0) % partitions
}

interface Gather {
  readonly index: number
  readonly request: Extract<Request, { keys: ReadonlyArray<string> }>
  readonly slots: Array<Item | undefined>
}

/** Builds a partitioned store; the partitions run until the scope closes. */
export const make = (options: PartitionedStoreOptions) =>
  Effect.gen(function*() {
    const cas = new CasSequence()
    const count = Math.max(1, options.partitions)
    const partitions: Array<Partition.Partition> = []
    for (let i = 0; i < count; i++) {
      partitions.push(yield* Partition.make(new ItemTable({ cas, maxItemSize: options.maxItemSize })))
    }

    const execute = (requests: ReadonlyArray<Request | undefined>, results: Array<Result | undefined>) =>
      Effect.async<void>((resume) => {
        const jobs: Array<Partition.Job | undefined> = new Array(count)
        let gathers: Array<Gather> | undefined
        let pending = 0
        const done = () => {
          if (--pending > 0) return
          if (gathers !== undefined) {
            for (const g of gathers) {
              const hits = g.slots.filter((item): item is Item => item !== undefined)
              results[g.index] = Res.values(hits, g.request._tag === "Gets" || g.request._tag === "Gats")
            }
          }
          resume(Effect.void)
        }
        const jobFor = (p: number): Partition.Job => {
          let job = jobs[p]
          if (job === undefined) {
            job = { _tag: "Job", requests, results, indexes: [], parts: [], partAt: [], done }
            jobs[p] = job
          }
          return job
        }
        for (let i = 0; i < requests.length; i++) {
          if (results[i] !== undefined) continue
          const request = requests[i]!
          switch (request._tag) {
            case "Get":
            case "Gets":
            case "Gat":
            case "Gats": {
              const keys = request.keys
              const first = partitionOf(keys[0]!, count)
              let spread = false
              for (let k = 1; k < keys.length && !spread; k++) spread = partitionOf(keys[k]!, count) !== first
              if (!spread) {
                jobFor(first).indexes.push(i)
                break
              }
              const gather: Gather = { index: i, request, slots: new Array(keys.length) }
              ;(gathers ??= []).push(gather)
              const parts: Array<Partition.GatherPart | undefined> = new Array(count)
              for (let k = 0; k < keys.length; k++) {
                const p = partitionOf(keys[k]!, count)
                let part = parts[p]
                if (part === undefined) {
                  part = { request, keyIndexes: [], slots: gather.slots }
                  parts[p] = part
                  const job = jobFor(p)
                  job.partAt.push(job.indexes.length)
                  job.parts.push(part)
                }
                part.keyIndexes.push(k)
              }
              break
            }
            case "FlushAll":
              // Every partition flushes at this point of the batch; they all answer OK, the last one wins.
              for (let p = 0; p < count; p++) jobFor(p).indexes.push(i)
              break
            default:
              jobFor(partitionOf((request as { key: string }).key, count)).indexes.push(i)
          }
        }
        for (let p = 0; p < count; p++) if (jobs[p] !== undefined) pending++
        if (pending === 0) return resume(Effect.void)
        for (let p = 0; p < count; p++) {
          const job = jobs[p]
          if (job !== undefined) partitions[p]!.send(job)
        }
      })

    /** Asks every partition and waits for all the answers. */
    const askAll = <A>(ask: (done: (a: A) => void) => Partition.Message) =>
      Effect.async<Array<A>>((resume) => {
        const answers: Array<A> = []
        for (const partition of partitions) {
          partition.send(ask((a) => {
            answers.push(a)
            if (answers.length === count) resume(Effect.succeed(answers))
          }))
        }
      })

    return Store.of({
      execute,
      stats: Effect.map(
        askAll<StoreStats>((done) => ({ _tag: "Stats", done })),
        sumStats
      ),
      resetStats: Effect.asVoid(askAll<void>((done) => ({ _tag: "ResetStats", done }))),
      sweep: (budget) =>
        Effect.map(
          askAll<number>((done) => ({ _tag: "Sweep", budget: Math.ceil(budget / count), done })),
          (removed) => removed.reduce((a, b) => a + b, 0)
        )
    })
  })

/** The partitioned in-memory store, configured by {@link ServerConfig}. */
export const layer: Layer.Layer<Store, never, ServerConfig> = Layer.scoped(
  Store,
  Effect.flatMap(ServerConfig, (config) =>
    make({ partitions: config.partitions, maxItemSize: config.maxItemSize }))
)
