import { describe, expect, it } from "@effect/vitest"
import * as Mcload from "../../src/bench/Mcload.js"
import * as Memtier from "../../src/bench/Memtier.js"
import { settings, workload } from "./fixtures.js"

// As mcload 1.x prints them (its README's Output section).
const jsonLine =
  `{"protocol":"text","port":22600,"conns":50,"threads":1,"depth":16,"duration_s":5,"ratio":"1:10","keyspace":100000,` +
  `"value_size":100,"mget":1,"prefill":true,"verify":true,"seed":3,"ops/s":99729.4,"gets/s":90686.0,"sets/s":9043.4,` +
  `"hits":453430,"misses":0,"hit_rate":1.0000,"avg_us":500.9,"p50_us":443.4,"p90_us":735.2,"p99_us":1077.2,` +
  `"p999_us":2760.7,"max_us":5705.0,"ops":498647,"errors":0,"verify_errors":2,"conn_errors":0,"proto_errors":0,` +
  `"server_errors":0,"timeouts":0}`

const textOutput = `ops/s 99729.4
gets/s 90686.0
sets/s 9043.4
hits 453430
misses 0
hit_rate 1.0000
avg_us 500.9
p50_us 443.4
p90_us 735.2
p99_us 1077.2
p999_us 2760.7
max_us 5705.0
ops 498647
errors 0
verify_errors 2
conn_errors 0
proto_errors 0
server_errors 0
timeouts 0
`

describe("mcload", () => {
  it("passes the workload as mcload's flags", () => {
    expect(Mcload.argsFor(settings, workload).join(" ")).toBe(
      "-s 127.0.0.1 -p 22600 -c 50 -P 16 -d 5 -r 1:10 -k 100000 -v 100 -m 1 --seed 3 --prefill --verify --json"
    )
    expect(Mcload.argsFor({ ...settings, prefill: false, verify: false }, { ...workload, multiGet: 10 })).not.toContain(
      "--verify"
    )
  })

  it("reads the --json line and the plain output alike, stderr as diagnostics", () => {
    const stderr =
      "mcload: conn 3: verify error on key:17 (expected version 2, 100 bytes): wrong data\nmcload: FAIL: 0 errors\n"
    const fromJson = Mcload.parseOutput(jsonLine + "\n", stderr, settings)
    expect(fromJson).toMatchObject({
      opsPerSec: 99729.4,
      ops: 498647,
      gets: 453430,
      sets: 45217,
      hits: 453430,
      misses: 0,
      p50Us: 443.4,
      p99Us: 1077.2,
      p999Us: 2760.7,
      maxUs: 5705,
      errors: 0,
      verifyErrors: 2
    })
    expect(fromJson?.diagnostics[0]).toMatch(/verify error on key:17/)
    expect(Mcload.parseOutput(textOutput, stderr, settings)).toEqual(fromJson)
  })

  it("reports verify errors as not measured without --verify, and no result without figures", () => {
    expect(Mcload.parseOutput(jsonLine, "", { ...settings, verify: false })?.verifyErrors).toBeNull()
    expect(Mcload.parseOutput("", "mcload: connection 0 to 127.0.0.1:1 failed: Connection refused", settings))
      .toBeUndefined()
    expect(Mcload.parseOutput("{not json", "", settings)).toBeUndefined()
    expect(Mcload.parseOutput("ops/s 12\n", "", settings)).toBeUndefined()
  })
})

describe("memtier_benchmark", () => {
  // The shape of memtier_benchmark's --json-out-file (format version 2), latencies in milliseconds.
  const report = JSON.stringify({
    "ALL STATS": {
      Sets: { Count: 1000, "Ops/sec": 200 },
      Gets: { Count: 10000, "Ops/sec": 2000, "Hits/sec": 1900, "Misses/sec": 100 },
      Totals: {
        Count: 11000,
        "Ops/sec": 2200,
        "Average Latency": 1.25,
        "Max Latency": 13.375,
        "Percentile Latencies": { "p50.00": 1.007, "p99.00": 2.911, "p99.90": 4.351 }
      }
    }
  })

  it("reads the totals of its JSON report", () => {
    expect(Memtier.parseReport(report, 5)).toEqual({
      opsPerSec: 2200,
      ops: 11000,
      gets: 10000,
      sets: 1000,
      hits: 9500,
      misses: 500,
      avgUs: expect.closeTo(1250, 6),
      p50Us: expect.closeTo(1007, 6),
      p99Us: expect.closeTo(2911, 6),
      p999Us: expect.closeTo(4351, 6),
      maxUs: expect.closeTo(13375, 6),
      errors: 0,
      verifyErrors: null,
      diagnostics: []
    })
    expect(Memtier.parseReport("{}", 5)).toBeUndefined()
    expect(Memtier.parseReport("nope", 5)).toBeUndefined()
  })

  it("passes the workload as memtier's flags, on the same key names", () => {
    const args = Memtier.argsFor(settings, { ...workload, multiGet: 10 }, "/tmp/r.json")
    expect(args).toEqual(expect.arrayContaining([
      "--protocol=memcache_text",
      "--clients=50",
      "--pipeline=16",
      "--ratio=1:10",
      "--key-prefix=key:",
      "--key-maximum=99999",
      "--data-size=100",
      "--test-time=5",
      "--multi-key-get=10",
      "--json-out-file=/tmp/r.json"
    ]))
  })
})
