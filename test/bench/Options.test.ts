import { describe, expect, it } from "@effect/vitest"
import * as Options from "../../src/bench/Options.js"
import * as Scenarios from "../../src/bench/Scenarios.js"

const optionsOf = (argv: Array<string>) => {
  const parsed = Options.parse(argv)
  if (parsed._tag !== "Run") throw new Error(`expected Run, got ${JSON.stringify(parsed)}`)
  return parsed.options
}

describe("Options", () => {
  it("defaults to every scenario but memory10m, auto load generator, 3 runs of 5 s, verification on", () => {
    expect(optionsOf([])).toEqual(Options.defaults)
    expect(Options.defaults.scenarios).toEqual(Scenarios.SCENARIO_IDS.filter((id) => id !== "memory10m"))
    expect(Options.defaults).toMatchObject({
      loadgen: "auto",
      durationS: 5,
      runs: 3,
      verify: true,
      memoryMb: 1024
    })
  })

  it("reads every flag, as --flag value or --flag=value", () => {
    expect(
      optionsOf([
        "--loadgen",
        "builtin",
        "--scenarios=p1,memory",
        "--duration",
        "2.5",
        "--runs=1",
        "--servers",
        "effcached,nodeceiling",
        "--conns",
        "10,20",
        "--memory",
        "256",
        "--out",
        "docs/bench",
        "--no-verify",
        "--seed",
        "7",
        "--protocol=binary,text"
      ])
    ).toEqual({
      loadgen: "builtin",
      scenarios: ["p1", "memory"],
      durationS: 2.5,
      runs: 1,
      servers: ["effcached", "nodeceiling"],
      ladder: [10, 20],
      memoryMb: 256,
      out: "docs/bench",
      verify: false,
      seed: 7,
      tls: false,
      protocols: ["binary", "text"]
    })
  })

  it("--protocol measures each server with each protocol; binary only with the built-in generator", () => {
    expect(Options.parse([])).toMatchObject({ _tag: "Run", options: { protocols: ["text"] } })
    expect(Options.parse(["--protocol", "binary"])).toMatchObject({ _tag: "Run", options: { protocols: ["binary"] } })
    expect(Options.parse(["--protocol", "ascii"])).toMatchObject({ _tag: "Invalid" })
    expect(Options.parse(["--protocol", "binary", "--loadgen", "mcload"])).toMatchObject({
      _tag: "Invalid",
      message: expect.stringContaining("built-in")
    })
  })

  it("--tls drives every server over TLS with the built-in generator, and refuses what cannot speak TLS", () => {
    expect(Options.parse([])).toMatchObject({ _tag: "Run", options: { tls: false } })
    expect(Options.parse(["--tls", "--scenarios", "p16"])).toMatchObject({
      _tag: "Run",
      options: { tls: true, scenarios: ["p16"] }
    })
    for (const loadgen of ["mcload", "effload", "memtier"]) {
      expect(Options.parse(["--tls", "--loadgen", loadgen])).toMatchObject({
        _tag: "Invalid",
        message: expect.stringContaining("built-in")
      })
    }
    expect(Options.parse(["--tls", "--servers", "effcached,nodeceiling"])).toMatchObject({ _tag: "Invalid" })
  })

  it("refuses unknown flags and values with a message naming the flag", () => {
    for (
      const [argv, pattern] of [
        [["--loadgen", "wrk"], /--loadgen: expected one of auto, effload, builtin, mcload, memtier/],
        [["--scenarios", "p1,p99"], /--scenarios: expected some of/],
        [["--duration", "0"], /--duration/],
        [["--runs", "1.5"], /--runs: expected a whole number/],
        [["--servers", "redis"], /--servers/],
        [["--conns", "10,x"], /--conns/],
        [["--runs"], /--runs needs a value/],
        [["--bogus"], /unknown option --bogus/],
        [["p1"], /unexpected argument "p1"/]
      ] as const
    ) {
      const parsed = Options.parse(argv)
      expect(parsed._tag).toBe("Invalid")
      expect(parsed._tag === "Invalid" && parsed.message).toMatch(pattern)
    }
    expect(Options.parse(["--help"])).toEqual({ _tag: "Help" })
    expect(Options.usage()).toContain("--loadgen")
  })

  it("takes effload by name, and the opt-in scenarios setonly16 and memory10m", () => {
    expect(optionsOf(["--loadgen", "effload", "--scenarios", "setonly16,memory10m"])).toMatchObject({
      loadgen: "effload",
      scenarios: ["setonly16", "memory10m"]
    })
    expect(Options.usage()).toMatch(/memory10m .*opt-in/)
    expect(Options.usage()).toContain("$NODECEILING")
  })
})

describe("Scenarios", () => {
  it("runs the chosen scenarios in their fixed order, the p1 ladder one step per connection count", () => {
    const steps = Scenarios.steps(["memory", "p1", "p16"], [50, 100])
    expect(steps.map((s) => s.label)).toEqual(["p1 c50", "p1 c100", "p16", "memory"])
    expect(steps.map((s) => s.workload.conns)).toEqual([50, 100, 50, 50])
    expect(steps[2]!.workload).toMatchObject({ depth: 16, setWeight: 1, getWeight: 10, valueSize: 100, keys: 100_000 })
    expect(steps[3]).toMatchObject({ kind: "memory", workload: { keys: 1_000_000, valueSize: 100 } })
  })

  it("has the default shapes: 50..400 ladder, multi-get of 10, 100 KB values, set-only", () => {
    const steps = Scenarios.steps(Scenarios.SCENARIO_IDS)
    expect(steps.filter((s) => s.scenario === "p1").map((s) => s.workload.conns)).toEqual([
      50,
      100,
      150,
      200,
      250,
      300,
      350,
      400
    ])
    const by = (label: string) => steps.find((s) => s.label === label)!.workload
    expect(by("mget10").multiGet).toBe(10)
    expect(by("v100k").valueSize).toBe(102_400)
    expect(by("setonly")).toMatchObject({ setWeight: 1, getWeight: 0, depth: 1 })
    expect(by("setonly16")).toMatchObject({ setWeight: 1, getWeight: 0, depth: 16, conns: 50, valueSize: 100 })
    expect(steps.every((s) => s.kind === "memory" || s.workload.depth >= 1)).toBe(true)
  })

  it("fills 10,000,000 items in memory10m, on servers given room for all of them", () => {
    const [step] = Scenarios.steps(["memory10m"])
    expect(step).toMatchObject({ kind: "memory", workload: { keys: 10_000_000, valueSize: 100 } })
    expect(step!.memoryMb).toBeGreaterThanOrEqual(4096)
    expect(Scenarios.steps(["memory"])[0]!.memoryMb).toBeUndefined()
  })
})
