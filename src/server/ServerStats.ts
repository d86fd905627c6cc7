/**
 * Server-level statistics (connections, traffic, flushes): the part of `stats` that belongs to the
 * server rather than the store. One mutable record, updated in place from the single event-loop thread.
 *
 * @module
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

/** The server's counters. */
export interface ServerCounters {
  /** Unix milliseconds when the server started. */
  readonly startedAt: number
  currConnections: number
  totalConnections: number
  rejectedConnections: number
  cmdFlush: number
  bytesRead: number
  bytesWritten: number
  /** Connections closed by the idle timeout. */
  idleKicks: number
  /** Times a connection stopped after a full batch to let others run (memcached's reqs_per_event). */
  connYields: number
  /** False once the server has stopped accepting (shutting down). */
  accepting: boolean
}

/** Fresh counters for a server started at `startedAt` (Unix milliseconds). */
export const newServerCounters = (startedAt: number): ServerCounters => ({
  startedAt,
  currConnections: 0,
  totalConnections: 0,
  rejectedConnections: 0,
  cmdFlush: 0,
  bytesRead: 0,
  bytesWritten: 0,
  idleKicks: 0,
  connYields: 0,
  accepting: true
})

/** The server's counters, as a service. */
export class ServerStats extends Context.Tag("effcached/ServerStats")<ServerStats, ServerCounters>() {
  /** Fresh counters, stamped with the current time. */
  static readonly layer: Layer.Layer<ServerStats> = Layer.effect(
    ServerStats,
    Effect.map(Clock.currentTimeMillis, newServerCounters)
  )
}

/** Clears what `stats reset` clears (not the gauges). */
export const resetServerCounters = (counters: ServerCounters): void => {
  counters.totalConnections = 0
  counters.rejectedConnections = 0
  counters.cmdFlush = 0
  counters.bytesRead = 0
  counters.bytesWritten = 0
  counters.idleKicks = 0
  counters.connYields = 0
}
