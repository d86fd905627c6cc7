/**
 * Building blocks for the store's unit tests: a partition's table, typed requests, and readers of
 * results. Store tests pass time explicitly (`NOW`, Unix seconds), as the partition does.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { ServerConfig } from "../../src/config/ServerConfig.js"
import type { Request } from "../../src/domain/Request.js"
import type { Result } from "../../src/domain/Result.js"
import { CasSequence } from "../../src/store/CasSequence.js"
import { ItemTable, type ItemTableOptions } from "../../src/store/ItemTable.js"
import { PartitionedStore } from "../../src/store/PartitionedStore.js"
import { type Batch, Store } from "../../src/store/Store.js"

export { execute } from "../../src/store/Commands.js"

/** A fixed "now" for store tests (Unix seconds). */
export const NOW = 1_700_000_000

/** A latin1 string's bytes. */
export const bytes = (s: string): Buffer => Buffer.from(s, "latin1")

/** `size` bytes repeating `seed` (values whose content shows where they came from). */
export const filled = (size: number, seed: string): Buffer =>
  Buffer.from(seed.repeat(Math.ceil(size / seed.length)).slice(0, size), "latin1")

/** A partition's table: 64 MB and 1 MB items unless told otherwise. */
export const table = (options: Partial<ItemTableOptions> = {}): ItemTable =>
  new ItemTable({ cas: new CasSequence(), maxItemSize: 1024 * 1024, memoryLimit: 64 * 1024 * 1024, ...options })

/** A `set` request. */
export const set = (
  key: string,
  value: string | Uint8Array,
  extra: Partial<{ flags: number; exptime: number }> = {}
): Extract<Request, { _tag: "Set" }> => ({
  _tag: "Set",
  key,
  flags: extra.flags ?? 0,
  exptime: extra.exptime ?? 0,
  value: typeof value === "string" ? bytes(value) : value,
  noreply: false
})

/** A `get` request. */
export const get = (...keys: [string, ...Array<string>]): Request => ({ _tag: "Get", keys })

/** A retrieval's hits as `key=value/flags`. */
export const valuesOf = (result: Result): Array<string> => {
  if (result._tag !== "Values") throw new Error(`expected Values, got ${result._tag}`)
  return result.hits.map((h) => `${h.key}=${Buffer.from(h.value).toString("latin1")}/${h.flags}`)
}

/** A single-key retrieval's value, or undefined for a miss. */
export const valueOf = (result: Result): string | undefined => {
  if (result._tag !== "Values") throw new Error(`expected Values, got ${result._tag}`)
  return result.hits.length === 0 ? undefined : Buffer.from(result.hits[0]!.value).toString("latin1")
}

/** The partitioned store, with `onExecute` shown every batch before the store executes it. */
export const observedStore = (onExecute: (batch: Batch) => void): Layer.Layer<Store, never, ServerConfig> =>
  Layer.effect(
    Store,
    Effect.map(Store, (inner) =>
      Store.of({
        ...inner,
        execute: (batch) => {
          onExecute(batch)
          return inner.execute(batch)
        }
      }))
  ).pipe(Layer.provide(PartitionedStore.layer))
