/**
 * A binary-protocol connection: what the connection fiber runs once the first byte (or `-B binary`)
 * says the client speaks memcached's binary protocol. The same shape as the text path: each socket
 * read is framed and decoded into as many requests as it holds ({@link BinaryReader}), the store
 * executes them as one batch, and the response packets go out in one write. The packet's opcode and
 * opaque travel beside the batch, in arrays indexed like it, for the encoder.
 *
 * What the server answers itself (version, noop, quit, stat, SASL) is answered here, in order with the
 * store's results; a stat packet runs after the requests before it, as text `stats` does. SASL is
 * checked as it arrives, so the packets after an auth see its outcome.
 *
 * @module
 */
import * as Effect from "effect/Effect"
import { PROTOCOL_VERSION } from "../config/Version.js"
import type { Request } from "../domain/Request.js"
import * as Res from "../domain/Result.js"
import type { Result } from "../domain/Result.js"
import type { BinaryError, SaslAuth, SaslReply } from "../protocol/binary/BinaryPacket.js"
import { BinaryReader } from "../protocol/binary/BinaryReader.js"
import { encodeError, encodeResult, encodeSasl, encodeStats } from "../protocol/binary/BinaryReplyEncoder.js"
import { Status } from "../protocol/binary/Opcodes.js"
import { ReplyBuffer } from "../protocol/ReplyBuffer.js"
import type { Batch } from "../store/Store.js"
import { BatchExecution } from "./BatchExecution.js"
import type { Services } from "./Connection.js"
import type { LiveConnection } from "./ConnectionRegistry.js"
import type { ServerCounters } from "./ServerStats.js"

/** Reply bytes buffered before they are written out. */
const OUTPUT_HIGH_WATER = 4 * 1024 * 1024

const version = Res.VersionReply.make({ version: PROTOCOL_VERSION })

/** The only mechanism offered. */
const MECHANISMS = "PLAIN"

const enum Stop {
  InputDrained,
  BatchFull,
  Stats,
  Close
}

/**
 * SASL PLAIN (RFC 4616) as Cyrus SASL answers memcached: `authzid NUL authcid NUL password`, the
 * authorization identity empty or the user's own. An auth without data is asked for it (Auth
 * continue); the step that follows carries it. Any other mechanism, a step with nothing started, or
 * wrong credentials: Auth failure. Each attempt first drops an earlier authentication, as memcached's
 * init_sasl_conn does (so does listing the mechanisms).
 */
export class SaslSession {
  private started = false
  constructor(
    private readonly check: (user: Uint8Array, password: Uint8Array) => boolean,
    private readonly counters: ServerCounters
  ) {}

  /** The reply to an auth or step; sets the reader's authentication. */
  answer(reader: BinaryReader, packet: SaslAuth): SaslReply {
    reader.authenticated = false
    if (packet.step ? !this.started : packet.mechanism !== MECHANISMS) return this.fail()
    if (!packet.step && packet.data.length === 0) {
      this.started = true
      return { _tag: "SaslReply", status: Status.AuthContinue, body: "" }
    }
    this.started = true
    const data = packet.data
    const first = data.indexOf(0)
    const second = first < 0 ? -1 : data.indexOf(0, first + 1)
    if (second < 0) return this.fail()
    const authzid = data.subarray(0, first)
    const user = data.subarray(first + 1, second)
    const password = data.subarray(second + 1)
    const ok = this.check(user, password) && (authzid.length === 0 || authzid.equals(user))
    if (!ok) return this.fail()
    reader.authenticated = true
    this.counters.authCmds++
    return { _tag: "SaslReply", status: Status.Success, body: "Authenticated" }
  }

  private fail(): SaslReply {
    this.started = false
    this.counters.authCmds++
    this.counters.authErrors++
    return { _tag: "SaslReply", status: Status.AuthError, body: "Auth failure." }
  }
}

/** The key a get-family request asked for (a getk's miss echoes it). */
const keyOf = (request: Request | undefined): string =>
  request === undefined ? "" : "keys" in request ? request.keys[0]! : "key" in request ? request.key : ""

/**
 * How a binary connection ended: `"linger"` (quit, hang-up: the usual lingering close) or `"abort"`
 * (a packet memcached closes on, such as a command before authentication: memcached writes its error
 * and closes the socket at once, so a client's next write meets a reset; clients such as memcached's
 * t/binary-sasl.t reconnect only then).
 */
export type BinaryEnd = "linger" | "abort"

/**
 * Serves a binary connection from its first read (`first`) until it quits, errs in a way memcached
 * closes on, or disconnects.
 */
export const serveBinary = (connection: LiveConnection, services: Services, first: Buffer) =>
  Effect.gen(function*() {
    const { authenticator, clock, commands, counters, prefixes, settings, store, watchers } = services
    const { channel } = connection
    const reader = new BinaryReader({ maxItemSize: settings.maxItemSize, sasl: authenticator.sasl.enabled })
    connection.phaseOf = reader
    const sasl = new SaslSession(authenticator.sasl.check, counters)
    const out = new ReplyBuffer()
    const batch: Batch = { requests: [], results: [] }
    const { requests, results } = batch
    // Beside each slot of the batch: the packet's opcode and opaque, and a connection-level reply.
    const opcodes: Array<number> = []
    const opaques: Array<number> = []
    const controls: Array<BinaryError | SaslReply | undefined> = []
    let storeRequests = 0
    let statsArgs: ReadonlyArray<string> = []
    let statsOpaque = 0
    const batchLimit = settings.reqsPerEvent
    // Whether a packet arrived since the idle clock was last reset; the clock is read once per batch.
    let sawCommand = false
    const execution = new BatchExecution(store, watchers, prefixes, connection.id, (prefixes, batch) =>
      prefixes.recordBinary(batch))
    let end: BinaryEnd = "linger"

    const push = (request: Request | undefined, result: Result | undefined, control?: BinaryError | SaslReply) => {
      requests.push(request)
      results.push(result)
      controls.push(control)
      opcodes.push(reader.opcode)
      opaques.push(reader.opaque)
    }

    const ingest = (): Stop => {
      for (;;) {
        if (requests.length >= batchLimit) {
          return Stop.BatchFull
        }
        const next = reader.next()
        if (next === undefined) {
          return Stop.InputDrained
        }
        sawCommand = true
        switch (next._tag) {
          case "BinaryError":
            push(undefined, Res.results.silent, next)
            if (next.close) {
              end = "abort"
              return Stop.Close
            }
            break
          case "Close":
            // A bad magic byte: memcached closes at once, without a reply.
            end = "abort"
            return Stop.Close
          case "SaslListMechs":
            reader.authenticated = false
            push(undefined, Res.results.silent, { _tag: "SaslReply", status: Status.Success, body: MECHANISMS })
            break
          case "SaslAuth":
            push(undefined, Res.results.silent, sasl.answer(reader, next))
            break
          case "Version":
            push(undefined, version)
            break
          case "MetaNoop":
            push(undefined, Res.results.metaNoop)
            break
          case "Quit":
            push(undefined, Res.results.ok)
            return Stop.Close
          case "Stats":
            statsArgs = next.args
            statsOpaque = reader.opaque
            return Stop.Stats
          default:
            if (Res.isResult(next)) {
              push(undefined, next)
            } else {
              if (next._tag === "FlushAll") {
                counters.cmdFlush++
              }
              push(next, undefined)
              storeRequests++
            }
        }
      }
    }

    let encoded = 0
    const encodeBatch = (): boolean => {
      for (; encoded < results.length; encoded++) {
        if (out.size >= OUTPUT_HIGH_WATER) {
          return false
        }
        const control = controls[encoded]
        const opcode = opcodes[encoded]!
        const opaque = opaques[encoded]!
        // A too-large set drops the old value quietly; its error follows once the value is discarded.
        if (requests[encoded]?._tag === "TooLarge") {
          continue
        }
        if (control === undefined) {
          encodeResult(out, opcode, opaque, results[encoded]!, keyOf(requests[encoded]))
        } else if (control._tag === "BinaryError") {
          encodeError(out, opcode, opaque, control.status)
        } else encodeSasl(out, opcode, opaque, control)
      }
      encoded = 0
      requests.length = 0
      results.length = 0
      controls.length = 0
      opcodes.length = 0
      opaques.length = 0
      storeRequests = 0
      return true
    }

    const flush = () => {
      counters.bytesWritten += out.size
      return channel.write(out.take())
    }

    for (let chunk: Buffer | null = first; chunk !== null; chunk = yield* channel.read) {
      counters.bytesRead += chunk.length
      reader.push(chunk)
      let stop: Stop
      do {
        stop = ingest()
        if (sawCommand) {
          sawCommand = false
          connection.lastCommandAt = clock.unsafeCurrentTimeMillis()
        }
        if (storeRequests > 0) {
          yield* execution.run(batch)
        }
        while (!encodeBatch()) {
          if (channel.gone) {
            break
          }
          yield* flush()
        }
        if (channel.gone) {
          break
        }
        if (stop === Stop.Stats) {
          encodeStats(out, statsOpaque, yield* commands.stats(statsArgs))
        } else if (stop === Stop.BatchFull) {
          counters.connYields++
          yield* flush()
        }
      } while (stop === Stop.Stats || stop === Stop.BatchFull)
      yield* flush()
      if (stop === Stop.Close || channel.gone) {
        break
      }
    }
    // Widened: the closure's assignments are invisible to narrowing here.
    return end as BinaryEnd
  })
