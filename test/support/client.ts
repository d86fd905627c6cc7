/**
 * The effcached client in tests: a Layer for servers on local ports, effcached running in the test's
 * own process (so the client and the server share TestClock), a tracer that records spans, and
 * helpers to read values as text.
 */
import { Effect, Layer, Option, Tracer } from "effect"
import { type ClientOptions, type Hit, MemcachedClient } from "../../src/client/index.js"
import * as Effcached from "../../src/server/Effcached.js"
import { ListenAddress } from "../../src/server/Listener.js"
import { memcachedPath, requireTool, type RunningServer, startEffcached, startMemcached } from "./servers.js"

/**
 * The servers a client suite runs against, for `describe.each`: effcached (the daemon) and a real
 * memcached 1.6 (skipped, with a message, when it is not installed; required under CI=true).
 */
export const bothServers = (): ReadonlyArray<readonly [string, () => Promise<RunningServer>, boolean]> => [
  ["effcached", () => startEffcached(), true],
  ["memcached 1.6", () => startMemcached(), requireTool("memcached", memcachedPath !== undefined)]
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
export const inProcess = (options: Omit<ClientOptions, "servers"> = {}): Layer.Layer<MemcachedClient | ListenAddress> =>
  Layer.unwrapEffect(Effect.map(ListenAddress, ({ port }) => clientLayer([port], options))).pipe(
    Layer.provideMerge(Layer.orDie(Effcached.layer({ port: 0 })))
  )

/** A hit's value as text (undefined for a miss). */
export const text = (hit: Option.Option<Hit>): string | undefined =>
  Option.match(hit, { onNone: () => undefined, onSome: (h) => Buffer.from(h.value).toString("utf8") })

/** Bytes as text. */
export const utf8 = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("utf8")

/** A span as recorded by {@link recordingTracer}. */
export interface RecordedSpan {
  readonly name: string
  readonly kind: Tracer.SpanKind
  readonly attributes: ReadonlyMap<string, unknown>
  readonly ended: boolean
}

/** A tracer that records every span it makes (and so, unlike Effect's built-in one, "exports" them). */
export const recordingTracer = (): { readonly tracer: Tracer.Tracer; readonly spans: Array<RecordedSpan> } => {
  const spans: Array<RecordedSpan> = []
  const tracer = Tracer.make({
    span: (name, parent, context, links, startTime, kind) => {
      const attributes = new Map<string, unknown>()
      const record = { name, kind, attributes, ended: false }
      spans.push(record)
      const span: Tracer.Span = {
        _tag: "Span",
        name,
        spanId: `span-${spans.length}`,
        traceId: "trace",
        parent,
        context,
        status: { _tag: "Started", startTime },
        attributes,
        links,
        sampled: true,
        kind,
        end: () => void (record.ended = true),
        attribute: (key, value) => void attributes.set(key, value),
        event: () => {},
        addLinks: () => {}
      }
      return span
    },
    context: (f) => f()
  })
  return { tracer, spans }
}
