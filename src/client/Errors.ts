/**
 * The client's failures, as tagged errors: what went wrong is in the tag, never in a string to parse.
 * `server` names the server (`host:port`) involved.
 *
 * @module
 */
import * as Data from "effect/Data"

/** The connection to a server could not be made, or closed while requests were waiting on it. */
export class ConnectionLost extends Data.TaggedError("ConnectionLost")<{
  readonly server: string
  readonly reason: string
}> {
  override get message(): string {
    return `${this.server}: ${this.reason}`
  }
}

/** A server did not answer in time (the connect timeout, or the request timeout). */
export class Timeout extends Data.TaggedError("Timeout")<{
  readonly server: string
  /** What timed out: `connect`, or the command's name. */
  readonly operation: string
  readonly millis: number
}> {
  override get message(): string {
    return `${this.server}: ${this.operation} timed out after ${this.millis} ms`
  }
}

/** The server answered `SERVER_ERROR <message>`: it could not do it (out of memory, value too large...). */
export class ServerError extends Data.TaggedError("ServerError")<{
  readonly server: string
  readonly message: string
}> {}

/**
 * The request was refused: the server answered `CLIENT_ERROR <message>` or `ERROR` (a command it does
 * not know), or the client found the arguments invalid before sending anything (`server` undefined).
 */
export class ClientError extends Data.TaggedError("ClientError")<{
  readonly server: string | undefined
  readonly message: string
}> {}

/** The server's reply made no sense for its request: the connection was closed, since it is out of step. */
export class ProtocolError extends Data.TaggedError("ProtocolError")<{
  readonly server: string
  readonly reason: string
}> {
  override get message(): string {
    return `${this.server}: unexpected reply: ${this.reason}`
  }
}

/**
 * The server that owns the key is marked down (too many consecutive failures) and keys are not moved
 * to other servers (`autoEject: false`), or no server is up at all: the request was not tried.
 */
export class ServerUnavailable extends Data.TaggedError("ServerUnavailable")<{
  readonly server: string
  readonly reason: string
}> {
  override get message(): string {
    return `${this.server}: ${this.reason}`
  }
}

/** Every failure of a command. */
export type MemcachedError = ConnectionLost | Timeout | ServerError | ClientError | ProtocolError | ServerUnavailable

/** A typed view's stored bytes do not decode with its Schema (written by other code, or an older version). */
export class DecodeError extends Data.TaggedError("DecodeError")<{
  readonly key: string
  readonly message: string
}> {}

/** A value given to a typed view does not encode with its Schema. */
export class EncodeError extends Data.TaggedError("EncodeError")<{
  readonly key: string
  readonly message: string
}> {}
