/**
 * The container image and the compose example, tested without a container engine (none runs where
 * the tests run): the Dockerfile's promises read from the file itself, its entrypoint run as the image
 * runs it (with the image's ENV, `effcached` on PATH), its HEALTHCHECK command against the daemon, and
 * docker-compose.yml's pool started as local processes behind deploy/twemproxy's nutcracker.yml.
 */
import { spawnSync } from "node:child_process"
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Entry, getAll, setAll } from "../support/bulk.js"
import { nutcrackerPath, type RunningProxy, startNutcrackerConfig } from "../support/nutcracker.js"
import { runProgram, systemPython } from "../support/processes.js"
import { hasPrometheusParser, parsePrometheus, sampleValue } from "../support/prometheus.js"
import { freePort, requireTool, type RunningServer, startProcess } from "../support/servers.js"
import { Connection } from "../support/wire.js"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..")
const entrypoint = path.join(root, "deploy/docker-entrypoint.sh")

/** One Dockerfile instruction, continuation lines joined. */
interface Instruction {
  readonly keyword: string
  readonly args: string
}

const dockerfile: ReadonlyArray<Instruction> = readFileSync(path.join(root, "Dockerfile"), "utf8")
  .replace(/\\\n/g, " ")
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line !== "" && !line.startsWith("#"))
  .map((line) => {
    const [, keyword, args] = /^(\S+)\s*(.*)$/.exec(line)!
    return { keyword: keyword!.toUpperCase(), args: args! }
  })

const lastFrom = dockerfile.map((i) => i.keyword).lastIndexOf("FROM")
/** The runtime stage's instructions: what the image is. */
const runtime = dockerfile.slice(lastFrom)
const one = (keyword: string): string => {
  const found = runtime.filter((i) => i.keyword === keyword)
  expect(found, `one ${keyword} in the runtime stage`).toHaveLength(1)
  return found[0]!.args
}

/** The runtime stage's ENV, as the container's environment has it. */
const imageEnv: Record<string, string> = Object.fromEntries(
  runtime.filter((i) => i.keyword === "ENV").flatMap((i) =>
    i.args.split(/\s+/).map((pair) => {
      const eq = pair.indexOf("=")
      return [pair.slice(0, eq), pair.slice(eq + 1)] as const
    })
  )
)

/** `effcached` on PATH as the image has it (a link to dist/main.js), run by this test's node. */
const binDir = mkdtempSync(path.join(tmpdir(), "effcached-image-bin-"))
writeFileSync(
  path.join(binDir, "effcached"),
  `#!/bin/sh\nexec "${process.execPath}" "${path.join(root, "dist/main.js")}" "$@"\n`,
  { mode: 0o755 }
)
afterAll(() => rmSync(binDir, { recursive: true, force: true }))

/** The container's environment: this one without EFFCACHED_* settings, the image's ENV, and `extra`. */
const containerEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("EFFCACHED_")))
  return { ...base, ...imageEnv, ...extra, PATH: `${binDir}:${process.env["PATH"]}` }
}

/** Runs the entrypoint as `docker run effcached <args>` does, until it listens on `port`. */
const runImage = (args: ReadonlyArray<string>, port: number, env: Record<string, string> = {}) =>
  startProcess("sh", [entrypoint, ...args], port, containerEnv(env))

/** The `stats settings` of the server on `port`, by name. */
const statsSettings = async (port: number): Promise<Map<string, string>> => {
  const connection = await Connection.open(port)
  try {
    const reply = await connection.request("stats settings\r\n")
    return new Map([...reply.matchAll(/^STAT (\S+) (.*)\r$/gm)].map((m) => [m[1]!, m[2]!]))
  } finally {
    connection.close()
  }
}

/** The image's HEALTHCHECK command, with /app (the image's working directory) mapped to this clone. */
const healthcheck = (pid: number) => {
  const command = JSON.parse(one("HEALTHCHECK").replace(/^.*?CMD\s+/, "")) as Array<string>
  const [program, ...args] = command.map((arg) => arg.replace(/^\/app\//, `${root}/`))
  return runProgram(program === "node" ? process.execPath : program!, [...args, "--pid", String(pid)], {
    timeoutMs: 10_000
  })
}

describe("the Dockerfile", () => {
  it("builds in stages on a Node LTS base and runs as a non-root user, exposing 11211", () => {
    expect(dockerfile.filter((i) => i.keyword === "FROM").length).toBeGreaterThanOrEqual(2)
    const nodeVersion = /^NODE_VERSION=(\d+)$/.exec(dockerfile.find((i) => i.keyword === "ARG")!.args)
    expect(Number(nodeVersion![1]) % 2, "Node LTS lines are even").toBe(0)
    expect(runtime[0]!.args).toMatch(/^node:\$\{NODE_VERSION\}-/)
    expect(one("USER")).not.toMatch(/^(root|0)$/)
    expect(one("EXPOSE").split(/\s+/)).toContain("11211")
    expect(JSON.parse(one("ENTRYPOINT"))).toEqual(["docker-entrypoint.sh"])
    expect(imageEnv["EFFCACHED_LISTEN"], "listens on every interface of the container").toBe("0.0.0.0")
  })

  it("copies only files that exist and that .dockerignore lets through", () => {
    const ignored = readFileSync(path.join(root, ".dockerignore"), "utf8").split("\n").filter((l) =>
      l !== "" && !l.startsWith("#")
    )
    const sources = dockerfile.filter((i) => i.keyword === "COPY" && !i.args.startsWith("--from"))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1))
    expect(sources.length).toBeGreaterThan(0)
    for (const source of sources) {
      expect(existsSync(path.join(root, source)), source).toBe(true)
      expect(ignored.filter((pattern) => source === pattern || source.startsWith(`${pattern}/`)), source).toEqual([])
    }
    accessSync(entrypoint, constants.X_OK)
  })
})

describe("the image's entrypoint and health check", () => {
  it("passes flags to effcached, which listens on all interfaces; the health check follows the flags", async () => {
    const port = await freePort()
    const server = await runImage(["-p", String(port), "-m", "32"], port)
    try {
      const settings = await statsSettings(port)
      expect(settings.get("inter")).toBe("0.0.0.0")
      expect(settings.get("tcpport")).toBe(String(port))
      expect(settings.get("maxbytes")).toBe(String(32 * 1024 * 1024))
      const healthy = await healthcheck(server.process.pid!)
      expect(healthy.stdout).toBe(`healthy: 127.0.0.1:${port}\n`)
      expect(healthy.code).toBe(0)
    } finally {
      expect(await server.stop()).toBe(0)
    }
    const unhealthy = await healthcheck(server.process.pid!)
    expect(unhealthy.code).toBe(1)
    expect(unhealthy.stdout).toMatch(/^unhealthy: /)
  })

  it("runs the image's CMD with settings from the environment, and takes `memcached ...` as effcached", async () => {
    const cmd = JSON.parse(one("CMD")) as Array<string>
    expect(cmd).toEqual(["effcached"])
    const port = await freePort()
    const fromEnv = await runImage(cmd, port, { EFFCACHED_PORT: String(port), EFFCACHED_CONN_LIMIT: "77" })
    try {
      const healthy = await healthcheck(fromEnv.process.pid!)
      expect(healthy.stdout).toBe(`healthy: 127.0.0.1:${port}\n`)
      expect((await statsSettings(port)).get("maxconns")).toBe("77")
    } finally {
      await fromEnv.stop()
    }
    const memcachedPort = await freePort()
    const habit = await runImage(["memcached", "-p", String(memcachedPort), "-U", "0", "-c", "99"], memcachedPort)
    try {
      const settings = await statsSettings(memcachedPort)
      // `partitions` is effcached's own setting: memcached has none.
      expect(settings.get("partitions")).toBe("4")
      expect(settings.get("maxconns")).toBe("99")
    } finally {
      await habit.stop()
    }
  })

  it("runs any other command as given, and exits 64 on a bad flag as the daemon does", async () => {
    const env = containerEnv()
    const version = await runProgram("sh", [entrypoint, "--version"], { timeoutMs: 10_000, env })
    expect(version.stdout).toMatch(/^effcached \d+\.\d+\.\d+ \(memcached 1\.6\.18 protocol\)\n$/)
    const other = await runProgram("sh", [entrypoint, "echo", "hello", "-p"], { timeoutMs: 10_000, env })
    expect(other.stdout).toBe("hello -p\n")
    const bad = await runProgram("sh", [entrypoint, "-m", "lots"], { timeoutMs: 10_000, env })
    expect(bad.code).toBe(64)
    expect(bad.stderr).toMatch(/invalid -m\/--memory-limit "lots"/)
  })
})

/** docker-compose.yml, read with Debian's PyYAML. */
interface Compose {
  readonly services: Record<string, {
    readonly build?: string
    readonly command?: ReadonlyArray<string>
    readonly environment?: Record<string, string>
  }>
}

const hasYaml = spawnSync(systemPython, ["-c", "import yaml"], { stdio: "ignore" }).status === 0

describe.runIf(
  requireTool("nutcracker (twemproxy)", nutcrackerPath !== undefined) &&
    requireTool(`PyYAML (python3-yaml for ${systemPython})`, hasYaml) && hasPrometheusParser()
)("docker-compose.yml's pool, as local processes", () => {
  const instances: Array<RunningServer> = []
  const ports = new Map<string, number>()
  const metricsPorts: Array<number> = []
  let proxy: RunningProxy | undefined
  let proxyPort = 0

  beforeAll(async () => {
    const read = spawnSync(systemPython, [
      "-c",
      "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))",
      path.join(root, "docker-compose.yml")
    ], { encoding: "utf8" })
    const compose = JSON.parse(read.stdout) as Compose
    const caches = Object.entries(compose.services).filter(([, service]) => service.build === ".")
    expect(caches.map(([name]) => name)).toEqual(["cache-1", "cache-2", "cache-3"])
    for (const [name, service] of caches) {
      // Each container has its own address; here each instance gets its own ports instead.
      const port = await freePort()
      const metricsPort = await freePort()
      const args = [...service.command ?? [], "-p", String(port), "--metrics-port", String(metricsPort)]
      instances.push(await runImage(args, port, service.environment ?? {}))
      ports.set(name, port)
      metricsPorts.push(metricsPort)
    }
    proxyPort = await freePort()
    let config = readFileSync(path.join(root, "deploy/twemproxy/nutcracker.yml"), "utf8")
      .replace(/listen: 0\.0\.0\.0:22121/, `listen: 127.0.0.1:${proxyPort}`)
      // The test checks where keys go, not latency: a loaded test machine can take longer than 400 ms.
      .replace(/timeout: 400\b/, "timeout: 10000")
    for (const [name, port] of ports) config = config.replace(`${name}:11211:`, `127.0.0.1:${port}:`)
    expect(config).not.toMatch(/cache-\d:11211/)
    proxy = await startNutcrackerConfig(config, proxyPort)
  }, 60_000)

  afterAll(async () => {
    await proxy?.stop()
    await Promise.all(instances.map((i) => i.stop()))
  })

  it("spreads keys over the three instances through twemproxy, each key on one instance", async () => {
    const entries: Array<Entry> = Array.from({ length: 600 }, (_, i) => [`compose:${i}`, `v${i}`])
    const keys = entries.map(([key]) => key)
    const stored = await setAll(proxyPort, entries)
    expect(new Set(stored), proxy?.stderr()).toEqual(new Set(["STORED"]))
    expect(await getAll(proxyPort, keys)).toEqual(new Map(entries))
    const held = await Promise.all([...ports.values()].map((port) => getAll(port, keys)))
    expect(held.reduce((n, m) => n + m.size, 0)).toBe(keys.length)
    for (const m of held) expect(m.size).toBeGreaterThan(keys.length * 0.15)
    // The compose file turns metrics on: each instance reports what it holds.
    const reported = await Promise.all(metricsPorts.map(async (port) => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
      return sampleValue(parsePrometheus(text), "memcached_current_items")
    }))
    expect(reported).toEqual(held.map((m) => m.size))
  })
})
