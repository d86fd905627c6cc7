/**
 * What a load run does and what it measures, whichever load generator runs it (effload, the
 * built-in one, mcload or memtier_benchmark), so scenarios, results and reports speak of one thing.
 *
 * @module
 */
import * as Data from "effect/Data"
import type * as Effect from "effect/Effect"

/** The shape of the load: the same for every server of a scenario step. */
export interface Workload {
  /** Client connections, all busy at once. */
  readonly conns: number
  /** Requests in flight per connection (pipeline depth). */
  readonly depth: number
  /** Relative weight of sets in the mix (sets:gets, e.g. 1:10). */
  readonly setWeight: number
  /** Relative weight of gets in the mix. */
  readonly getWeight: number
  /** Keyspace: keys are `key:0` .. `key:<keys - 1>`. */
  readonly keys: number
  /** Bytes of every value written. */
  readonly valueSize: number
  /** Keys per get request (1 = a plain get). */
  readonly multiGet: number
}

/** Where and how long to run a workload. */
export interface RunSettings {
  readonly host: string
  readonly port: number
  /** Length of the timed window, in seconds (0: prefill only). */
  readonly durationS: number
  /** Set every key once (pipelined, not timed) before the timed window, so gets hit. */
  readonly prefill: boolean
  /** Check every value read against the one last written for its key. */
  readonly verify: boolean
  readonly seed: number
  /** Connect with TLS (any certificate accepted: the bench's own throwaway one). */
  readonly tls?: boolean
  /** The protocol the built-in generator speaks (text unless said). */
  readonly protocol?: Protocol
  /** The server's process, whose CPU time over the timed window a load generator may measure (effload). */
  readonly serverPid?: number
}

/** memcached's text protocol or its binary one. */
export type Protocol = "text" | "binary"

/** The figures of one load run. Latencies are in microseconds, over the timed window. */
export interface RunResult {
  /** Requests completed per second (a multi-get counts once). */
  readonly opsPerSec: number
  readonly ops: number
  readonly gets: number
  readonly sets: number
  /** Keys found (a multi-get counts each key). */
  readonly hits: number
  readonly misses: number
  readonly avgUs: number
  readonly p50Us: number
  readonly p99Us: number
  readonly p999Us: number
  readonly maxUs: number
  /** Connection failures, invalid replies, error replies and requests never answered. */
  readonly errors: number
  /** Values read that were not the ones last written (null: this load generator does not check). */
  readonly verifyErrors: number | null
  /** The first few problems, in words, for the report. */
  readonly diagnostics: ReadonlyArray<string>
  /**
   * The server's CPU time (user + system, all its threads) per request of the timed window, in µs,
   * when the load generator measured it. On a shared machine it moves far less than throughput does.
   */
  readonly serverCpuUs?: number | undefined
}

/** A load run could not be made or did not finish. */
export class LoadError extends Data.TaggedError("LoadError")<{
  readonly loadgen: string
  readonly reason: string
}> {
  override get message(): string {
    return `${this.loadgen}: ${this.reason}`
  }
}

/** The load generator was asked for but cannot run here. */
export class LoadgenUnavailable extends Data.TaggedError("LoadgenUnavailable")<{
  readonly loadgen: string
  readonly reason: string
}> {
  override get message(): string {
    return `${this.loadgen} is not available: ${this.reason}`
  }
}

/** A load generator: runs one workload against one server and measures it. */
export interface LoadGenerator {
  /** Its name in reports: effload, builtin, mcload or memtier. */
  readonly name: string
  readonly run: (settings: RunSettings, workload: Workload) => Effect.Effect<RunResult, LoadError>
  /**
   * Sets every key of the workload once, pipelined (the memory steps), and returns the seconds it
   * took; without it the built-in generator fills.
   */
  readonly fill?: (settings: RunSettings, workload: Workload) => Effect.Effect<number, LoadError>
}
