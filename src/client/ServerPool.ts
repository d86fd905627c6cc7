/**
 * The connections to one server and its health. Connections are opened when first needed (requests
 * arriving meanwhile wait for the same connect) and replaced the same way once they close; requests
 * take the pool's connections in turn.
 *
 * Health: consecutive failures (connects that fail, requests that time out or whose connection drops)
 * are counted and any reply resets the count. At `failureLimit` the server is marked down: its
 * connections close, requests for it fail at once with ServerUnavailable (or, with `autoEject`, the
 * cluster moves its keys), and a probe (connect, then `version`) is retried on the `retrySchedule`
 * until it succeeds and the server is marked up again.
 *
 * @module
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Runtime from "effect/Runtime"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import type { Request } from "../domain/Request.js"
import { connect, Connection, type ConnectionFailure, type ConnectionOptions, type ReplyHandler } from "./Connection.js"
import { ProtocolError, ServerUnavailable, type Timeout } from "./Errors.js"
import type { ConnectionLost } from "./Errors.js"
import type { ServerAddress } from "./ServerAddress.js"

/** How a pool connects and judges its server's health. */
export interface PoolOptions extends ConnectionOptions {
  /** Connections to the server. */
  readonly size: number
  /** Consecutive failures that mark the server down. */
  readonly failureLimit: number
  /** When to probe a server that is down (each failed probe takes the next delay). */
  readonly retrySchedule: Schedule.Schedule<unknown, unknown>
}

type Slot = Connection | Deferred.Deferred<Connection, ConnectionLost | Timeout> | undefined

/** What a request through a pool may fail with. */
export type PoolFailure = ConnectionFailure | ServerUnavailable

/** The connections to one server (see the module comment). */
export class ServerPool {
  private readonly slots: Array<Slot>
  private cursor = 0
  private failures = 0
  private down = false
  private readonly unavailable: ServerUnavailable

  constructor(
    private readonly options: PoolOptions,
    private readonly scope: Scope.Scope,
    /** The client's runtime: a server marked down from a socket callback is probed with its services (Clock). */
    private readonly runtime: Runtime.Runtime<never>,
    /** Called when the server is marked down or up. */
    private readonly onHealthChange: (pool: ServerPool) => void
  ) {
    this.slots = Array.from({ length: options.size }, () => undefined)
    this.unavailable = new ServerUnavailable({
      server: options.address.label,
      reason: `marked down after ${options.failureLimit} consecutive failures; retrying in the background`
    })
  }

  /** The server. */
  get address(): ServerAddress {
    return this.options.address
  }

  /** Whether the server is up (not marked down). */
  get isUp(): boolean {
    return !this.down
  }

  /** Sends a request on the next connection, opening it if needed; continues with `handle(reply)`. */
  send<A, E>(request: Request, handle: ReplyHandler<A, E>): Effect.Effect<A, E | PoolFailure> {
    if (this.down) return Effect.fail(this.unavailable)
    const index = this.cursor
    this.cursor = index + 1 === this.slots.length ? 0 : index + 1
    const slot = this.slots[index]
    if (slot instanceof Connection && slot.isOpen) return slot.send(request, handle)
    return Effect.flatMap(this.acquire(index), (connection) => connection.send(request, handle))
  }

  /** Closes every connection (waiting requests fail with ConnectionLost). */
  close(reason: string): void {
    for (const slot of this.slots) if (slot instanceof Connection) slot.close(reason)
  }

  /** The slot's connection, once open; concurrent callers share one connect. */
  private acquire(index: number): Effect.Effect<Connection, ConnectionLost | Timeout | ServerUnavailable> {
    return Effect.suspend((): Effect.Effect<Connection, ConnectionLost | Timeout | ServerUnavailable> => {
      if (this.down) return Effect.fail(this.unavailable)
      const slot = this.slots[index]
      if (slot instanceof Connection && slot.isOpen) return Effect.succeed(slot)
      if (slot !== undefined && !(slot instanceof Connection)) return Deferred.await(slot)
      const deferred = Deferred.unsafeMake<Connection, ConnectionLost | Timeout>(FiberId.none)
      this.slots[index] = deferred
      const opening = Effect.flatMap(Effect.exit(this.open()), (exit) => {
        if (this.slots[index] === deferred) this.slots[index] = Exit.isSuccess(exit) ? exit.value : undefined
        if (Exit.isFailure(exit)) this.recordFailure()
        return Deferred.done(deferred, exit)
      })
      return Effect.zipRight(Effect.forkIn(opening, this.scope), Deferred.await(deferred))
    })
  }

  private open(): Effect.Effect<Connection, ConnectionLost | Timeout> {
    return connect(this.options, {
      onReply: () => {
        this.failures = 0
      },
      onFailure: () => this.recordFailure(),
      onClose: (connection) => {
        const index = this.slots.indexOf(connection)
        if (index >= 0) this.slots[index] = undefined
      }
    }, this.scope)
  }

  private recordFailure(): void {
    this.failures++
    if (!this.down && this.failures >= this.options.failureLimit) this.markDown()
  }

  private markDown(): void {
    this.down = true
    this.close("the server was marked down")
    this.onHealthChange(this)
    const probe = Effect.flatMap(this.open(), (connection) =>
      Effect.ensuring(
        connection.send({ _tag: "Version" }, (result) =>
          result._tag === "VersionReply"
            ? Effect.void
            : Effect.fail(new ProtocolError({ server: this.address.label, reason: `version: ${result._tag}` }))),
        Effect.sync(() => connection.close("probe done"))
      ))
    const recover = Effect.zipRight(
      Effect.retry(probe, this.options.retrySchedule),
      Effect.sync(() => {
        this.failures = 0
        this.down = false
        this.onHealthChange(this)
      })
    )
    Runtime.runFork(this.runtime)(Effect.forkIn(recover, this.scope))
  }
}

/** The default retry schedule: exponential from 100 ms, at most 5 s apart. */
export const defaultRetrySchedule: Schedule.Schedule<unknown, unknown> = Schedule.union(
  Schedule.exponential("100 millis"),
  Schedule.spaced("5 seconds")
)
