#!/usr/bin/env node
/**
 * `npm run fuzz`: the differential fuzzer. Starts effcached (`-v`, so errors are logged) and memcached
 * 1.6.18 on free loopback ports, sends both the same generated and mutated streams, and reports
 * crashes, hangs, lost sentinels and replies that differ outside the allowlist (src/fuzz/Allowlist.ts).
 *
 *   npm run fuzz                                   20,000 inputs from a random seed (printed)
 *   npm run fuzz -- --seed 7 --seconds 3600        a long run
 *   npm run fuzz -- --seed 7 --replay 1234,99      inputs again, with both servers' full replies
 *   npm run fuzz -- --daemon ../old/dist/main.js   another build of effcached
 *
 * Exits 1 when anything was found, 64 on a bad command line, 69 when memcached is not installed.
 *
 * @module
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import * as Servers from "../bench/Servers.js"
import * as Campaign from "./Campaign.js"
import { generate } from "./Generator.js"
import { describeExchange, describeReport } from "./Report.js"

const EX_USAGE = 64
const EX_UNAVAILABLE = 69

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..")

const usage = `usage: npm run fuzz -- [--seed N] [--inputs N] [--first N] [--seconds S] [--lanes N]
                     [--deadline MS] [--retries N] [--memory MB] [--replay I[,I...]] [--daemon PATH]`

interface Options {
  readonly seed: number
  readonly inputs: number
  readonly first: number
  readonly seconds: number | undefined
  readonly lanes: number
  readonly deadlineMs: number
  readonly retries: number
  readonly memoryMb: number
  readonly replay: ReadonlyArray<number> | undefined
  /** The effcached to test (another build's dist/main.js), instead of this checkout's. */
  readonly daemon: string | undefined
}

const parse = (argv: ReadonlyArray<string>): Options | string => {
  const values = new Map<string, string>()
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i]!
    const value = argv[i + 1]
    if (!flag.startsWith("--") || value === undefined) return `bad argument ${flag}`
    values.set(flag.slice(2), value)
  }
  const known = ["seed", "inputs", "first", "seconds", "lanes", "deadline", "retries", "memory", "replay", "daemon"]
  const unknown = [...values.keys()].find((k) => !known.includes(k))
  if (unknown !== undefined) return `unknown option --${unknown}`
  const int = (name: string, fallback: number, min = 0) => {
    const raw = values.get(name)
    if (raw === undefined) return fallback
    const n = Number(raw)
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number >= ${min}`)
    return n
  }
  try {
    const replay = values.get("replay")?.split(",").map(Number)
    if (replay?.some((n) => !Number.isInteger(n) || n < 0)) return "--replay takes input numbers: 12 or 12,40"
    return {
      seed: int("seed", Math.floor(Math.random() * 2 ** 31)),
      inputs: int("inputs", values.has("seconds") ? Number.MAX_SAFE_INTEGER : 20_000, 1),
      first: int("first", 0),
      seconds: values.has("seconds") ? int("seconds", 0, 1) : undefined,
      lanes: int("lanes", 4, 1),
      deadlineMs: int("deadline", 5000, 100),
      retries: int("retries", 2),
      memoryMb: int("memory", 1024, 64),
      replay,
      daemon: values.get("daemon")
    }
  } catch (e) {
    return (e as Error).message
  }
}

const program = (options: Options) =>
  Effect.gen(function*() {
    const specs = Servers.specs(root)
    const memcachedSpec = specs.memcached
    const daemon = options.daemon
    const effcachedSpec: Servers.ServerSpec = daemon === undefined
      ? specs.effcached
      : {
        _tag: "Available",
        name: "effcached",
        command: process.execPath,
        args: (port, mb) => [daemon, "-p", `${port}`, "-m", `${mb}`]
      }
    if (memcachedSpec._tag === "Missing" || effcachedSpec._tag === "Missing") {
      const missing = memcachedSpec._tag === "Missing" ? memcachedSpec : effcachedSpec
      console.error(`fuzz: ${missing._tag === "Missing" ? missing.reason : ""}`)
      return EX_UNAVAILABLE
    }
    const errors: Array<string> = []
    const effcached = yield* Servers.start(effcachedSpec, options.memoryMb, {
      args: ["-v"],
      onStderr: (text) => errors.push(...text.split("\n").filter((line) => /level=(ERROR|FATAL)/.test(line)))
    })
    const memcached = yield* Servers.start(memcachedSpec, options.memoryMb)
    const ports = { effcachedPort: effcached.port, memcachedPort: memcached.port, deadlineMs: options.deadlineMs }

    if (options.replay !== undefined) {
      let differs = false
      for (const index of options.replay) {
        const input = generate(options.seed, index)
        if (input.exclusive) yield* Campaign.prepare(ports)
        const { effcached: eff, memcached: mem, verdict } = yield* Campaign.runInput(input, ports)
        const said = verdict._tag === "Differs" ? `DIFFERS (${verdict.kind})` : verdict._tag === "Allowed"
          ? `allowed (${verdict.rule})`
          : "same"
        console.log(`input ${index}: ${said}\n${describeExchange(input, eff, mem, Infinity)}`)
        differs ||= verdict._tag === "Differs"
      }
      return differs ? 1 : 0
    }

    console.error(`fuzz: seed ${options.seed}; effcached on ${effcached.port}, memcached on ${memcached.port}`)
    let lastProgress = 0
    const report = yield* Campaign.run({
      ...ports,
      seed: options.seed,
      first: options.first,
      inputs: options.inputs,
      ...(options.seconds === undefined ? {} : { seconds: options.seconds }),
      lanes: options.lanes,
      memoryMb: options.memoryMb,
      retries: options.retries,
      maxFindings: 20,
      sentinelEvery: 500,
      flushEvery: 20_000,
      exited: effcached.exited,
      memcachedExited: memcached.exited,
      restartMemcached: Scope.extend(Servers.start(memcachedSpec, options.memoryMb), yield* Effect.scope),
      errorLog: () => errors.splice(0),
      onProgress: (r) => {
        if (r.ms - lastProgress < 2000) return
        lastProgress = r.ms
        console.error(`fuzz: ${r.inputs} inputs, ${r.findings.length} findings, ${(r.ms / 1000).toFixed(0)} s`)
      }
    })
    console.log(describeReport(report))
    return report.findings.length > 0 ? 1 : 0
  })

const options = parse(process.argv.slice(2))
if (typeof options === "string") {
  console.error(`fuzz: ${options}\n${usage}`)
  process.exit(EX_USAGE)
}
NodeRuntime.runMain(
  Effect.scoped(program(options)).pipe(
    Effect.flatMap((code) => Effect.sync(() => (process.exitCode = code))),
    Effect.catchAll((error) =>
      Effect.sync(() => {
        console.error(`fuzz: ${error.message}`)
        process.exitCode = 1
      })
    )
  ),
  { disableErrorReporting: true }
)
