/**
 * The store step both protocols' connection loops share: a connection's batch goes to the store
 * carrying a trace while someone watches items (`watch`), and is counted by key prefix once done
 * (`stats detail on`). With neither on, it is the store's own effect: the hot path pays two tests.
 *
 * @module
 */
import * as Effect from "effect/Effect"
import type { Watchers } from "../operator/Watchers.js"
import { WatchTrace } from "../operator/WatchTrace.js"
import type { Batch, Store } from "../store/Store.js"
import type { PrefixStats } from "./PrefixStats.js"

/** Runs one connection's batches through the store (one per connection, its trace made on first use). */
export class BatchExecution {
  private tracer: WatchTrace | undefined = undefined

  constructor(
    private readonly store: Store["Type"],
    private readonly watchers: Watchers["Type"],
    private readonly prefixes: PrefixStats["Type"],
    private readonly connectionId: number,
    /** How the protocol's requests are counted by prefix (text and binary name their keys differently). */
    private readonly record: (prefixes: PrefixStats["Type"], batch: Batch) => void
  ) {}

  /** Executes the batch's open requests; see the module comment. */
  run(batch: Batch): Effect.Effect<void> {
    const { prefixes, watchers } = this
    batch.trace = watchers.items ? (this.tracer ??= new WatchTrace(watchers, this.connectionId)) : undefined
    const executed = this.store.execute(batch)
    if (!prefixes.enabled && batch.trace === undefined) return executed
    return Effect.map(executed, () => {
      if (prefixes.enabled) this.record(prefixes, batch)
      if (batch.trace !== undefined) this.tracer!.flush()
    })
  }
}
