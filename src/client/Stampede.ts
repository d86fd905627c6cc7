/**
 * Stampede protection with the meta protocol: when a cached value is missing or about to expire, one
 * caller computes it and the others get the current value or wait for the new one, instead of all of
 * them computing it at once (a thundering herd on the database behind the cache).
 *
 * One `mg <key> v c N<lock> R<recache>` does it all on the server, atomically:
 * - a miss creates an empty placeholder for `lock` seconds and answers `W` (won) to this caller only;
 *   later callers see the placeholder with `Z` (a winner exists) and wait, polling on a Schedule;
 * - a hit whose TTL left is below `recache` answers `W` to the first caller and `Z` to the others,
 *   which get the current value at once; so does an item marked stale (`md <key> I`), flagged `X`.
 * The winner computes, then stores with `ms ... C<cas>`, so a value written meanwhile by someone else
 * is not overwritten. If the computation fails or is interrupted, the winner deletes its placeholder
 * (only if still its own) so that a waiter can win next.
 *
 * @module
 */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type { MetaReply } from "../domain/MetaResult.js"
import type { Request } from "../domain/Request.js"
import type { MemcachedError } from "./Errors.js"
import { metaDelete, metaGet, metaSet } from "./Requests.js"

/** How a value is computed and kept. */
export interface StampedeOptions {
  /** Time to live of the computed value. */
  readonly ttl: Duration.DurationInput
  /**
   * Recompute once the value's TTL left is below this: the first caller to see it recomputes and the
   * others keep getting the current value meanwhile (none by default: only misses are protected).
   */
  readonly recacheWithin?: Duration.DurationInput
  /** How long a winner's placeholder lives if it never stores (its process died): 30 seconds by default. */
  readonly lockTtl?: Duration.DurationInput
  /**
   * How callers wait for a value being computed by another: each recurrence polls again. Default:
   * every 50 ms for up to 10 s; when it ends, the caller computes the value itself.
   */
  readonly waitSchedule?: Schedule.Schedule<unknown, unknown>
  /** Client flags stored with the value. */
  readonly flags?: number
}

const defaultWait: Schedule.Schedule<unknown, unknown> = Schedule.spaced("50 millis").pipe(
  Schedule.upTo("10 seconds")
)

/** What getOrCompute needs of the client: a way to run a meta request and get its reply. */
export type MetaRunner = (request: Request) => Effect.Effect<MetaReply, MemcachedError>

/** The value at `key`, computed by one caller only when it is missing or due (see the module comment). */
export const getOrCompute = <E, R>(
  run: MetaRunner,
  key: string,
  compute: Effect.Effect<Uint8Array, E, R>,
  options: StampedeOptions
): Effect.Effect<Uint8Array, E | MemcachedError, R> =>
  Effect.gen(function*() {
    const lookup = yield* metaGet(key, {
      value: true,
      returnCas: true,
      vivify: options.lockTtl ?? "30 seconds",
      ...(options.recacheWithin === undefined ? {} : { recache: options.recacheWithin })
    })
    const store = (value: Uint8Array, cas: number | undefined) =>
      Effect.flatMap(
        metaSet(key, value, {
          ttl: options.ttl,
          ...(options.flags === undefined ? {} : { flags: options.flags }),
          ...(cas === undefined ? {} : { compareCas: cas })
        }),
        // NS or EX: someone stored a value meanwhile; theirs stays, ours is still the answer.
        run
      )
    const recompute = (reply: MetaReply | undefined) => {
      // A placeholder of ours (empty, not stale) is released if we fail, so that another caller can win.
      const placeholder = reply !== undefined && reply.value.length === 0 && !reply.stale
      const release = Effect.ignore(Effect.flatMap(metaDelete(key, { compareCas: reply?.cas ?? 0 }), run))
      return compute.pipe(
        Effect.onExit((exit) => exit._tag === "Failure" && placeholder ? release : Effect.void),
        Effect.tap((value) => store(value, reply?.cas))
      )
    }
    const waiting = yield* Schedule.driver(options.waitSchedule ?? defaultWait)
    for (;;) {
      const reply = yield* run(lookup)
      // EN: the server did not vivify (N unsupported): compute without a lock.
      if (reply.status === "EN") return yield* recompute(undefined)
      if (reply.won) return yield* recompute(reply)
      // A value, fresh or stale: another caller may be recomputing it, but this one is good to serve.
      if (!(reply.value.length === 0 && reply.tokenSent && !reply.stale)) return reply.value
      // The placeholder of a winner still computing: wait for its value.
      const more = yield* Effect.either(waiting.next(undefined))
      if (more._tag === "Left") return yield* recompute(undefined)
    }
  })
