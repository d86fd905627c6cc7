/**
 * Spans: every request runs in a span named `memcache.<command>` with OpenTelemetry's database
 * attributes, made when a tracer that exports spans is installed (@effect/opentelemetry in an
 * application; here a small tracer that prints them).
 *
 * Run with EFFCACHED_SERVERS=host:port (default 127.0.0.1:11211).
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { MemcachedClient } from "effcached/client"
import { Effect, Layer, Tracer } from "effect"

const servers = (process.env["EFFCACHED_SERVERS"] ?? "127.0.0.1:11211").split(",")

/** A tracer that prints each span as it ends (stands in for an OpenTelemetry exporter). */
const printing = Tracer.make({
  span: (name, parent, context, links, startTime, kind) => {
    const attributes = new Map<string, unknown>()
    return {
      _tag: "Span",
      name,
      spanId: Math.random().toString(16).slice(2),
      traceId: "example",
      parent,
      context,
      status: { _tag: "Started", startTime },
      attributes,
      links,
      sampled: true,
      kind,
      attribute: (key, value) => void attributes.set(key, value),
      event: () => {},
      addLinks: () => {},
      end: () =>
        console.log(
          `span ${name} (${kind}) ${attributes.get("db.operation.name")} on ${attributes.get("server.address")}`
        )
    }
  },
  context: (f) => f()
})

const program = Effect.gen(function*() {
  const cache = yield* MemcachedClient
  yield* cache.set("traced", "value")
  yield* cache.get("traced")
}).pipe(Effect.withSpan("handle-request"))

program.pipe(
  Effect.provide(Layer.merge(MemcachedClient.layer({ servers }), Layer.setTracer(printing))),
  NodeRuntime.runMain
)

// > span memcache.set (client) set on 127.0.0.1
// > span memcache.get (client) get on 127.0.0.1
// > span handle-request (internal) undefined on undefined
