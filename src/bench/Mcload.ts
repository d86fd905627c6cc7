/**
 * mcload, the C load generator shared with the project for development (../shared/tools/mcload): found
 * through $MCLOAD, on PATH, or built from its source beside the project with its own build.sh into a
 * cache folder under node_modules (the source folder may be read-only). Runs one workload per call with
 * `--json` and reads its one-line result; `--verify` makes it check every value it reads.
 *
 * @module
 */
import * as Effect from "effect/Effect"
import { copyFileSync, existsSync, mkdirSync } from "node:fs"
import * as path from "node:path"
import * as Command from "./Command.js"
import { resultOf, SHARED_FIGURES, sharedFlags } from "./Effload.js"
import {
  LoadError,
  type LoadGenerator,
  LoadgenUnavailable,
  type RunResult,
  type RunSettings,
  type Workload
} from "./Workload.js"

/** The mcload source folder, relative to the project root. */
export const SOURCE_DIR = "../shared/tools/mcload"
/** Where a build from source goes, relative to the project root. */
export const CACHE_DIR = "node_modules/.cache/effcached-bench/mcload"

const unavailable = (reason: string) => new LoadgenUnavailable({ loadgen: "mcload", reason })

/**
 * The mcload binary for the project at `root`: $MCLOAD, `mcload` on PATH, a binary built in the source
 * folder, or one built from that source into the cache folder (rebuilt when the source is newer).
 */
export const locate = (root: string): Effect.Effect<string, LoadgenUnavailable> =>
  Effect.gen(function*() {
    const fromEnv = process.env["MCLOAD"]
    if (fromEnv !== undefined && fromEnv.length > 0) {
      return existsSync(fromEnv) ? fromEnv : yield* Effect.fail(unavailable(`MCLOAD=${fromEnv} does not exist`))
    }
    const onPath = Command.which("mcload")
    if (onPath !== undefined) return onPath
    const source = path.resolve(root, SOURCE_DIR)
    const sourceFile = path.join(source, "mcload.c")
    if (!existsSync(sourceFile)) return yield* Effect.fail(unavailable(`not on PATH and no source at ${source}`))
    const beside = path.join(source, "mcload")
    if (Command.modifiedMs(beside) >= Command.modifiedMs(sourceFile)) return beside
    const cache = path.resolve(root, CACHE_DIR)
    const built = path.join(cache, "mcload")
    if (Command.modifiedMs(built) >= Command.modifiedMs(sourceFile)) return built
    return yield* build(source, cache)
  })

// Copies mcload.c and build.sh into the cache folder and runs build.sh there (it builds beside itself).
const build = (source: string, cache: string): Effect.Effect<string, LoadgenUnavailable> =>
  Effect.gen(function*() {
    yield* Effect.sync(() => process.stderr.write(`building mcload from ${source} into ${cache}\n`))
    yield* Effect.try({
      try: () => {
        mkdirSync(cache, { recursive: true })
        for (const file of ["mcload.c", "build.sh"]) copyFileSync(path.join(source, file), path.join(cache, file))
      },
      catch: (error) => unavailable(`cannot copy its source to ${cache}: ${String(error)}`)
    })
    const output = yield* Effect.mapError(Command.run("sh", ["build.sh"], cache), (error) =>
      unavailable(`cannot run build.sh: ${error.message}`))
    const binary = path.join(cache, "mcload")
    if (output.status !== 0 || !existsSync(binary)) {
      const said = output.stderr.trim().slice(0, 500)
      return yield* Effect.fail(
        unavailable(
          `build.sh failed with status ${output.status} (is a C compiler installed?)${
            said.length > 0 ? `: ${said}` : ""
          }`
        )
      )
    }
    return binary
  })

/** mcload's command line for a workload: the flags effload shares with it, and `--json`. */
export const argsFor = (settings: RunSettings, workload: Workload): ReadonlyArray<string> => [
  ...sharedFlags(settings, workload),
  ...(settings.prefill ? ["--prefill"] : []),
  ...(settings.verify ? ["--verify"] : []),
  "--json"
]

const FIGURES = ["ops/s", "gets/s", "sets/s", ...SHARED_FIGURES]

/**
 * Reads mcload's result: the `--json` line, or the plain `name value` lines. Its stderr diagnostics
 * (the first protocol errors, error replies and verify errors) become the result's diagnostics.
 * Returns undefined when stdout holds no result.
 */
export const parseOutput = (
  stdout: string,
  stderr: string,
  settings: Pick<RunSettings, "durationS" | "verify">
): RunResult | undefined => {
  const figures = new Map<string, number>()
  const json = stdout.split("\n").find((line) => line.trim().startsWith("{"))
  if (json !== undefined) {
    try {
      for (const [name, value] of Object.entries(JSON.parse(json) as Record<string, unknown>)) {
        if (typeof value === "number") figures.set(name, value)
      }
    } catch {
      return undefined
    }
  } else {
    for (const line of stdout.split("\n")) {
      const match = /^(\S+) (-?[\d.]+)$/.exec(line.trim())
      if (match !== null) figures.set(match[1]!, Number(match[2]))
    }
  }
  if (!FIGURES.every((name) => figures.has(name))) return undefined
  const figure = (name: string) => figures.get(name)!
  const counts = {
    opsPerSec: figure("ops/s"),
    gets: Math.round(figure("gets/s") * settings.durationS),
    sets: Math.round(figure("sets/s") * settings.durationS)
  }
  return resultOf(figure, counts, settings, stderr)
}

/** A load generator running the mcload binary at `binary`. */
export const make = (binary: string): LoadGenerator => ({
  name: "mcload",
  run: (settings, workload) =>
    Effect.gen(function*() {
      const output = yield* Effect.mapError(
        Command.run(binary, argsFor(settings, workload)),
        (error) => new LoadError({ loadgen: "mcload", reason: error.message })
      )
      const result = parseOutput(output.stdout, output.stderr, settings)
      if (result === undefined) {
        return yield* Effect.fail(
          new LoadError({ loadgen: "mcload", reason: `exit ${output.status}: ${output.stderr.trim().slice(0, 500)}` })
        )
      }
      return result
    })
})
