/**
 * The benchmark's command line (`npm run bench -- [options]`). Parsing is pure: it returns what to do
 * and main does it.
 *
 * @module
 */
import { DEFAULT_LADDER, DEFAULT_SCENARIOS, DESCRIPTIONS, SCENARIO_IDS, type ScenarioId } from "./Scenarios.js"
import { SERVER_NAMES, type ServerName } from "./Servers.js"
import type { Protocol } from "./Workload.js"

/** Which load generator drives the servers; auto is effload when it can be built, else the built-in one. */
export const LOADGENS = ["auto", "effload", "builtin", "mcload", "memtier"] as const

/** One of LOADGENS. */
export type LoadgenChoice = (typeof LOADGENS)[number]

/** The benchmark's settings. */
export interface Options {
  readonly loadgen: LoadgenChoice
  readonly scenarios: ReadonlyArray<ScenarioId>
  /** Seconds of each timed run. */
  readonly durationS: number
  /** Runs of each step on each server; the report gives their medians. */
  readonly runs: number
  /** Results folder; undefined: bench-results/<timestamp>/. */
  readonly out: string | undefined
  /** Servers to compare; undefined: effcached, and memcached when installed. */
  readonly servers: ReadonlyArray<ServerName> | undefined
  /** Connection counts of the p1 ladder. */
  readonly ladder: ReadonlyArray<number>
  /** Memory limit given to every server (-m), in megabytes. */
  readonly memoryMb: number
  readonly verify: boolean
  readonly seed: number
  /** Servers started with -Z (a throwaway certificate) and driven over TLS by the built-in generator. */
  readonly tls: boolean
  /** The protocols every server is measured with, each as a row of its own. */
  readonly protocols: ReadonlyArray<Protocol>
}

/** The values of --protocol. */
export const PROTOCOLS: ReadonlyArray<Protocol> = ["text", "binary"]

/** The defaults: every scenario but the opt-in memory10m, 5-second runs, 3 runs each, verification on. */
export const defaults: Options = {
  loadgen: "auto",
  scenarios: DEFAULT_SCENARIOS,
  durationS: 5,
  runs: 3,
  out: undefined,
  servers: undefined,
  ladder: DEFAULT_LADDER,
  memoryMb: 1024,
  verify: true,
  seed: 1,
  tls: false,
  protocols: ["text"]
}

/** What the command line asks for. */
export type Parsed =
  | { readonly _tag: "Run"; readonly options: Options }
  | { readonly _tag: "Help" }
  | { readonly _tag: "Invalid"; readonly message: string }

/** The help text. */
export const usage = (): string =>
  [
    "Usage: npm run bench -- [options]      (or node dist/bench/main.js [options])",
    "",
    "Starts effcached and, when installed, memcached -t 1 on free loopback ports, drives each with the",
    "same load, and writes a table, results.json, results.md and SVG charts to the results folder.",
    "",
    "  --loadgen <name>       auto (default: effload, built with cc; else builtin), effload, builtin, mcload, memtier",
    `  --scenarios <a,b,..>   any of ${SCENARIO_IDS.join(",")} (default: all but memory10m)`,
    "  --duration <seconds>   length of each timed run (default: 5)",
    "  --runs <n>             runs of each step on each server, servers interleaved; medians reported (default: 3)",
    "  --servers <a,b,..>     any of effcached,memcached,nodeceiling (default: effcached,memcached);",
    "                         nodeceiling is the bare node:net server of src/bench/ceiling ($NODECEILING: another)",
    `  --conns <a,b,..>       connection counts of the p1 ladder (default: ${DEFAULT_LADDER.join(",")})`,
    "  --memory <MB>          memory limit of every server, -m (default: 1024)",
    "  --out <dir>            results folder (default: bench-results/<timestamp>/; docs/bench refreshes the committed one)",
    "  --no-verify            do not check the values read",
    "  --protocol <a,b>       text, binary or both (each server measured with each; built-in loadgen for binary)",
    "  --tls                  every server with -Z and a throwaway certificate, driven over TLS (built-in loadgen)",
    "  --seed <n>             random seed of the load (default: 1)",
    "  -h, --help             this text",
    "",
    "Scenarios:",
    ...SCENARIO_IDS.map((id) =>
      `  ${id.padEnd(Math.max(...SCENARIO_IDS.map((other) => other.length)) + 2)}${DESCRIPTIONS[id]}`
    )
  ].join("\n")

class Invalid {
  constructor(readonly message: string) {}
}

const number = (flag: string, raw: string, min: number, max: number): number => {
  const n = Number(raw)
  if (raw.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
    throw new Invalid(`${flag}: expected a number from ${min} to ${max}, got "${raw}"`)
  }
  return n
}

const integer = (flag: string, raw: string, min: number, max: number): number => {
  const n = number(flag, raw, min, max)
  if (!Number.isInteger(n)) throw new Invalid(`${flag}: expected a whole number, got "${raw}"`)
  return n
}

const listOf = <A extends string>(flag: string, raw: string, allowed: ReadonlyArray<A>): ReadonlyArray<A> => {
  const items = raw.split(",").map((item) => item.trim()).filter((item) => item.length > 0)
  const unknown = items.filter((item) => !allowed.includes(item as A))
  if (items.length === 0 || unknown.length > 0) {
    throw new Invalid(`${flag}: expected some of ${allowed.join(",")}, got "${raw}"`)
  }
  return [...new Set(items as Array<A>)]
}

/** Parses the arguments after `--`. */
export const parse = (argv: ReadonlyArray<string>): Parsed => {
  const options: { -readonly [K in keyof Options]: Options[K] } = { ...defaults }
  try {
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i]!
      if (arg === "-h" || arg === "--help") return { _tag: "Help" }
      if (arg === "--no-verify") {
        options.verify = false
        continue
      }
      if (arg === "--tls") {
        options.tls = true
        continue
      }
      const match = /^(--[a-z-]+)(?:=(.*))?$/.exec(arg)
      if (match === null) throw new Invalid(`unexpected argument "${arg}" (see --help)`)
      const flag = match[1]!
      const value = (): string => {
        if (match[2] !== undefined) return match[2]
        const next = argv[++i]
        if (next === undefined) throw new Invalid(`${flag} needs a value`)
        return next
      }
      switch (flag) {
        case "--loadgen": {
          const raw = value()
          if (!LOADGENS.includes(raw as LoadgenChoice)) {
            throw new Invalid(`${flag}: expected one of ${LOADGENS.join(", ")}, got "${raw}"`)
          }
          options.loadgen = raw as LoadgenChoice
          break
        }
        case "--scenarios":
          options.scenarios = listOf(flag, value(), SCENARIO_IDS)
          break
        case "--duration":
          options.durationS = number(flag, value(), 0.1, 3600)
          break
        case "--runs":
          options.runs = integer(flag, value(), 1, 100)
          break
        case "--servers":
          options.servers = listOf(flag, value(), SERVER_NAMES)
          break
        case "--conns":
          options.ladder = value().split(",").map((raw) => integer(flag, raw, 1, 10_000))
          break
        case "--memory":
          options.memoryMb = integer(flag, value(), 64, 1024 * 1024)
          break
        case "--out":
          options.out = value()
          break
        case "--protocol":
          options.protocols = listOf(flag, value(), PROTOCOLS)
          break
        case "--seed":
          options.seed = integer(flag, value(), 0, 2 ** 31)
          break
        default:
          throw new Invalid(`unknown option ${flag} (see --help)`)
      }
    }
  } catch (error) {
    if (error instanceof Invalid) return { _tag: "Invalid", message: error.message }
    throw error
  }
  if (options.tls && (options.loadgen === "mcload" || options.loadgen === "memtier" || options.loadgen === "effload")) {
    return { _tag: "Invalid", message: `--tls: only the built-in load generator speaks TLS, not ${options.loadgen}` }
  }
  if (
    options.protocols.includes("binary") &&
    (options.loadgen === "mcload" || options.loadgen === "memtier" || options.loadgen === "effload")
  ) {
    return {
      _tag: "Invalid",
      message: `--protocol binary: only the built-in load generator speaks it, not ${options.loadgen}`
    }
  }
  if (options.tls && options.servers?.includes("nodeceiling") === true) {
    return { _tag: "Invalid", message: "--tls: nodeceiling has no TLS" }
  }
  return { _tag: "Run", options }
}
