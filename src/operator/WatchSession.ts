/**
 * A `watch` connection: `OK`, then the lines of the streams it watches as they are logged, until the
 * client closes. As in memcached, a watching connection serves no more commands: what the client
 * sends is read and ignored.
 *
 * @module
 */
import * as Effect from "effect/Effect"
import type { WatchStream } from "../domain/OperatorRequest.js"
import type { StreamCommand } from "./Stream.js"
import type { WatchHub } from "./Watchers.js"

const tooMany = Buffer.from("WATCHER_TOO_MANY log watcher limit reached\r\n")

/** The `watch` command over `hub`, for these streams. */
export const watchSession = (hub: WatchHub, streams: ReadonlyArray<WatchStream>): StreamCommand => (io) =>
  Effect.suspend(() => {
    const watcher = hub.add(streams)
    if (watcher === undefined) return Effect.as(io.write(tooMany), "continue" as const)
    const pump = Effect.forever(Effect.flatMap(watcher.take, (text) => io.write(Buffer.from(text, "latin1"))))
    const untilClosed = Effect.repeat(io.read, { until: (chunk) => chunk === null })
    return Effect.raceFirst(pump, untilClosed).pipe(
      Effect.ensuring(Effect.sync(() => hub.remove(watcher))),
      Effect.as("close" as const)
    )
  })
