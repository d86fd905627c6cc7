/**
 * Commands that take a connection over for a while and write to it directly: `watch` (until the
 * client closes) and `lru_crawler metadump` (until the dump is written). The connection hands them
 * this interface once it has sent the replies before them.
 *
 * @module
 */
import type * as Effect from "effect/Effect"

/** The connection, as a streaming command sees it. */
export interface StreamIo {
  /** Writes bytes to the client, waiting while the client is not reading. */
  readonly write: (bytes: Buffer) => Effect.Effect<void>
  /** The client's next input (`null` once it has closed). */
  readonly read: Effect.Effect<Buffer | null>
}

/** What the connection does after a streaming command: go on serving commands, or close. */
export type StreamEnd = "continue" | "close"

/** A streaming command, run by the connection that asked for it. */
export type StreamCommand = (io: StreamIo) => Effect.Effect<StreamEnd>
