/**
 * The effcached client in tests: a Layer for servers on local ports, effcached running in the test's
 * own process (so the client and the server share TestClock), a tracer that records spans, and
 * helpers to read values as text.
 */
import { Context, DefaultServices, Effect, Layer, Option, Tracer } from "effect"
import { type ClientOptions, type Hit, MemcachedClient } from "../../src/client/index.js"
import * as Effcached from "../../src/server/Effcached.js"
import { Listener } from "../../src/server/Listener.js"
import { memcachedPath, requireTool, type RunningServer, startEffcached, startMemcached } from "./servers.js"

/**
 * The servers a client suite runs against, for `describe.each`: effcached (the daemon) and a real
 * memcached 1.6 (left out, with a message, when it is not installed; required under CI=true). A server
 * that is missing is left out of the list rather than given an empty suite, which vitest fails.
 */
export const bothServers = (): ReadonlyArray<readonly [string, () => Promise<RunningServer>]> => [
  ["effcached", () => startEffcached()],
  ...(requireTool("memcached", memcachedPath !== undefined)
    ? [["memcached 1.6", () => startMemcached()] as const]
    : [])
]

/** Lets socket I/O happen for a moment (the servers are real even when the client's clock is TestClock). */
export const ioTurn = Effect.async<void>((resume) => void setTimeout(() => resume(Effect.void), 5))

/** Polls `check` between I/O turns until it holds. */
export const eventually = <E>(check: Effect.Effect<boolean, E>): Effect.Effect<void, E> =>
  Effect.flatMap(check, (done) => (done ? Effect.void : Effect.zipRight(ioTurn, eventually(check))))

/** The client for servers on these local ports. */
export const clientLayer = (
  ports: ReadonlyArray<number>,
  options: Omit<ClientOptions, "servers"> = {}
): Layer.Layer<MemcachedClient> =>
  Layer.orDie(MemcachedClient.layer({ servers: ports.map((port) => `127.0.0.1:${port}`), ...options }))

/**
 * effcached in this process on a free port, with the client connected to it: both run on the test's
 * Clock, so TestClock drives expiry on the server and timeouts in the client alike.
 */
export const inProcess = (options: Omit<ClientOptions, "servers"> = {}): Layer.Layer<MemcachedClient | Listener> =>
  Layer.unwrapEffect(Effect.map(Listener, ({ address }) => clientLayer([address.port], options))).pipe(
    Layer.provideMerge(Layer.orDie(Effcached.layer({ port: 0 })))
  )

/** A hit's value as text (undefined for a miss). */
export const text = (hit: Option.Option<Hit>): string | undefined =>
  Option.match(hit, { onNone: () => undefined, onSome: (h) => Buffer.from(h.value).toString("utf8") })

/** Bytes as text. */
export const utf8 = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("utf8")

/** Effect's built-in tracer (which keeps spans in memory only). */
const builtIn = Context.get(DefaultServices.liveServices, Tracer.Tracer)

/**
 * A tracer that records every span it makes: Effect's built-in spans, handed out by a tracer that is
 * not the built-in one (so, for the client, a tracer that "exports" them).
 */
export const recordingTracer = (): { readonly tracer: Tracer.Tracer; readonly spans: Array<Tracer.Span> } => {
  const spans: Array<Tracer.Span> = []
  const tracer = Tracer.make({
    span: (name, parent, context, links, startTime, kind, options) => {
      const span = builtIn.span(name, parent, context, links, startTime, kind, options)
      spans.push(span)
      return span
    },
    context: builtIn.context
  })
  return { tracer, spans }
}
