/**
 * Runs a benchmark: for each step, fresh servers (all of them, in one Scope that stops them at the
 * end of the step, or on interruption), then each run of the step on each server in turn (servers
 * interleaved, so a slow moment of the machine does not land on one server only), then each server's
 * RSS. A server that fails to start or a run that fails is recorded and the benchmark goes on.
 *
 * @module
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as LoadGenerator from "./LoadGenerator.js"
import type { Options } from "./Options.js"
import type { Progress } from "./Progress.js"
import { medianOf, type StepResult } from "./Results.js"
import type { Step } from "./Scenarios.js"
import * as Servers from "./Servers.js"
import type { LoadGenerator as Loadgen, Protocol, RunResult, RunSettings } from "./Workload.js"

/** What a benchmark runs with. */
export interface Plan {
  readonly options: Options
  readonly steps: ReadonlyArray<Step>
  /** Each server once per protocol it is measured with (text when none is said). */
  readonly servers: ReadonlyArray<Extract<Servers.ServerSpec, { _tag: "Available" }> & { readonly protocol?: Protocol }>
  readonly loadgen: Loadgen
}

/** Seconds a prefill is expected to take, for the progress estimate. */
const PREFILL_S = 1
/** Seconds a memory fill is expected to take: about 100,000 sets a second. */
const fillSecondsOf = (step: Step) => step.workload.keys / 100_000
const HOST = "127.0.0.1"

/** The units of work of a plan (one per run per server), and their total expected seconds. */
export const workOf = (plan: Plan): { readonly units: number; readonly seconds: number } => {
  const perServer = plan.steps.reduce(
    (sum, step) =>
      step.kind === "memory"
        ? { units: sum.units + 1, seconds: sum.seconds + fillSecondsOf(step) }
        : {
          units: sum.units + plan.options.runs,
          seconds: sum.seconds + plan.options.runs * (plan.options.durationS + PREFILL_S)
        },
    { units: 0, seconds: 0 }
  )
  return { units: perServer.units * plan.servers.length, seconds: perServer.seconds * plan.servers.length }
}

const thousands = (n: number) => Math.round(n).toLocaleString("en-US")

/** A run's result in a few words, for the progress log. */
export const summarize = (result: RunResult): string => {
  const problems = [
    result.errors > 0 ? `${thousands(result.errors)} errors` : "",
    result.verifyErrors !== null && result.verifyErrors > 0 ? `${thousands(result.verifyErrors)} VERIFY ERRORS` : ""
  ].filter((p) => p.length > 0)
  return `${thousands(result.opsPerSec)} ops/s, p50 ${thousands(result.p50Us)} µs, p99 ${thousands(result.p99Us)} µs` +
    (problems.length > 0 ? `, ${problems.join(", ")}` : "")
}

const row = (step: Step, server: Servers.ServerName, fields: Partial<StepResult>): StepResult => ({
  scenario: step.scenario,
  step: step.label,
  kind: step.kind,
  conns: step.workload.conns,
  depth: step.workload.depth,
  server,
  runs: [],
  median: undefined,
  rssBytes: undefined,
  failure: undefined,
  fillSeconds: undefined,
  ...fields
})

// A memory step: pipelined sets of every item (no timed run) by the load generator when it can fill,
// else by the built-in one; then the server's RSS once it has settled, and the fill's seconds.
const fill = (loadgen: Loadgen, server: Servers.RunningServer, step: Step, settings: RunSettings) =>
  Effect.gen(function*() {
    const seconds = loadgen.fill !== undefined
      ? yield* loadgen.fill(settings, step.workload)
      : yield* Effect.map(
        Effect.timed(LoadGenerator.run({ ...settings, durationS: 0, verify: false }, step.workload)),
        ([elapsed]) => Duration.toMillis(elapsed) / 1000
      )
    yield* Effect.sleep("1 second")
    return { rss: Servers.residentBytes(server.pid), seconds }
  })

// Runs one step on every server, on servers started for it alone.
const runStep = (plan: Plan, step: Step, progress: Progress) =>
  Effect.scoped(
    Effect.gen(function*() {
      const { options } = plan
      const started = yield* Effect.forEach(
        plan.servers,
        (spec) => Effect.either(Servers.start(spec, Math.max(options.memoryMb, step.memoryMb ?? 0)))
      )
      const runs = plan.servers.map((): Array<RunResult> => [])
      const filled: Array<{ rss: number | undefined; seconds: number } | undefined> = plan.servers.map(() => undefined)
      const failures = plan.servers.map((_, i) => Either.isLeft(started[i]!) ? started[i]!.left.message : undefined)
      const rounds = step.kind === "memory" ? 1 : options.runs
      for (let round = 0; round < rounds; round++) {
        for (const [i, spec] of plan.servers.entries()) {
          const server = started[i]!
          const what = step.kind === "memory"
            ? `fill ${thousands(step.workload.keys)} items`
            : `run ${round + 1}/${rounds}`
          progress.begin(
            `${step.label} · ${spec.name}${spec.protocol === "binary" ? " binary" : ""} · ${what}`,
            step.kind === "memory" ? fillSecondsOf(step) : options.durationS + PREFILL_S
          )
          if (Either.isLeft(server) || failures[i] !== undefined) {
            progress.end(`skipped: ${failures[i]}`)
            continue
          }
          const settings: RunSettings = {
            host: HOST,
            port: server.right.port,
            durationS: options.durationS,
            prefill: true,
            verify: options.verify,
            seed: options.seed + round,
            tls: options.tls,
            protocol: spec.protocol ?? "text",
            serverPid: server.right.pid
          }
          if (step.kind === "memory") {
            const outcome = yield* Effect.either(fill(plan.loadgen, server.right, step, settings))
            if (Either.isLeft(outcome)) failures[i] = outcome.left.message
            else filled[i] = outcome.right
            progress.end(
              Either.isLeft(outcome)
                ? `failed: ${outcome.left.message}`
                : `${thousands((outcome.right.rss ?? NaN) / 2 ** 20)} MB RSS, filled in ${
                  outcome.right.seconds.toFixed(1)
                } s`
            )
            continue
          }
          const outcome = yield* Effect.either(plan.loadgen.run(settings, step.workload))
          if (Either.isLeft(outcome)) failures[i] = outcome.left.message
          else runs[i]!.push(outcome.right)
          progress.end(Either.isLeft(outcome) ? `failed: ${outcome.left.message}` : summarize(outcome.right))
        }
      }
      return plan.servers.map((spec, i) => {
        const server = started[i]!
        return row(step, spec.name, {
          ...(spec.protocol === "binary" ? { protocol: spec.protocol } : {}),
          runs: runs[i]!,
          median: medianOf(runs[i]!),
          fillSeconds: filled[i]?.seconds,
          items: step.kind === "memory" ? step.workload.keys : undefined,
          rssBytes: step.kind === "memory"
            ? filled[i]?.rss
            : Either.isRight(server) && failures[i] === undefined
            ? Servers.residentBytes(server.right.pid)
            : undefined,
          failure: failures[i]
        })
      })
    })
  )

/** Runs every step of the plan; the rows of the report, in step order. */
export const run = (plan: Plan, progress: Progress): Effect.Effect<ReadonlyArray<StepResult>> =>
  Effect.map(Effect.forEach(plan.steps, (step) => runStep(plan, step, progress)), (rows) => rows.flat())
