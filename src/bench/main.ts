#!/usr/bin/env node
/**
 * `npm run bench`: starts effcached and, when installed, memcached -t 1 (same memory limit), and with
 * `--servers ...,nodeceiling` the project's bare node:net ceiling, on free loopback ports, drives them
 * with the same load generator scenario by scenario, and writes the table (stdout), results.json,
 * results.md and SVG charts into the results folder. Progress goes to stderr.
 * Runs under NodeRuntime.runMain, so Ctrl-C interrupts it and every server is stopped on the way out.
 *
 * Exits 1 when a run failed or any value read was wrong, 64 on a bad command line.
 *
 * @module
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { spawnSync } from "node:child_process"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import * as Bench from "./Bench.js"
import * as ClientBench from "./ClientBench.js"
import * as Loadgens from "./Loadgens.js"
import * as Options from "./Options.js"
import * as PersistenceBench from "./PersistenceBench.js"
import { Progress } from "./Progress.js"
import * as Report from "./Report.js"
import { type BenchReport, serverLabel } from "./Results.js"
import * as Scenarios from "./Scenarios.js"
import * as Servers from "./Servers.js"
import * as TlsCertificate from "./TlsCertificate.js"

/** sysexits' EX_USAGE. */
const EX_USAGE = 64

// dist/bench/main.js -> the project root.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..")

const commitOf = (dir: string): string | undefined => {
  const git = spawnSync("git", ["-C", dir, "describe", "--always", "--dirty"], { encoding: "utf8" })
  return git.status === 0 ? git.stdout.trim() : undefined
}

const timestamp = (date: Date) => date.toISOString().slice(0, 19).replace(/:/g, "-")

const program = (options: Options.Options) =>
  Effect.gen(function*() {
    const date = new Date()
    const notes: Array<string> = []
    const specs = Servers.specs(root, options.tls ? yield* TlsCertificate.throwaway : undefined)
    const wanted = options.servers ?? ["effcached", "memcached"]
    const servers = wanted.flatMap((name) => {
      const spec = specs[name]
      if (spec._tag === "Available") return [spec]
      notes.push(`${name} not measured: ${spec.reason}${name === "memcached" ? "; no ratios to memcached" : ""}`)
      return []
    })
    if (options.servers !== undefined && servers.length < wanted.length) return yield* Effect.fail(notes.join("; "))
    if (servers.length === 0) return yield* Effect.fail("no server to measure")
    // Over TLS only the built-in generator can drive the servers (Options refuses the others by name).
    // So is the binary protocol (its packets are the built-in generator's alone).
    const binary = options.protocols.includes("binary")
    const chosen = yield* Loadgens.select(options.tls || binary ? "builtin" : options.loadgen, root)
    if (binary) notes.push(`protocols ${options.protocols.join(" and ")}, each server measured with each`)
    if (options.tls) notes.push("over TLS (-Z, a throwaway P-256 certificate) with the built-in load generator")
    if (chosen.note !== undefined) notes.push(chosen.note)
    if (!wanted.includes("memcached")) notes.push("memcached not in --servers: no ratios to memcached")
    const plan: Bench.Plan = {
      options,
      steps: Scenarios.steps(options.scenarios, options.ladder),
      servers: servers.flatMap((spec) => options.protocols.map((protocol) => ({ ...spec, protocol }))),
      loadgen: chosen.loadgen
    }
    const serverWork = Bench.workOf(plan)
    const clientRuns = options.scenarios.includes("clients") ? options.runs * 3 : 0
    const persistence = options.scenarios.includes("persistence")
      ? PersistenceBench.workOf(options)
      : { units: 0, seconds: 0 }
    const work = {
      units: serverWork.units + clientRuns + persistence.units,
      seconds: serverWork.seconds + clientRuns * (options.durationS + 1) + persistence.seconds
    }
    const out = path.resolve(options.out ?? path.join(root, "bench-results", timestamp(date)))

    const progress = yield* Effect.acquireRelease(
      Effect.sync(() => new Progress(work.seconds, work.units)),
      (progress) => Effect.sync(() => progress.close())
    )
    progress.note(
      `effcached bench: ${
        servers.map((s) => s.name).join(", ")
      } with ${chosen.loadgen.name}; ${plan.steps.length} steps, ` +
        `${options.runs} x ${options.durationS} s each; results in ${out}`
    )
    for (const note of notes) progress.note(`note: ${note}`)
    const results = yield* Bench.run(plan, progress)
    const clients = options.scenarios.includes("clients")
      ? yield* Effect.either(ClientBench.runClients(options, root, progress))
      : undefined
    const persisted = options.scenarios.includes("persistence")
      ? yield* Effect.either(PersistenceBench.run(options, root, chosen.loadgen, progress))
      : undefined
    progress.close()

    const report: BenchReport = {
      meta: {
        date: date.toISOString(),
        commit: commitOf(root),
        node: process.version,
        platform: `${os.platform()} ${os.release()}`,
        cpus: os.cpus().length,
        loadgen: chosen.loadgen.name,
        durationS: options.durationS,
        runs: options.runs,
        memoryMb: options.memoryMb,
        verify: options.verify,
        seed: options.seed,
        servers: servers.map((s) => s.name),
        protocols: options.protocols,
        notes
      },
      results
    }
    const files = [
      ...Report.write(out, report),
      ...(clients?._tag === "Right" ? ClientBench.write(out, clients.right, options) : []),
      ...(persisted?._tag === "Right" ? PersistenceBench.write(out, persisted.right, options) : [])
    ]
    const clientTable = clients === undefined
      ? ""
      : clients._tag === "Left"
      ? `clients: failed: ${clients.left.message}\n\n`
      : `Clients (on ${clients.right.server}):\n${ClientBench.table(clients.right)}\n\n`
    const persistenceTable = persisted === undefined
      ? ""
      : persisted._tag === "Left"
      ? `persistence: failed: ${persisted.left.message}\n\n`
      : `Persistence (effcached):\n${PersistenceBench.table(persisted.right)}\n\n`
    process.stdout.write(
      `${Report.table(report)}\n${Report.LEGEND}\n\n${clientTable}${persistenceTable}${
        notes.map((n) => `note: ${n}\n`).join("")
      }Written: ${files.join(", ")}\n`
    )
    const bad = results.filter((row) =>
      row.failure !== undefined || (row.median?.verifyErrors ?? 0) > 0 || (row.median?.errors ?? 0) > 0
    )
    if (clients?._tag === "Left" || (clients?.right.medians ?? []).some((m) => m.errors + m.verifyErrors > 0)) {
      process.stderr.write("bench: errors in the client scenario\n")
      process.exitCode = 1
    }
    if (persisted?._tag === "Left" || (persisted?._tag === "Right" && PersistenceBench.failed(persisted.right))) {
      process.stderr.write("bench: errors in the persistence scenario\n")
      process.exitCode = 1
    }
    if (bad.length > 0) {
      process.stderr.write(
        `bench: errors in ${bad.map((row) => `${row.step} on ${serverLabel(row)}`).join(", ")} (see results.md)\n`
      )
      process.exitCode = 1
    }
  }).pipe(
    Effect.scoped,
    Effect.catchAll((error) =>
      Effect.sync(() => {
        process.stderr.write(`bench: ${typeof error === "string" ? error : error.message}\n`)
        process.exitCode = 1
      })
    )
  )

const parsed = Options.parse(process.argv.slice(2))
switch (parsed._tag) {
  case "Help":
    process.stdout.write(Options.usage() + "\n")
    break
  case "Invalid":
    process.stderr.write(`bench: ${parsed.message}\n`)
    process.exitCode = EX_USAGE
    break
  case "Run":
    NodeRuntime.runMain(program(parsed.options), {
      disablePrettyLogger: true,
      // Ctrl-C: the servers are stopped by then; exit as shells expect of an interrupted command.
      teardown: (exit, onExit) => onExit(Exit.isSuccess(exit) ? 0 : Cause.isInterruptedOnly(exit.cause) ? 130 : 1)
    })
}
