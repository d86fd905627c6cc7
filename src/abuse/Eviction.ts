/**
 * Hit rate under eviction with values of mixed sizes: a cache-aside client (get; on a miss, set)
 * over a key space several times larger than the memory limit, each key with its own value size,
 * keys drawn with a Zipf skew (a few hot keys, a long tail) or uniformly. The figure is the hit rate,
 * overall and by value size, which shows whether large values push the small ones out.
 *
 * @module
 */
import { Random } from "../bench/Random.js"
import { Conversation, getReply, inParallel, line } from "./Clients.js"

/** A workload: how many keys, how big each key's value is, how keys are drawn. */
export interface Workload {
  readonly name: string
  readonly keys: number
  readonly requests: number
  /** Zipf exponent (0: uniform). */
  readonly skew: number
  /** The value size of key `i`, in bytes. */
  readonly sizeOf: (i: number, random: Random) => number
  /** Size bands the hit rate is reported in (upper bounds, bytes). */
  readonly bands: ReadonlyArray<number>
}

/** Hit rates, overall and per band. */
export interface EvictionResult {
  readonly workload: string
  readonly requests: number
  readonly hitRate: number
  /** Hits weighted by value size: the share of bytes asked for that were served from the cache. */
  readonly byteHitRate: number
  readonly bands: ReadonlyArray<{ readonly upTo: number; readonly requests: number; readonly hitRate: number }>
  /** The server's `bytes` and `limit_maxbytes` at the end. */
  readonly bytes: number
  readonly limit: number
}

/** Log-uniform between `lo` and `hi`. */
export const logUniform = (random: Random, lo: number, hi: number): number =>
  Math.round(Math.exp(Math.log(lo) + (random.next() / 4294967296) * (Math.log(hi) - Math.log(lo))))

/** The issue's case: 1 B to 1 MB, log-uniform, keys drawn uniformly. */
export const issueWorkload: Workload = {
  name: "1 B-1 MB log-uniform, uniform keys",
  keys: 2000,
  requests: 20_000,
  skew: 0,
  sizeOf: (_, random) => logUniform(random, 1, 1024 * 1024 - 1024),
  bands: [1024, 64 * 1024, 1024 * 1024]
}

/** Mostly small values with a tail of large ones, hot keys first: what caches in front of databases see. */
export const realisticWorkload: Workload = {
  name: "90% 10 B-1 KB, 9% 1-100 KB, 1% 100 KB-1 MB, Zipf 0.99",
  keys: 20_000,
  requests: 100_000,
  skew: 0.99,
  sizeOf: (_, random) => {
    const r = random.below(100)
    if (r < 90) return logUniform(random, 10, 1024)
    if (r < 99) return logUniform(random, 1024, 100 * 1024)
    return logUniform(random, 100 * 1024, 1024 * 1024 - 1024)
  },
  bands: [1024, 100 * 1024, 1024 * 1024]
}

const statOf = (stats: string, name: string) => Number(new RegExp(`STAT ${name} (\\d+)\\r\\n`).exec(stats)?.[1] ?? NaN)

/** Runs the workload against the server on `port` with `connections` clients; same seed, same requests. */
export const eviction = async (
  port: number,
  workload: Workload,
  connections = 4,
  seed = 1
): Promise<EvictionResult> => {
  const sizes = new Random(seed)
  const size = Array.from({ length: workload.keys }, (_, i) => workload.sizeOf(i, sizes))
  // The CDF of a Zipf distribution over the keys (key 0 the hottest).
  const cdf = new Float64Array(workload.keys)
  let total = 0
  for (let i = 0; i < workload.keys; i++) cdf[i] = total += 1 / Math.pow(i + 1, workload.skew)
  const draw = (random: Random) => {
    const x = (random.next() / 4294967296) * total
    let lo = 0
    let hi = workload.keys - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (cdf[mid]! < x) lo = mid + 1
      else hi = mid
    }
    return lo
  }
  const counts = workload.bands.map(() => ({ requests: 0, hits: 0 }))
  let bytesAsked = 0
  let bytesHit = 0
  const bandOf = (bytes: number) => Math.max(0, workload.bands.findIndex((b) => bytes <= b))
  const perConnection = Math.ceil(workload.requests / connections)
  await inParallel(connections, connections, async (c) => {
    const random = new Random(seed * 1000 + c + 1)
    const conversation = await Conversation.open(port)
    for (let n = 0; n < perConnection; n++) {
      const key = draw(random)
      const band = counts[bandOf(size[key]!)]!
      band.requests++
      bytesAsked += size[key]!
      const reply = await conversation.send(`get k:${key}\r\n`, getReply)
      if (reply.length > 5) {
        band.hits++
        bytesHit += size[key]!
        continue
      }
      const value = Buffer.alloc(size[key]!, 0x61)
      await conversation.send(
        Buffer.concat([Buffer.from(`set k:${key} 0 0 ${value.length}\r\n`), value, Buffer.from("\r\n")]),
        line
      )
    }
    conversation.close()
  })
  const stats = await Conversation.open(port)
  const reply = (await stats.send("stats\r\n", (b) => {
    const end = b.indexOf("END\r\n")
    return end < 0 ? -1 : end + 5
  })).toString("latin1")
  stats.close()
  const requests = counts.reduce((n, b) => n + b.requests, 0)
  const hits = counts.reduce((n, b) => n + b.hits, 0)
  return {
    workload: workload.name,
    requests,
    hitRate: hits / requests,
    byteHitRate: bytesHit / Math.max(1, bytesAsked),
    bands: counts.map((b, i) => ({
      upTo: workload.bands[i]!,
      requests: b.requests,
      hitRate: b.hits / Math.max(1, b.requests)
    })),
    bytes: statOf(reply, "bytes"),
    limit: statOf(reply, "limit_maxbytes")
  }
}
