/**
 * A connection's side of `watch fetchers`, `mutations` and `evictions`: the trace its batches carry
 * to the store while someone watches. The partitions report as they execute (each its own share of
 * the batch); the events are logged once the batch is done, in the batch's order, request by request
 * and key by key, as memcached, executing one request after another, logs them.
 *
 * @module
 */
import type { WatchStream } from "../domain/OperatorRequest.js"
import type { FetchStatus, ItemTrace, StoreCommand, StoreStatus } from "../store/ItemTrace.js"
import { uriencode, type WatchHub } from "./Watchers.js"

interface Event {
  readonly request: number
  readonly key: number
  readonly stream: WatchStream
  readonly text: string
}

/** The trace of one connection's batches, logging as connection `cfd`. */
export class WatchTrace implements ItemTrace {
  private events: Array<Event> = []
  private request = 0
  private key = 0

  constructor(private readonly hub: WatchHub, private readonly cfd: number) {}

  readonly at = (request: number, key: number): void => {
    this.request = request
    this.key = key
  }

  private push(stream: WatchStream, text: string): void {
    this.events.push({ request: this.request, key: this.key, stream, text })
  }

  readonly fetched = (key: string, status: FetchStatus, sizeClass: number, size: number): void => {
    if (!this.hub.fetchers) return
    this.push(
      "fetchers",
      `type=item_get key=${uriencode(key)} status=${status} clsid=${sizeClass} cfd=${this.cfd} size=${size}`
    )
  }

  readonly stored = (
    key: string,
    status: StoreStatus,
    command: StoreCommand,
    ttl: number,
    sizeClass: number,
    size: number
  ): void => {
    if (!this.hub.mutations) return
    this.push(
      "mutations",
      `type=item_store key=${
        uriencode(key)
      } status=${status} cmd=${command} ttl=${ttl} clsid=${sizeClass} cfd=${this.cfd} size=${size}`
    )
  }

  readonly evicted = (key: string, fetched: boolean, ttl: number, idle: number, sizeClass: number, size: number) => {
    if (!this.hub.evictions) return
    this.push(
      "evictions",
      `type=eviction key=${uriencode(key)} fetch=${
        fetched ? "yes" : "no"
      } ttl=${ttl} la=${idle} clsid=${sizeClass} size=${size}`
    )
  }

  /** Logs what the last batch did, in batch order; call once the batch has executed. */
  flush(): void {
    if (this.events.length === 0) return
    // Array sort is stable: one key's lookup stays before its store.
    const events = this.events.sort((a, b) => a.request - b.request || a.key - b.key)
    this.events = []
    for (const e of events) this.hub.log(e.stream, e.text)
  }
}
