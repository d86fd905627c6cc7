/**
 * Typed meta-protocol results. A meta reply is a two-letter status followed by the fields the request
 * asked for, in the order of its flags, so a reply carries its request and the item fields as they were
 * when the command ran (a later command in the same batch may change the item).
 *
 * @module
 */
import * as Schema from "effect/Schema"
import { FlaggedMetaRequest } from "./MetaRequest.js"
import { BinaryKey, CasUnique, Flags, Value } from "./Primitives.js"

/**
 * VA: value follows; HD: done, no value; EN: miss (mg); NS: not stored; EX: the CAS did not match
 * (or the item exists, for a stale set); NF: not found.
 */
export const MetaStatus = Schema.Literal("VA", "HD", "EN", "NS", "EX", "NF")
/** @see MetaStatus */
export type MetaStatus = typeof MetaStatus.Type

/** The reply to mg, ms, md or ma. */
export const MetaReply = Schema.TaggedStruct("MetaReply", {
  status: MetaStatus,
  request: FlaggedMetaRequest,
  /** The item's value (mg) or the counter's digits (ma); sent after a VA line. */
  value: Value,
  /**
   * The value's size (`s`) when the reply carries no value: a client decoding `HD s5` knows the size
   * but not the bytes. Absent, the size is `value`'s length (what the store builds).
   */
  size: Schema.optional(Schema.Number),
  /** Seconds to live as memcached prints them (`t`): -1 for none, else wrapped to 32 bits. */
  ttl: Schema.Number,
  /** The item's CAS unique (`c`); 0 when nothing was stored. */
  cas: CasUnique,
  /** The item's client flags (`f`). */
  clientFlags: Flags,
  /** Whether the item had been fetched before this command (`h`). */
  fetched: Schema.Boolean,
  /** Seconds since the item was last accessed (`l`). */
  lastAccess: Schema.Number,
  /** Whether `k` returns the key base64-encoded (with a ` b` after it). */
  keyBase64: Schema.Boolean,
  /** mg: another client already won the right to recache (`Z`). */
  tokenSent: Schema.Boolean,
  /** mg: the item is stale (`X`). */
  stale: Schema.Boolean,
  /** mg: this client won the right to recache (`W`). */
  won: Schema.Boolean
})
/** @see MetaReply */
export type MetaReply = typeof MetaReply.Type

/** The reply to `me` on a hit: `ME <key> exp= la= cas= fetch= cls= size=`. */
export const MetaDebugReply = Schema.TaggedStruct("MetaDebugReply", {
  key: BinaryKey,
  /** Whether the key is shown base64-encoded (it was stored through a base64 key). */
  keyBase64: Schema.Boolean,
  /** memcached's `exp`: -1 for no expiry, else the seconds to live, negated. */
  exp: Schema.Number,
  lastAccess: Schema.Number,
  cas: CasUnique,
  fetched: Schema.Boolean,
  /** memcached's slab class for an item of this size. */
  slabClass: Schema.Number,
  size: Schema.Number
})
/** @see MetaDebugReply */
export type MetaDebugReply = typeof MetaDebugReply.Type

/** The reply to `me` on a miss: `EN`. */
export const MetaDebugMiss = Schema.TaggedStruct("MetaDebugMiss", {})

/** The reply to `mn`: `MN`. */
export const MetaNoopReply = Schema.TaggedStruct("MetaNoopReply", {})

/** The fields of a meta reply that only some commands fill: what {@link metaReply} defaults. */
export type MetaReplyFields = Partial<Omit<MetaReply, "_tag" | "status" | "request">>

const EMPTY = new Uint8Array(0)

/** Builds a meta reply without validation (the store builds them on the request path). */
export const metaReply = (
  status: MetaStatus,
  request: FlaggedMetaRequest,
  fields: MetaReplyFields = {}
): MetaReply => ({
  _tag: "MetaReply",
  status,
  request,
  value: fields.value ?? EMPTY,
  ttl: fields.ttl ?? -1,
  cas: fields.cas ?? 0,
  clientFlags: fields.clientFlags ?? 0,
  fetched: fields.fetched ?? false,
  lastAccess: fields.lastAccess ?? 0,
  keyBase64: fields.keyBase64 ?? request.base64,
  tokenSent: fields.tokenSent ?? false,
  stale: fields.stale ?? false,
  won: fields.won ?? false
})
