/**
 * Get batching: single-key `get`s queued next to each other on a connection during one event-loop
 * turn go out as one multi-key `get k1 k2 ...` line, and the one reply (`VALUE ... END`) is dealt back
 * to each of them. The server parses one command instead of many and writes one END; the client
 * encodes one line and decodes one reply.
 *
 * Only adjacent gets join a batch, so no request moves relative to the others on the connection; each
 * member keeps its own fiber and deadline (the connection times members out one by one, and a member
 * timed out or interrupted has its share of the reply dropped). A batch's line stays under
 * {@link MAX_BATCH_LINE} bytes: memcached reads any line that long without special-casing gets.
 *
 * memcached answers a multi-key get with one VALUE per key found, in key order (one per occurrence of
 * a repeated key), so the hits are matched to the members in order. An error reply (SERVER_ERROR,
 * CLIENT_ERROR, ERROR) answers every member.
 *
 * @module
 */
import type { Request } from "../domain/Request.js"
import * as Res from "../domain/Result.js"
import type { Result } from "../domain/Result.js"
import type { Waiter } from "./Connection.js"
import type { Fifo } from "./Fifo.js"

/** A batch's line (with its CRLF) is at most this many bytes; memcached's line limit is 2048. */
export const MAX_BATCH_LINE = 2000

/** `get` + CRLF. */
const LINE_OVERHEAD = 5

/** A miss, shared by every member that gets one: nothing in it varies. */
const MISS: Result = Res.values([], false)

/** Whether a request may join a batch: a single-key get that wants its reply. */
export const isBatchable = (request: Request): boolean =>
  request._tag === "Get" && request.keys.length === 1 && request.noreply !== true

/** Gets written as one line and answered by one reply. */
export class GetBatch {
  constructor(
    /** The multi-key get written for the members. */
    readonly request: Request,
    /** The members, in the order of their keys in the line. */
    readonly members: ReadonlyArray<Waiter>
  ) {}
}

/** What a connection waits on: one request, or a batch of gets. */
export type Entry = Waiter | GetBatch

/** The waiters of an entry, in order. */
export const waitersOf = (entry: Entry): ReadonlyArray<Waiter> => entry instanceof GetBatch ? entry.members : [entry]

const keyOf = (waiter: Waiter): string => (waiter.request as Extract<Request, { _tag: "Get" }>).keys[0]

/**
 * Takes from `queued` the batchable gets that follow `first` (a batchable get already taken), up to
 * the line limit; the waiters that timed out before being written in between are dropped, as they
 * would be anyway. `first` alone if nothing joins it.
 */
export const collect = (first: Waiter, queued: Fifo<Waiter>): Entry => {
  let next = queued.peek()
  if (next === undefined || (next.resume !== undefined && !isBatchable(next.request))) return first
  const firstKey = keyOf(first)
  const members = [first]
  const keys = [firstKey]
  let size = LINE_OVERHEAD + 1 + firstKey.length
  for (; next !== undefined; next = queued.peek()) {
    if (next.resume === undefined) {
      queued.shift()
      continue
    }
    if (!isBatchable(next.request)) break
    const key = keyOf(next)
    if (size + 1 + key.length > MAX_BATCH_LINE) break
    queued.shift()
    size += 1 + key.length
    members.push(next)
    keys.push(key)
  }
  return members.length === 1
    ? first
    : new GetBatch({ _tag: "Get", keys: keys as [string, ...Array<string>], noreply: false }, members)
}

/**
 * Each member's share of the batch's reply, in member order: its hit or a miss, or the reply itself
 * when it is not a retrieval's (an error). Undefined when the hits do not match the keys asked for,
 * in order: the stream is out of step.
 */
export const deal = (batch: GetBatch, result: Result): ReadonlyArray<Result> | undefined => {
  const members = batch.members
  const shares: Array<Result> = new Array(members.length)
  if (result._tag !== "Values") return shares.fill(result)
  const hits = result.hits
  let next = 0
  for (let i = 0; i < members.length; i++) {
    const hit = hits[next]
    if (hit !== undefined && hit.key === keyOf(members[i]!)) {
      shares[i] = Res.values([hit], false)
      next++
    } else {
      shares[i] = MISS
    }
  }
  return next === hits.length ? shares : undefined
}
