/**
 * The `persistence` scenario of `npm run bench` (issue 11), three measurements of effcached alone:
 *
 * 1. Restore: 1,000,000 items of 100-byte values written to a data dir, the server stopped, then the
 *    time from spawning `node dist/main.js --data-dir` to the first successful get of a restored key
 *    (the "process start to serving"), beside the server's own persist_restore_seconds.
 * 2. Throughput at the p16 workload (50 connections, 16 deep, get/set 1:10): persistence off, everysec
 *    and always, side by side in one run (servers interleaved round by round), medians.
 * 3. Latency under snapshots: the same workload with `--snapshot-interval 1` (a snapshot every second)
 *    beside one whose interval outlasts the run; p99s and the number of snapshots taken during the run.
 *
 * Every server runs on a fresh temporary data dir, removed afterwards.
 *
 * @module
 */
import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { performance } from "node:perf_hooks"
import * as LoadGenerator from "./LoadGenerator.js"
import type { Options } from "./Options.js"
import type { Progress } from "./Progress.js"
import { median, medianOf } from "./Results.js"
import * as Scenarios from "./Scenarios.js"
import * as Servers from "./Servers.js"
import { KEY_PREFIX } from "./ValuePattern.js"
import type { LoadGenerator as Loadgen, RunResult, RunSettings, Workload } from "./Workload.js"

/** Items the restore measurement writes. */
export const RESTORE_ITEMS = 1_000_000

/** The load of the throughput and snapshot measurements: the p16 scenario's. */
export const WORKLOAD: Workload = Scenarios.steps(["p16"])[0]!.workload

/** The servers of the throughput and snapshot measurements: a label and the arguments they add. */
const VARIANTS = {
  off: [],
  everysec: ["--appendfsync", "everysec", "--snapshot-interval", "3600"],
  always: ["--appendfsync", "always", "--snapshot-interval", "3600"],
  "snapshot every 1 s": ["--appendfsync", "everysec", "--snapshot-interval", "1"]
} as const

/** One of VARIANTS. */
export type Variant = keyof typeof VARIANTS

/** A variant's medians (undefined when every run failed) and its problems. */
export interface VariantResult {
  readonly variant: Variant
  readonly runs: ReadonlyArray<RunResult>
  readonly median: RunResult | undefined
  /** Snapshots the server took during the timed runs (persist_snapshots), summed over the runs. */
  readonly snapshots: number | undefined
  readonly failure: string | undefined
}

/** The scenario's results. */
export interface PersistenceReport {
  /** Seconds from spawn to the first restored get, per run. */
  readonly restoreS: ReadonlyArray<number>
  /** The server's own persist_restore_seconds, per run. */
  readonly restoreServerS: ReadonlyArray<number>
  readonly restoredItems: number | undefined
  readonly restoreFailure: string | undefined
  readonly variants: ReadonlyArray<VariantResult>
}

const HOST = "127.0.0.1"

type Available = Extract<Servers.ServerSpec, { _tag: "Available" }>

/** How long a server may take to stop (its last snapshot of a million items) before SIGKILL. */
const STOP_MS = 60_000

/** Sends SIGTERM to `pid` and waits until the process is gone (or STOP_MS has passed). */
const stopAndWait = (pid: number) =>
  Effect.gen(function*() {
    const alive = () => {
      try {
        process.kill(pid, 0)
        return true
      } catch {
        return false
      }
    }
    if (alive()) process.kill(pid, "SIGTERM")
    const deadline = Date.now() + STOP_MS
    while (alive() && Date.now() < deadline) yield* Effect.sleep("20 millis")
  })

/** One request on a new connection; the reply once `complete` accepts it (or the connection ends). */
const ask = (port: number, request: string, complete: (reply: string) => boolean): Effect.Effect<string, Error> =>
  Effect.async((resume) => {
    const socket = net.connect(port, HOST)
    let reply = ""
    const finish = (result: Effect.Effect<string, Error>) => {
      socket.destroy()
      resume(result)
    }
    socket.once("connect", () => socket.write(request))
    socket.on("data", (chunk: Buffer) => {
      reply += chunk.toString("latin1")
      if (complete(reply)) finish(Effect.succeed(reply))
    })
    socket.once("error", (error) => finish(Effect.fail(error)))
    socket.once("close", () => finish(Effect.succeed(reply)))
    return Effect.sync(() => socket.destroy())
  })

/** A stats figure, or undefined when the server does not report it. */
const stat = (port: number, name: string): Effect.Effect<number | undefined, Error> =>
  Effect.map(ask(port, "stats\r\n", (r) => r.endsWith("END\r\n")), (reply) => {
    const match = new RegExp(`^STAT ${name} (\\S+)\\r$`, "m").exec(reply)
    return match === null ? undefined : Number(match[1])
  })

const withDataDir = <A, E, R>(use: (dir: string) => Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.acquireUseRelease(
    Effect.sync(() => mkdtempSync(path.join(os.tmpdir(), "effcached-bench-persist-"))),
    use,
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )

/**
 * Spawns the daemon on `dir` and measures the seconds until a get of a restored key hits (polling every
 * 5 ms: a connection refused or a miss means not yet). The process is stopped afterwards.
 */
const timeRestore = (main: string, dir: string, memoryMb: number) =>
  Effect.gen(function*() {
    const port = yield* Servers.freePort
    const probe = `get ${KEY_PREFIX}${RESTORE_ITEMS - 1}\r\n`
    const started = performance.now()
    const child = spawn(process.execPath, [main, "-p", `${port}`, "-m", `${memoryMb}`, "--data-dir", dir], {
      stdio: ["ignore", "ignore", "pipe"]
    })
    let stderr = ""
    child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)))
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
    const stop = Effect.promise(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM")
      return exited
    })
    return yield* Effect.gen(function*() {
      for (;;) {
        if (child.exitCode !== null || child.signalCode !== null) {
          return yield* Effect.fail(new Error(`exited during restore: ${stderr.trim()}`))
        }
        const reply = yield* Effect.orElseSucceed(ask(port, probe, (r) => r.endsWith("END\r\n")), () => "")
        if (reply.startsWith("VALUE ")) break
        if (performance.now() - started > 120_000) return yield* Effect.fail(new Error("no restored item in 120 s"))
        yield* Effect.sleep("5 millis")
      }
      const seconds = (performance.now() - started) / 1000
      const serverSeconds = yield* stat(port, "persist_restore_seconds")
      const items = yield* stat(port, "persist_restored_items")
      return { seconds, serverSeconds, items }
    }).pipe(Effect.ensuring(stop))
  })

/** Measurement 1: write RESTORE_ITEMS items, stop, then `runs` timed restarts on the same data dir. */
const restore = (options: Options, spec: Available, main: string, progress: Progress) =>
  withDataDir((dir) =>
    Effect.gen(function*() {
      const memoryMb = Math.max(options.memoryMb, 512)
      progress.begin(`persistence · write ${RESTORE_ITEMS.toLocaleString("en-US")} items`, 20)
      yield* Effect.scoped(Effect.gen(function*() {
        const server = yield* Servers.start(spec, memoryMb, { args: ["--data-dir", dir] })
        const settings: RunSettings = {
          host: HOST,
          port: server.port,
          durationS: 0,
          prefill: true,
          verify: false,
          seed: options.seed
        }
        yield* LoadGenerator.run(settings, { ...WORKLOAD, keys: RESTORE_ITEMS })
        // Stopped here rather than by the scope, whose grace period is shorter than a final snapshot.
        yield* stopAndWait(server.pid)
      }))
      progress.end("stopped (SIGTERM)")
      const seconds: Array<number> = []
      const serverSeconds: Array<number> = []
      let items: number | undefined
      for (let run = 0; run < options.runs; run++) {
        progress.begin(`persistence · restore ${run + 1}/${options.runs}`, 5)
        const timed = yield* timeRestore(main, dir, memoryMb)
        seconds.push(timed.seconds)
        if (timed.serverSeconds !== undefined) serverSeconds.push(timed.serverSeconds)
        items = timed.items
        progress.end(`${timed.seconds.toFixed(2)} s to the first restored get (${timed.items} items restored)`)
      }
      return { seconds, serverSeconds, items }
    })
  )

/** Measurements 2 and 3: every variant on a server of its own, `runs` rounds, variants interleaved. */
const variants = (options: Options, spec: Available, loadgen: Loadgen, progress: Progress) =>
  Effect.scoped(Effect.gen(function*() {
    const names = Object.keys(VARIANTS) as Array<Variant>
    const started = yield* Effect.forEach(names, (variant) =>
      Effect.either(Effect.gen(function*() {
        const dir = yield* Effect.acquireRelease(
          Effect.sync(() => mkdtempSync(path.join(os.tmpdir(), "effcached-bench-persist-"))),
          (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
        )
        const args = variant === "off" ? [] : ["--data-dir", dir, ...VARIANTS[variant]]
        return yield* Servers.start(spec, options.memoryMb, { args })
      })))
    const runs = names.map((): Array<RunResult> => [])
    const snapshots = names.map((): number | undefined => 0)
    const failures = started.map((s) => (s._tag === "Left" ? s.left.message : undefined))
    for (let round = 0; round < options.runs; round++) {
      for (const [i, variant] of names.entries()) {
        progress.begin(`persistence · ${variant} · run ${round + 1}/${options.runs}`, options.durationS + 1)
        const server = started[i]!
        if (server._tag === "Left" || failures[i] !== undefined) {
          progress.end(`skipped: ${failures[i]}`)
          continue
        }
        const port = server.right.port
        const before = yield* Effect.orElseSucceed(stat(port, "persist_snapshots"), () => undefined)
        const settings: RunSettings = {
          host: HOST,
          port,
          durationS: options.durationS,
          prefill: true,
          verify: options.verify,
          seed: options.seed + round
        }
        const outcome = yield* Effect.either(loadgen.run(settings, WORKLOAD))
        const after = yield* Effect.orElseSucceed(stat(port, "persist_snapshots"), () => undefined)
        snapshots[i] = before === undefined || after === undefined ? undefined : snapshots[i]! + after - before
        if (outcome._tag === "Left") failures[i] = outcome.left.message
        else runs[i]!.push(outcome.right)
        progress.end(
          outcome._tag === "Left"
            ? `failed: ${outcome.left.message}`
            : `${Math.round(outcome.right.opsPerSec).toLocaleString("en-US")} ops/s, p99 ${
              Math.round(outcome.right.p99Us)
            } µs`
        )
      }
    }
    return names.map((variant, i): VariantResult => ({
      variant,
      runs: runs[i]!,
      median: medianOf(runs[i]!),
      snapshots: variant === "off" ? undefined : snapshots[i],
      failure: failures[i]
    }))
  }))

/** Runs the scenario on effcached. */
export const run = (
  options: Options,
  root: string,
  loadgen: Loadgen,
  progress: Progress
): Effect.Effect<PersistenceReport, Error> =>
  Effect.gen(function*() {
    const spec = Servers.specs(root).effcached
    if (spec._tag !== "Available") return yield* Effect.fail(new Error(spec.reason))
    const restored = yield* Effect.either(restore(options, spec, path.join(root, "dist/main.js"), progress))
    const measured = yield* variants(options, spec, loadgen, progress)
    return {
      restoreS: restored._tag === "Right" ? restored.right.seconds : [],
      restoreServerS: restored._tag === "Right" ? restored.right.serverSeconds : [],
      restoredItems: restored._tag === "Right" ? restored.right.items : undefined,
      restoreFailure: restored._tag === "Left" ? restored.left.message : undefined,
      variants: measured
    }
  })

/** Expected units of work and seconds, for the progress estimate. */
export const workOf = (options: Options): { readonly units: number; readonly seconds: number } => ({
  units: 1 + options.runs * (1 + Object.keys(VARIANTS).length),
  seconds: 20 + options.runs * 3 + options.runs * Object.keys(VARIANTS).length * (options.durationS + 1)
})

const fixed = (
  n: number | undefined,
  digits: number
) => (n === undefined || !Number.isFinite(n) ? "-" : n.toFixed(digits))

/** The scenario's table: restore times, then each variant's medians with ratios to `off` / to no snapshot. */
export const table = (report: PersistenceReport): string => {
  const off = report.variants.find((v) => v.variant === "off")?.median
  const quiet = report.variants.find((v) => v.variant === "everysec")?.median
  const rows = [
    ["server", "ops/s", "vs off", "p50 µs", "p99 µs", "p99 vs everysec", "snapshots", "errors"],
    ...report.variants.map((v) => [
      v.variant,
      v.median === undefined ? `failed: ${v.failure}` : Math.round(v.median.opsPerSec).toLocaleString("en-US"),
      off === undefined || v.median === undefined ? "-" : `${fixed(v.median.opsPerSec / off.opsPerSec, 2)}x`,
      fixed(v.median?.p50Us, 0),
      fixed(v.median?.p99Us, 0),
      quiet === undefined || v.median === undefined ? "-" : `${fixed(v.median.p99Us / quiet.p99Us, 2)}x`,
      v.snapshots === undefined ? "-" : String(v.snapshots),
      v.median === undefined ? "-" : String(v.median.errors + (v.median.verifyErrors ?? 0))
    ])
  ]
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)))
  const restoreLine = report.restoreFailure !== undefined
    ? `restore: failed: ${report.restoreFailure}`
    : `restore of ${RESTORE_ITEMS.toLocaleString("en-US")} x 100-byte items, spawn to first restored get: median ${
      fixed(median(report.restoreS), 2)
    } s (runs ${report.restoreS.map((s) => s.toFixed(2)).join(", ")}); server's persist_restore_seconds median ${
      fixed(median(report.restoreServerS), 2)
    } s; ${report.restoredItems ?? "?"} items restored`
  return [restoreLine, "", ...rows.map((row) => row.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd())]
    .join("\n")
}

/** Writes persistence.json and persistence.md into `dir`; returns the files written. */
export const write = (dir: string, report: PersistenceReport, options: Options): ReadonlyArray<string> => {
  mkdirSync(dir, { recursive: true })
  const markdown = [
    "# Persistence benchmark",
    "",
    `effcached only. Throughput and latency: ${WORKLOAD.conns} connections, ${WORKLOAD.depth} deep, get/set 1:10,`,
    `${WORKLOAD.valueSize}-byte values over ${
      WORKLOAD.keys.toLocaleString("en-US")
    } keys; ${options.runs} runs of ${options.durationS} s`,
    "per server, servers interleaved; medians. `snapshot every 1 s` is everysec with --snapshot-interval 1; the",
    "everysec and always servers' interval outlasts the run.",
    "",
    "```",
    table(report),
    "```",
    ""
  ].join("\n")
  const files = { "persistence.json": JSON.stringify(report, null, 2) + "\n", "persistence.md": markdown }
  return Object.entries(files).map(([name, text]) => {
    writeFileSync(path.join(dir, name), text)
    return path.join(dir, name)
  })
}

/** Whether the report holds a failure or a wrong value. */
export const failed = (report: PersistenceReport): boolean =>
  report.restoreFailure !== undefined ||
  report.variants.some((v) =>
    v.failure !== undefined || (v.median?.errors ?? 0) > 0 || (v.median?.verifyErrors ?? 0) > 0
  )
