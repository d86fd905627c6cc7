import { describe, expect, it } from "vitest"
import { render } from "../../src/metrics/Exposition.js"
import { memcachedFamilies, type StatLines } from "../../src/metrics/MemcachedFamilies.js"
import { hasPrometheusParser, parsePrometheus, sampleValue } from "../support/prometheus.js"

const general: StatLines = [
  ["pid", "42"],
  ["uptime", "120"],
  ["time", "1700000000"],
  ["version", "1.6.18"],
  ["rusage_user", "1.250000"],
  ["rusage_system", "0.000500"],
  ["curr_connections", "3"],
  ["total_connections", "9"],
  ["cmd_get", "20"],
  ["cmd_set", "10"],
  ["cmd_flush", "1"],
  ["get_hits", "15"],
  ["get_misses", "5"],
  ["delete_hits", "2"],
  ["delete_misses", "1"],
  ["incr_hits", "0"],
  ["incr_misses", "0"],
  ["decr_hits", "0"],
  ["decr_misses", "0"],
  ["cas_misses", "1"],
  ["cas_hits", "2"],
  ["cas_badval", "1"],
  ["touch_hits", "0"],
  ["touch_misses", "4"],
  ["bytes", "1000"],
  ["curr_items", "7"],
  ["limit_maxbytes", "67108864"]
]

const groups = {
  general,
  settings: [["maxconns", "1024"], ["tcpport", "11211"], ["lru_crawler", "yes"], ["lru_crawler_sleep", "100"], [
    "lru_maintainer_thread",
    "yes"
  ], ["hot_max_factor", "0.20"]] as StatLines,
  items: [
    ["items:1:number", "5"],
    ["items:1:age", "30"],
    ["items:1:mem_requested", "400"],
    [
      "items:12:number",
      "2"
    ],
    ["items:12:evicted", "3"],
    ["items:1:number_hot", "0"]
  ] as StatLines,
  slabs: [
    ["1:chunk_size", "96"],
    ["1:total_pages", "1"],
    ["1:used_chunks", "5"],
    ["1:get_hits", "10"],
    ["1:cmd_set", "5"],
    ["1:cas_hits", "1"],
    ["1:cas_badval", "1"],
    ["active_slabs", "1"],
    ["total_malloced", "1048576"]
  ] as StatLines
}

const byName = (name: string) => memcachedFamilies(groups).find((f) => f.name === name)

describe("memcachedFamilies", () => {
  it("derives memcached_commands_total as memcached_exporter does: cas taken out of cmd_set", () => {
    const commands = byName("memcached_commands_total")!
    const value = (command: string, status: string) =>
      commands.samples.find((s) => s.labels?.["command"] === command && s.labels["status"] === status)?.value
    expect(value("get", "hit")).toBe(15)
    expect(value("get", "miss")).toBe(5)
    expect(value("touch", "miss")).toBe(4)
    expect(value("cas", "badval")).toBe(1)
    expect(value("flush", "hit")).toBe(1)
    expect(value("set", "hit")).toBe(10 - (1 + 2 + 1))
    expect(commands.samples).toHaveLength(6 * 2 + 3)
  })

  it("maps stats one to one, CPU times from memcached's seconds.micros", () => {
    expect(byName("memcached_current_items")!.samples).toEqual([{ value: 7 }])
    expect(byName("memcached_process_user_cpu_seconds_total")!.samples).toEqual([{ value: 1.25 }])
    expect(byName("memcached_process_system_cpu_seconds_total")!.samples).toEqual([{ value: 0.0005 }])
    expect(byName("memcached_max_connections")!.samples).toEqual([{ value: 1024 }])
    expect(byName("memcached_malloced_bytes")!.samples).toEqual([{ value: 1048576 }])
    expect(byName("memcached_version")!.samples).toEqual([{ labels: { version: "1.6.18" }, value: 1 }])
    // A statistic the lines do not hold is not exported at all.
    expect(byName("memcached_items_evicted_total")).toBeUndefined()
  })

  it("exports the LRU crawler's settings when the crawler is on, yes and no as 1 and 0", () => {
    expect(byName("memcached_lru_crawler_enabled")!.samples).toEqual([{ value: 1 }])
    expect(byName("memcached_lru_crawler_sleep")!.samples).toEqual([{ value: 100 }])
    expect(byName("memcached_lru_crawler_maintainer_thread")!.samples).toEqual([{ value: 1 }])
    expect(byName("memcached_lru_crawler_hot_max_factor")!.samples).toEqual([{ value: 0.2 }])
    const off = memcachedFamilies({ ...groups, settings: [["lru_crawler", "no"], ["lru_crawler_sleep", "100"]] })
    expect(
      off.find((f) => f.name.startsWith("memcached_lru_crawler_") && f.name !== "memcached_lru_crawler_reclaimed_total")
    )
      .toBeUndefined()
  })

  it("exports per-slab families with a slab label, and per-slab commands with cas taken out of cmd_set", () => {
    expect(byName("memcached_slab_current_items")!.samples).toEqual([
      { labels: { slab: "1" }, value: 5 },
      { labels: { slab: "12" }, value: 2 }
    ])
    expect(byName("memcached_slab_items_evicted_total")!.samples).toEqual([{ labels: { slab: "12" }, value: 3 }])
    expect(byName("memcached_slab_chunk_size_bytes")!.samples).toEqual([{ labels: { slab: "1" }, value: 96 }])
    const set = byName("memcached_slab_commands_total")!.samples.find((s) => s.labels?.["command"] === "set")
    expect(set).toEqual({ labels: { slab: "1", command: "set", status: "hit" }, value: 3 })
    // Modelled numbers (slab pages) and idle ones (segmented-LRU counts) are not exported.
    expect(byName("memcached_slab_current_pages")).toBeUndefined()
    expect(byName("memcached_slab_hot_items")).toBeUndefined()
  })

  it.runIf(hasPrometheusParser())("renders text the Python parser reads with the exporter's types", () => {
    const families = parsePrometheus(render(memcachedFamilies(groups)))
    const types = new Map(families.map((f) => [f.name, f.type]))
    expect(types.get("memcached_commands")).toBe("counter")
    expect(types.get("memcached_current_bytes")).toBe("gauge")
    expect(types.get("memcached_slab_mem_requested_bytes")).toBe("counter")
    expect([...types.values()]).not.toContain("untyped")
    expect(sampleValue(families, "memcached_commands_total", { command: "set", status: "hit" })).toBe(6)
    expect(sampleValue(families, "memcached_slab_mem_requested_bytes_total", { slab: "1" })).toBe(400)
  })
})
