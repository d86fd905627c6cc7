/**
 * The built-in load generator: many connections over node:net, each keeping `depth` requests in
 * flight, a set:get mix over a keyspace, multi-gets, a latency histogram, and verification of every
 * value read.
 *
 * Verification works as mcload's does: connection i reads and writes only the keys with
 * `key % conns == i`, and a server answers a connection's requests in order, so when a get is sent the
 * connection knows exactly which version the server must hold: the last one it sent for that key.
 * Values name their key and version (ValuePattern), so a wrong one is recognised byte for byte.
 *
 * The hot loop is plain callbacks (one per socket read: parse every reply, top the pipeline up, one
 * write); Effect only wraps the whole run, so interrupting it closes every socket.
 *
 * @module
 */
import * as Effect from "effect/Effect"
import * as net from "node:net"
import { performance } from "node:perf_hooks"
import * as tls from "node:tls"
import { Connection, RunState } from "./LoadConnection.js"
import { LoadError, type LoadGenerator, type RunResult, type RunSettings, type Workload } from "./Workload.js"

/** All connections must be up within this long. */
const CONNECT_MS = 3000
/** After the timed window, outstanding replies get this long before they count as timeouts. */
const DRAIN_MS = 3000
/** Prefill gives up after this long without a reply. */
const STALL_MS = 5000

const resultOf = (state: RunState, durationS: number, timeouts: number): RunResult => {
  const { counters, histogram } = state
  const ops = counters.gets + counters.sets
  return {
    opsPerSec: durationS > 0 ? ops / durationS : 0,
    ops,
    gets: counters.gets,
    sets: counters.sets,
    hits: counters.hits,
    misses: counters.misses,
    avgUs: histogram.mean,
    p50Us: histogram.percentile(0.5),
    p99Us: histogram.percentile(0.99),
    p999Us: histogram.percentile(0.999),
    maxUs: histogram.max,
    errors: counters.errors + timeouts,
    verifyErrors: state.verify ? counters.verifyErrors : null,
    diagnostics: timeouts > 0 ? [...state.diagnostics, `${timeouts} requests never answered`] : state.diagnostics
  }
}

const check = (workload: Workload): string | undefined => {
  if (!(workload.conns >= 1 && workload.depth >= 1 && workload.multiGet >= 1 && workload.valueSize >= 1)) {
    return "connections, depth, keys per get and value size must be at least 1"
  }
  if (workload.keys < workload.conns) return "the keyspace must have at least one key per connection"
  if (workload.setWeight + workload.getWeight <= 0) return "the set:get ratio must not be 0:0"
  if (workload.multiGet > 0xffff) return "at most 65535 keys per get"
  return undefined
}

/** One run, driven by plain callbacks and timers; `finish` is called exactly once. */
const start = (
  settings: RunSettings,
  workload: Workload,
  finish: (outcome: { readonly result: RunResult } | { readonly failure: string }) => void
): () => void => {
  const state = new RunState(workload, settings.verify, settings.protocol)
  const connections: Array<Connection> = []
  const timers: Array<NodeJS.Timeout> = []
  let connected = 0
  let alive = workload.conns
  let finished = false

  const stop = () => {
    finished = true
    state.phase = "done"
    for (const timer of timers) clearTimeout(timer)
    for (const connection of connections) connection.socket.destroy()
  }
  const fail = (reason: string) => {
    if (finished) return
    stop()
    finish({ failure: reason })
  }
  const succeed = () => {
    if (finished) return
    const timeouts = state.inflight
    stop()
    finish({ result: resultOf(state, state.phase === "connect" ? 0 : settings.durationS, timeouts) })
  }
  const after = (ms: number, f: () => void) => timers.push(setTimeout(f, Math.max(0, ms)))

  const startTimed = () => {
    if (settings.durationS <= 0) return succeed()
    state.phase = "run"
    state.endAt = performance.now() + settings.durationS * 1000
    after(settings.durationS * 1000, () => {
      if (state.inflight === 0) succeed()
    })
    after(settings.durationS * 1000 + DRAIN_MS, succeed)
    for (const connection of connections) connection.refill()
  }
  const progress = () => {
    if (state.phase === "prefill" && connections.every((c) => c.prefilled)) startTimed()
    else if (state.phase === "run" && state.inflight === 0 && performance.now() >= state.endAt) succeed()
  }
  const watchPrefill = () => {
    if (state.phase !== "prefill") return
    if (performance.now() - state.lastReplyAt > STALL_MS) {
      return fail(`prefill stalled: no reply for ${STALL_MS / 1000} s`)
    }
    after(1000, watchPrefill)
  }
  const onDead = (connection: Connection) => {
    if (finished) return
    alive--
    if (!state.diagnostics.some((d) => d.startsWith(`connection ${connection.index}:`))) {
      state.note(`connection ${connection.index}: closed by the server`)
    }
    state.counters.errors++
    if (alive === 0) succeed()
    else progress()
  }
  const onAllConnected = () => {
    state.lastReplyAt = performance.now()
    if (settings.prefill) {
      state.phase = "prefill"
      watchPrefill()
      for (const connection of connections) connection.refill()
    } else {
      startTimed()
    }
  }

  after(CONNECT_MS, () => {
    if (state.phase === "connect") {
      fail(`${workload.conns - connected} connections not up within ${CONNECT_MS / 1000} s`)
    }
  })
  for (let i = 0; i < workload.conns; i++) {
    const target = { host: settings.host, port: settings.port, noDelay: true }
    const socket = settings.tls === true
      ? tls.connect({ ...target, rejectUnauthorized: false })
      : net.connect(target)
    const connection = new Connection(i, socket, state, settings.seed, onDead)
    connections.push(connection)
    socket.on(settings.tls === true ? "secureConnect" : "connect", () => {
      if (++connected === workload.conns) onAllConnected()
    })
    socket.on("data", (chunk: Buffer) => {
      connection.receive(chunk)
      if (!finished) progress()
    })
    socket.on("error", (error) => {
      if (state.phase === "connect") {
        fail(`connection ${i} to ${settings.host}:${settings.port} failed: ${error.message}`)
      } else connection.drop()
    })
    socket.on("close", () => connection.drop())
  }
  return stop
}

/** Runs one workload with the built-in generator. */
export const run = (settings: RunSettings, workload: Workload): Effect.Effect<RunResult, LoadError> => {
  const invalid = check(workload)
  if (invalid !== undefined) return Effect.fail(new LoadError({ loadgen: "builtin", reason: invalid }))
  return Effect.async<RunResult, LoadError>((resume) => {
    const stop = start(
      settings,
      workload,
      (outcome) =>
        resume(
          "result" in outcome
            ? Effect.succeed(outcome.result)
            : Effect.fail(new LoadError({ loadgen: "builtin", reason: outcome.failure }))
        )
    )
    return Effect.sync(stop)
  })
}

/** The built-in load generator. */
export const builtin: LoadGenerator = { name: "builtin", run }
