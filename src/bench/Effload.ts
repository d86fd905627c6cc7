/**
 * effload, the project's own C load generator (tools/effload/effload.c): built on demand with the
 * system's C compiler (`cc -O2`, Debian's build-essential) into a cache folder under node_modules, so
 * `npm run bench` needs nothing from outside the repository but Debian packages. It runs in a process
 * of its own, so it takes the second core rather than the servers' event loop, and checks every value
 * it reads with `--verify`. `$EFFLOAD` names a binary to use instead.
 *
 * Why not memcaslap (libmemcached-tools): it has no pipeline depth, no fixed `key:N` keyspace, samples
 * values for verification rather than checking each, and reports latency only as a log2 histogram,
 * so the issue's p99 and 16-deep figures could not be made with it.
 *
 * @module
 */
import * as Effect from "effect/Effect"
import { existsSync, mkdirSync } from "node:fs"
import * as path from "node:path"
import * as Command from "./Command.js"
import {
  LoadError,
  type LoadGenerator,
  LoadgenUnavailable,
  type RunResult,
  type RunSettings,
  type Workload
} from "./Workload.js"

/** effload's source, relative to the project root. */
export const SOURCE = "tools/effload/effload.c"
/** Where it is built, relative to the project root. */
export const CACHE_DIR = "node_modules/.cache/effcached-bench/effload"
/** Requests in flight per connection while prefilling or filling for the memory steps. */
export const FILL_DEPTH = 32

const unavailable = (reason: string) => new LoadgenUnavailable({ loadgen: "effload", reason })

/** The compiler command line that builds `source` into `binary`. */
export const compileArgs = (source: string, binary: string): ReadonlyArray<string> => [
  "-O2",
  "-Wall",
  "-o",
  binary,
  source
]

/** Compiles effload from `source` into `binary` with `cc`. */
export const build = (source: string, binary: string): Effect.Effect<string, LoadgenUnavailable> =>
  Effect.gen(function*() {
    const cc = Command.which("cc")
    if (cc === undefined) return yield* Effect.fail(unavailable("no C compiler (apt-get install build-essential)"))
    yield* Effect.try({
      try: () => mkdirSync(path.dirname(binary), { recursive: true }),
      catch: (error) => unavailable(`cannot create ${path.dirname(binary)}: ${String(error)}`)
    })
    const output = yield* Effect.mapError(
      Command.run(cc, compileArgs(source, binary)),
      (error) => unavailable(`cannot run cc: ${error.message}`)
    )
    if (output.status !== 0 || !existsSync(binary)) {
      return yield* Effect.fail(unavailable(`cc failed (${output.status}): ${output.stderr.trim().slice(0, 500)}`))
    }
    return binary
  })

/** The effload binary for the project at `root`: $EFFLOAD, or the cached build, (re)built when the source is newer. */
export const locate = (root: string): Effect.Effect<string, LoadgenUnavailable> =>
  Effect.suspend(() => {
    const fromEnv = process.env["EFFLOAD"]
    if (fromEnv !== undefined && fromEnv.length > 0) {
      return existsSync(fromEnv)
        ? Effect.succeed(fromEnv)
        : Effect.fail(unavailable(`EFFLOAD=${fromEnv} does not exist`))
    }
    const source = path.resolve(root, SOURCE)
    if (!existsSync(source)) return Effect.fail(unavailable(`no source at ${source}`))
    const binary = path.resolve(root, CACHE_DIR, "effload")
    return Command.modifiedMs(binary) >= Command.modifiedMs(source) ? Effect.succeed(binary) : build(source, binary)
  })

/** The workload's flags, named as effload and mcload both name them (the common load generator spelling). */
export const sharedFlags = (settings: RunSettings, workload: Workload): ReadonlyArray<string> =>
  Object.entries({
    "-s": settings.host,
    "-p": settings.port,
    "-c": workload.conns,
    "-P": workload.depth,
    "-d": settings.durationS,
    "-r": `${workload.setWeight}:${workload.getWeight}`,
    "-k": workload.keys,
    "-v": workload.valueSize,
    "-m": workload.multiGet,
    "--seed": settings.seed
  }).flatMap(([flag, value]) => [flag, `${value}`])

/** effload's command line for a workload. */
export const argsFor = (settings: RunSettings, workload: Workload): ReadonlyArray<string> => [
  ...sharedFlags(settings, workload),
  "--fill-depth",
  `${FILL_DEPTH}`,
  ...(settings.prefill ? ["--prefill"] : []),
  ...(settings.verify ? ["--verify"] : []),
  ...(settings.serverPid !== undefined ? ["--server-pid", `${settings.serverPid}`] : [])
]

/** effload's result with the prefill's length, in seconds. */
export interface Output {
  readonly result: RunResult
  readonly prefillS: number
}

/** The figures effload and mcload both print under the same names: what {@link resultOf} reads. */
export const SHARED_FIGURES = [
  "ops",
  "hits",
  "misses",
  "avg_us",
  "p50_us",
  "p99_us",
  "p999_us",
  "max_us",
  "errors",
  "verify_errors"
] as const

const FIGURES = ["ops_per_s", "gets", "sets", "prefill_s", ...SHARED_FIGURES] as const

/**
 * Reads effload's JSON line; its stderr lines (the first errors and wrong values) become diagnostics.
 * Undefined when stdout holds no complete result.
 */
export const parseOutput = (
  stdout: string,
  stderr: string,
  settings: Pick<RunSettings, "verify">
): Output | undefined => {
  const line = stdout.split("\n").find((l) => l.trim().startsWith("{"))
  if (line === undefined) return undefined
  let json: Record<string, unknown>
  try {
    json = JSON.parse(line) as Record<string, unknown>
  } catch {
    return undefined
  }
  if (!FIGURES.every((name) => typeof json[name] === "number")) return undefined
  const figure = (name: string) => json[name] as number
  const result = resultOf(
    figure,
    { opsPerSec: figure("ops_per_s"), gets: figure("gets"), sets: figure("sets") },
    settings,
    stderr
  )
  // -1 (or absent) when not asked for or not readable.
  const cpu = json["server_cpu_s"]
  return {
    prefillS: figure("prefill_s"),
    result: typeof cpu === "number" && cpu >= 0 && result.ops > 0
      ? { ...result, serverCpuUs: (cpu * 1e6) / result.ops }
      : result
  }
}

/**
 * A run's result from the figures effload and mcload both print under the same names (ops, hits,
 * misses, avg_us .. max_us, errors, verify_errors), the counts each names its own way, and the
 * stderr lines (the first errors and wrong values) as diagnostics.
 */
export const resultOf = (
  figure: (name: string) => number,
  counts: Pick<RunResult, "opsPerSec" | "gets" | "sets">,
  settings: Pick<RunSettings, "verify">,
  stderr: string
): RunResult => ({
  ...counts,
  ops: figure("ops"),
  hits: figure("hits"),
  misses: figure("misses"),
  avgUs: figure("avg_us"),
  p50Us: figure("p50_us"),
  p99Us: figure("p99_us"),
  p999Us: figure("p999_us"),
  maxUs: figure("max_us"),
  errors: figure("errors"),
  verifyErrors: settings.verify ? figure("verify_errors") : null,
  diagnostics: stderr.split("\n").map((l) => l.trim()).filter((l) => l.length > 0).slice(0, 8)
})

/** Runs the binary once and reads its result. */
const runOnce = (binary: string, settings: RunSettings, workload: Workload): Effect.Effect<Output, LoadError> =>
  Effect.gen(function*() {
    const failed = (reason: string) => new LoadError({ loadgen: "effload", reason })
    const output = yield* Effect.mapError(Command.run(binary, argsFor(settings, workload)), (e) => failed(e.message))
    return parseOutput(output.stdout, output.stderr, settings) ??
      (yield* Effect.fail(failed(`exit ${output.status}: ${output.stderr.trim().slice(0, 500)}`)))
  })

/** A load generator running the effload binary at `binary`. */
export const make = (binary: string): LoadGenerator => ({
  name: "effload",
  run: (settings, workload) => Effect.map(runOnce(binary, settings, workload), (output) => output.result),
  fill: (settings, workload) =>
    Effect.gen(function*() {
      const output = yield* runOnce(binary, { ...settings, durationS: 0, prefill: true, verify: false }, workload)
      if (output.result.errors > 0) {
        return yield* Effect.fail(
          new LoadError({ loadgen: "effload", reason: `fill: ${output.result.diagnostics.join("; ")}` })
        )
      }
      return output.prefillS
    })
})
