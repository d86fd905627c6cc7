/**
 * memcached's detailed statistics (`stats detail on|off|dump`): gets, hits, sets and deletes counted
 * per key prefix, the part of a key before its first `:`. Off by default; while off, a batch costs one
 * boolean test. The dump lists prefixes in memcached's order (its 256-bucket table hashed with
 * MurmurHash3, newest first within a bucket), so the reply is byte-identical to memcached's.
 *
 * @module
 */
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import type { PrefixLine } from "../domain/Result.js"
import type { Batch } from "../store/Store.js"
import { murmur3 } from "./Murmur3.js"

/** The delimiter that ends a key's prefix (memcached's `-D`, reported as `stat_key_prefix`). */
export const PREFIX_DELIMITER = ":"

const BUCKETS = 256

type PrefixCounts = { -readonly [K in keyof PrefixLine]: PrefixLine[K] }

/** The per-prefix counters of one server. */
export class PrefixTable {
  /** Whether commands are being counted (`stats detail on`). */
  enabled = false
  private readonly byPrefix = new Map<string, PrefixCounts>()
  // memcached's dump order: bucket by bucket, the newest prefix first within a bucket.
  private readonly buckets: Array<Array<PrefixCounts>> = Array.from({ length: BUCKETS }, () => [])

  private find(key: string): PrefixCounts | undefined {
    const end = key.indexOf(PREFIX_DELIMITER)
    if (end < 0) return undefined
    const prefix = key.slice(0, end)
    let counts = this.byPrefix.get(prefix)
    if (counts === undefined) {
      counts = { prefix, gets: 0, hits: 0, sets: 0, deletes: 0 }
      this.byPrefix.set(prefix, counts)
      this.buckets[murmur3(prefix) % BUCKETS]!.unshift(counts)
    }
    return counts
  }

  /** Counts the requests of an executed batch, as memcached counts them: per key, whatever the outcome. */
  record(batch: Batch): void {
    const { requests, results } = batch
    for (let i = 0; i < requests.length; i++) {
      const request = requests[i]
      if (request === undefined) continue
      if ("keys" in request) {
        // A retrieval: hits come in request order, misses left out; walk both to tell which keys hit.
        const result = results[i]
        if (result?._tag !== "Values") continue
        const hits = result.hits
        let h = 0
        for (const key of request.keys) {
          const hit = h < hits.length && hits[h]!.key === key
          if (hit) h++
          const counts = this.find(key)
          if (counts !== undefined) {
            counts.gets++
            if (hit) counts.hits++
          }
        }
      } else if (request._tag === "Delete") {
        const counts = this.find(request.key)
        if (counts !== undefined) counts.deletes++
      } else if ("value" in request || request._tag === "TooLarge") {
        // Every storage command, whatever its outcome.
        const counts = this.find(request.key)
        if (counts !== undefined) counts.sets++
      }
    }
  }

  /**
   * Counts a binary connection's batch as memcached's proto_bin.c records it: what {@link record}
   * counts, and also its meta gets (gets and touches of keys with spaces) and meta deletes.
   */
  recordBinary(batch: Batch): void {
    this.record(batch)
    const { requests, results } = batch
    for (let i = 0; i < requests.length; i++) {
      const request = requests[i]
      if (request?._tag !== "MetaGet" && request?._tag !== "MetaDelete") continue
      const counts = this.find(request.key)
      if (counts === undefined) continue
      if (request._tag === "MetaDelete") {
        counts.deletes++
      } else {
        counts.gets++
        const result = results[i]
        if (result?._tag === "MetaReply" && result.status !== "EN") counts.hits++
      }
    }
  }

  /** A copy of every prefix's counts, in memcached's dump order. */
  dump(): Array<PrefixLine> {
    const lines: Array<PrefixLine> = []
    for (const bucket of this.buckets) for (const c of bucket) lines.push({ ...c })
    return lines
  }

  /** Forgets every prefix (`stats reset`). */
  clear(): void {
    this.byPrefix.clear()
    for (const bucket of this.buckets) bucket.length = 0
  }
}

/** The per-prefix statistics, as a service (one table per server). */
export class PrefixStats extends Context.Tag("effcached/PrefixStats")<PrefixStats, PrefixTable>() {
  /** A fresh table, with counting off. */
  static readonly layer: Layer.Layer<PrefixStats> = Layer.sync(PrefixStats, () => new PrefixTable())
}
