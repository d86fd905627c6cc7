/**
 * Routing one batch of requests through the partitions: the batch is split into one job per
 * partition involved, keeping batch order within each partition; a multi-key retrieval whose keys
 * live in several partitions is split key by key and gathered back in request order; flush_all goes to
 * every partition at its place in the batch. The batch is done when the last job reports back.
 *
 * @module
 */
import type { Retrieval } from "../domain/Request.js"
import * as Res from "../domain/Result.js"
import type { Hit } from "../domain/Result.js"
import { hashKey } from "./KeyIndex.js"
import type { Gather as PartitionGather, GatherPart, Job } from "./Partition.js"
import type { Batch } from "./Store.js"

/** FNV-1a over the key's bytes: stable across restarts and processes, cheap for short keys. */
export const partitionOf = (key: string, partitions: number): number => hashKey(key) % partitions

interface Gather extends PartitionGather {
  readonly index: number
  readonly request: Retrieval
  readonly slots: Array<Hit | undefined>
}

/** A batch in flight: build it, `route` it, send the jobs; `onDone` runs when all have reported. */
export class RoutedBatch {
  /** The job for each partition, if the batch involves it. */
  readonly jobs: Array<Job | undefined>
  private gathers: Array<Gather> | undefined
  private pending = 0

  constructor(
    readonly batch: Batch,
    private readonly partitions: number,
    private readonly onDone: () => void
  ) {
    this.jobs = new Array(partitions)
  }

  /** Number of jobs routed (0: nothing for the store to do). */
  get size(): number {
    return this.pending
  }

  /** Called by each partition when its job is done; the last call completes the batch. */
  readonly done = (): void => {
    if (--this.pending > 0) return
    if (this.gathers !== undefined) {
      for (const g of this.gathers) {
        const hits = g.slots.filter((hit): hit is Hit => hit !== undefined)
        this.batch.results[g.index] = g.failed
          ? Res.errors.internalError
          : Res.values(hits, g.request._tag === "Gets" || g.request._tag === "Gats")
      }
    }
    this.onDone()
  }

  private jobFor(p: number): Job {
    let job = this.jobs[p]
    if (job === undefined) {
      job = {
        _tag: "Job",
        batch: this.batch,
        indexes: [],
        parts: [],
        partAt: [],
        done: this.done
      }
      this.jobs[p] = job
      this.pending++
    }
    return job
  }

  /** Splits the batch into `jobs`; requests whose result is already set are skipped. */
  route(): this {
    const { partitions } = this
    const { requests, results } = this.batch
    for (let i = 0; i < requests.length; i++) {
      if (results[i] !== undefined) continue
      const request = requests[i]!
      switch (request._tag) {
        case "Get":
        case "Gets":
        case "Gat":
        case "Gats":
          this.routeRetrieval(i, request)
          break
        case "FlushAll":
        case "CacheMemlimit":
          // Every partition acts at this point of the batch; they all answer OK, the last one wins.
          for (let p = 0; p < partitions; p++) this.jobFor(p).indexes.push(i)
          break
        default:
          this.jobFor(partitionOf((request as { readonly key: string }).key, partitions)).indexes.push(i)
      }
    }
    return this
  }

  private routeRetrieval(index: number, request: Retrieval): void {
    const keys = request.keys
    const partitions = this.partitions
    const first = partitionOf(keys[0]!, partitions)
    let spread = false
    for (let k = 1; k < keys.length && !spread; k++) spread = partitionOf(keys[k]!, partitions) !== first
    if (!spread) {
      this.jobFor(first).indexes.push(index)
      return
    }
    const gather: Gather = { index, request, slots: new Array(keys.length), failed: false }
    ;(this.gathers ??= []).push(gather)
    const parts: Array<GatherPart | undefined> = new Array(partitions)
    for (let k = 0; k < keys.length; k++) {
      const p = partitionOf(keys[k]!, partitions)
      let part = parts[p]
      if (part === undefined) {
        part = { index, request, keyIndexes: [], slots: gather.slots, gather }
        parts[p] = part
        const job = this.jobFor(p)
        job.partAt.push(job.indexes.length)
        job.parts.push(part)
      }
      part.keyIndexes.push(k)
    }
  }
}
