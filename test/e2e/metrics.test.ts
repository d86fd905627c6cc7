/**
 * The metrics endpoint of the daemon (`--metrics-port`): after a known workload, /metrics parsed
 * with Prometheus's Python parser agrees with `stats`, `stats items` and `stats slabs`; other paths
 * are 404; without the flag the daemon listens on nothing but its cache port.
 */
import { spawnSync } from "node:child_process"
import { readdirSync, readFileSync, readlinkSync } from "node:fs"
import * as net from "node:net"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { runProgram, systemPython } from "../support/processes.js"
import { hasPrometheusParser, type ParsedFamily, parsePrometheus, sampleValue } from "../support/prometheus.js"
import { freePort, startEffcached, useServer } from "../support/servers.js"
import { Connection } from "../support/wire.js"

/** The TCP ports process `pid` listens on, from /proc (its socket inodes in /proc/net/tcp and tcp6). */
const listeningPorts = (pid: number): Array<number> => {
  const inodes = new Set<string>()
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))
      if (match) inodes.add(match[1]!)
    } catch {
      // Closed meanwhile.
    }
  }
  const ports: Array<number> = []
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/)
      // local_address is fields[1] (addr:port in hex), st is fields[3] (0A: LISTEN), inode is fields[9].
      if (fields[3] === "0A" && inodes.has(fields[9]!)) ports.push(parseInt(fields[1]!.split(":")[1]!, 16))
    }
  }
  return ports.sort((a, b) => a - b)
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..")

/** deploy/prometheus/alerts.yml, as PyYAML reads it. */
interface AlertFile {
  readonly groups: ReadonlyArray<{
    readonly rules: ReadonlyArray<{
      readonly alert: string
      readonly expr: string
      readonly labels?: { readonly severity?: string }
      readonly annotations?: { readonly summary?: string }
    }>
  }>
}

/** `stats <group>` lines, by name. */
const stats = async (connection: Connection, group = ""): Promise<Map<string, string>> => {
  const reply = await connection.request(`stats${group === "" ? "" : ` ${group}`}\r\n`)
  return new Map([...reply.matchAll(/^STAT (\S+) (.*)\r$/gm)].map((m) => [m[1]!, m[2]!]))
}

const scrape = async (port: number, path = "/metrics") => {
  const response = await fetch(`http://127.0.0.1:${port}${path}`)
  return { status: response.status, type: response.headers.get("content-type"), text: await response.text() }
}

/** The workload: what each command adds to the counters (see the expectations below). */
const workload = [
  "set m:a 0 0 1\r\n1\r\n",
  "set m:b 0 100 3\r\nbbb\r\n",
  `set m:big 0 0 3000\r\n${"x".repeat(3000)}\r\n`,
  `set m:c 0 0 500\r\n${"c".repeat(500)}\r\n`,
  "get m:a m:b m:none\r\n",
  "gets m:a\r\n",
  "delete m:none\r\n",
  "delete m:big\r\n",
  "incr m:a 1\r\n",
  "set m:n 0 0 1\r\n5\r\n",
  "incr m:n 2\r\n",
  "decr m:none 1\r\n",
  "cas m:a 0 0 1 999999\r\nz\r\n",
  "cas m:none 0 0 1 1\r\nz\r\n",
  "touch m:b 50\r\n",
  "touch m:none 50\r\n",
  "add m:a 0 0 1\r\nq\r\n"
]

describe.runIf(hasPrometheusParser())("the metrics endpoint", () => {
  let metricsPort = 0
  const server = useServer(async () => {
    metricsPort = await freePort()
    return startEffcached(["--metrics-port", String(metricsPort)])
  })

  it("after a known workload, agrees with stats, stats items and stats slabs", async () => {
    const connection = await Connection.open(server.port)
    let families: Array<ParsedFamily>
    let before: Map<string, string>
    let after: Map<string, string>
    let items: Map<string, string>
    let slabs: Map<string, string>
    try {
      for (const request of workload) await connection.request(request)
      before = await stats(connection)
      items = await stats(connection, "items")
      slabs = await stats(connection, "slabs")
      const scraped = await scrape(metricsPort)
      expect(scraped.status).toBe(200)
      expect(scraped.type).toBe("text/plain; version=0.0.4; charset=utf-8")
      families = parsePrometheus(scraped.text)
      after = await stats(connection)
    } finally {
      connection.close()
    }
    // The parser names a counter's samples with _total, added when the exporter's name has none.
    const value = (name: string, labels: Record<string, string> = {}) =>
      sampleValue(families, name, labels) ?? sampleValue(families, `${name}_total`, labels)
    const command = (command: string, status: string) => value("memcached_commands_total", { command, status })

    // The workload's own counts, derived as memcached_exporter derives them.
    expect(command("get", "hit")).toBe(3)
    expect(command("get", "miss")).toBe(1)
    expect(command("delete", "hit")).toBe(1)
    expect(command("delete", "miss")).toBe(1)
    expect(command("incr", "hit")).toBe(2)
    expect(command("decr", "miss")).toBe(1)
    expect(command("cas", "badval")).toBe(1)
    expect(command("cas", "miss")).toBe(1)
    expect(command("touch", "hit")).toBe(1)
    expect(command("touch", "miss")).toBe(1)
    // cmd_set counts set, add and cas (8); the exporter takes the 2 cas out.
    expect(Number(before.get("cmd_set"))).toBe(8)
    expect(command("set", "hit")).toBe(6)
    expect(value("memcached_current_items")).toBe(4)
    expect(value("memcached_version", { version: "1.6.18" })).toBe(1)
    expect(value("memcached_up")).toBe(1)

    // Every one-to-one statistic lies between the stats taken before and after the scrape.
    const mapped: Record<string, string> = {
      uptime: "memcached_uptime_seconds",
      time: "memcached_time_seconds",
      bytes_read: "memcached_read_bytes_total",
      bytes_written: "memcached_written_bytes_total",
      curr_connections: "memcached_current_connections",
      total_connections: "memcached_connections_total",
      rejected_connections: "memcached_connections_rejected_total",
      conn_yields: "memcached_connections_yielded_total",
      bytes: "memcached_current_bytes",
      limit_maxbytes: "memcached_limit_bytes",
      curr_items: "memcached_current_items",
      total_items: "memcached_items_total",
      evictions: "memcached_items_evicted_total",
      reclaimed: "memcached_items_reclaimed_total",
      store_too_large: "memcached_item_too_large_total",
      store_no_memory: "memcached_item_no_memory_total",
      accepting_conns: "memcached_accepting_connections"
    }
    for (const [stat, metric] of Object.entries(mapped)) {
      const v = value(metric)
      expect(v, metric).toBeGreaterThanOrEqual(Number(before.get(stat)))
      expect(v, metric).toBeLessThanOrEqual(Number(after.get(stat)))
    }
    const cpu = value("memcached_process_user_cpu_seconds_total")!
    expect(cpu).toBeGreaterThanOrEqual(Number(before.get("rusage_user")))
    expect(cpu).toBeLessThanOrEqual(Number(after.get("rusage_user")))

    // Per slab: the classes and counts of stats items and stats slabs.
    const classes = [...items.keys()].flatMap((k) => /^items:(\d+):number$/.exec(k)?.[1] ?? [])
    expect(classes.length).toBeGreaterThanOrEqual(2)
    let total = 0
    for (const slab of classes) {
      const number = Number(items.get(`items:${slab}:number`))
      total += number
      expect(value("memcached_slab_current_items", { slab })).toBe(number)
      expect(value("memcached_slab_mem_requested_bytes", { slab })).toBe(
        Number(items.get(`items:${slab}:mem_requested`))
      )
      expect(value("memcached_slab_chunk_size_bytes", { slab })).toBe(Number(slabs.get(`${slab}:chunk_size`)))
      expect(value("memcached_slab_commands_total", { slab, command: "get", status: "hit" })).toBe(
        Number(slabs.get(`${slab}:get_hits`))
      )
    }
    expect(total).toBe(4)
    expect(value("memcached_malloced_bytes")).toBe(Number(slabs.get("total_malloced")))

    // The partitions: four by default, each with a mailbox and drains that served the workload.
    expect(value("effcached_partitions")).toBe(4)
    for (let p = 0; p < 4; p++) {
      const partition = String(p)
      expect(value("effcached_partition_mailbox_depth", { partition })).toBeGreaterThanOrEqual(0)
      const drains = value("effcached_partition_batch_messages_count", { partition })!
      expect(drains).toBeGreaterThan(0)
      expect(value("effcached_partition_batch_messages_sum", { partition })).toBeGreaterThanOrEqual(drains)
    }

    // Every family is typed, and the runtime's are there.
    expect(families.filter((f) => f.type === "untyped").map((f) => f.name)).toEqual([])
    expect(value("effcached_event_loop_delay_seconds_count")).toBeGreaterThan(0)
    expect(value("process_resident_memory_bytes")).toBeGreaterThan(0)
    expect(families.find((f) => f.name === "effcached_gc_duration_seconds")?.type).toBe("histogram")
  })

  it("serves every metric the example alerts (deploy/prometheus/alerts.yml) use", async () => {
    const read = spawnSync(systemPython, [
      "-c",
      "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))",
      path.join(root, "deploy/prometheus/alerts.yml")
    ], { encoding: "utf8" })
    expect(read.status, read.stderr).toBe(0)
    const rules = (JSON.parse(read.stdout) as AlertFile).groups.flatMap((group) => group.rules)
    expect(rules.length).toBeGreaterThanOrEqual(10)
    const families = parsePrometheus((await scrape(metricsPort)).text)
    // The parser names a counter's family without _total and a histogram's without its suffixes.
    const served = new Set(families.flatMap((f) => [f.name, `${f.name}_total`, `${f.name}_sum`, `${f.name}_count`]))
    for (const rule of rules) {
      expect(rule.labels?.severity, rule.alert).toBeDefined()
      expect(rule.annotations?.summary, rule.alert).toBeDefined()
      for (const [name] of rule.expr.matchAll(/\b(?:memcached|effcached|process)_[a-z_]+/g)) {
        expect(served.has(name), `${rule.alert}: ${name}`).toBe(true)
      }
    }
  })

  it("answers 404 for any other path, and the daemon listens on its two ports only", async () => {
    expect((await scrape(metricsPort, "/")).status).toBe(404)
    expect((await scrape(metricsPort, "/metrics/extra")).status).toBe(404)
    if (process.platform === "linux") {
      expect(listeningPorts(server.process.pid!)).toEqual([server.port, metricsPort].sort((a, b) => a - b))
    }
  })
})

describe("without --metrics-port", () => {
  const server = useServer(() => startEffcached())

  it.runIf(process.platform === "linux")("listens on the cache port only", () => {
    expect(listeningPorts(server.process.pid!)).toEqual([server.port])
  })
})

describe("a metrics port that cannot be listened on", () => {
  it("exits 71 with one message, as for the cache port", async () => {
    const taken = net.createServer()
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve))
    const { port } = taken.address() as net.AddressInfo
    try {
      const daemon = path.join(root, "dist/main.js")
      const args = [daemon, "-p", String(await freePort()), "--metrics-port", String(port)]
      const outcome = await runProgram(process.execPath, args, { timeoutMs: 10_000 })
      expect(outcome.code, outcome.stderr).toBe(71)
      expect(outcome.stderr).toMatch(new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`))
    } finally {
      taken.close()
    }
  })
})
