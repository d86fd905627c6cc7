import { describe, expect, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import * as Cli from "../../src/config/Cli.js"
import { defaults } from "../../src/config/ServerConfig.js"

const run = (argv: Array<string>, env: Record<string, string> = {}) => Cli.parse(argv, env)
const settingsOf = (argv: Array<string>, env: Record<string, string> = {}) => {
  const command = run(argv, env)
  if (command._tag !== "Run") throw new Error(`expected Run, got ${JSON.stringify(command)}`)
  return command.settings
}

describe("Cli", () => {
  it("uses memcached's defaults, except listening on loopback only", () => {
    expect(settingsOf([])).toEqual(defaults)
    expect(defaults).toMatchObject({
      port: 11211,
      host: "127.0.0.1",
      memoryLimit: 64 << 20,
      maxConnections: 1024,
      maxItemSize: 1 << 20
    })
  })

  it("accepts short, attached, long and long=value forms", () => {
    expect(settingsOf(["-p", "1234"]).port).toBe(1234)
    expect(settingsOf(["-p1234"]).port).toBe(1234)
    expect(settingsOf(["--port", "1234"]).port).toBe(1234)
    expect(settingsOf(["--port=1234"]).port).toBe(1234)
    expect(settingsOf(["-l", "0.0.0.0", "-m", "128", "-c", "10", "--partitions", "8"])).toMatchObject({
      host: "0.0.0.0",
      memoryLimit: 128 << 20,
      maxConnections: 10,
      partitions: 8
    })
  })

  it("-M / --disable-evictions turns eviction off", () => {
    expect(defaults.evictions).toBe(true)
    expect(settingsOf(["-M"]).evictions).toBe(false)
    expect(settingsOf(["--disable-evictions", "-m", "8"])).toMatchObject({ evictions: false, memoryLimit: 8 << 20 })
  })

  it("reads -I sizes with k/m suffixes, within memcached's bounds", () => {
    expect(settingsOf(["-I", "2m"]).maxItemSize).toBe(2 << 20)
    expect(settingsOf(["-I", "512k"]).maxItemSize).toBe(512 << 10)
    expect(settingsOf(["--max-item-size=4096"]).maxItemSize).toBe(4096)
    expect(run(["-I", "512"])).toMatchObject({ _tag: "Invalid" })
    expect(run(["-I", "64m"])).toMatchObject({
      _tag: "Invalid",
      message: expect.stringContaining("half the memory limit")
    })
    expect(settingsOf(["-m", "256", "-I", "64m"]).maxItemSize).toBe(64 << 20)
  })

  it("counts -v, -vv and -vvv, up to 3", () => {
    expect(settingsOf(["-v"]).verbosity).toBe(1)
    expect(settingsOf(["-vv"]).verbosity).toBe(2)
    expect(settingsOf(["-v", "-v"]).verbosity).toBe(2)
    expect(settingsOf(["-vvv"]).verbosity).toBe(3)
    expect(settingsOf(["-vvvv", "-v"]).verbosity).toBe(3)
  })

  it("reads the idle timeout from --idle-timeout or memcached's -o idle_timeout", () => {
    expect(settingsOf([]).idleTimeout).toBe(0)
    expect(settingsOf(["--idle-timeout", "30"]).idleTimeout).toBe(30)
    expect(settingsOf(["-o", "idle_timeout=45"]).idleTimeout).toBe(45)
    expect(settingsOf(["-oidle_timeout=5,maxconns_fast"]).idleTimeout).toBe(5)
    expect(settingsOf([], { EFFCACHED_IDLE_TIMEOUT: "7" }).idleTimeout).toBe(7)
    expect(run(["--idle-timeout", "-1"])).toMatchObject({
      _tag: "Invalid",
      message: expect.stringContaining("--idle-timeout")
    })
    expect(run(["-o", "idle_timeout"])).toMatchObject({
      _tag: "Invalid",
      message: expect.stringContaining("-o/--extended")
    })
    expect(run(["-o", "idle_timeout=x"])._tag).toBe("Invalid")
  })

  it("accepts memcached's memory tuning -o options with a warning, refuses the others", () => {
    const command = run(["-o", "modern,hashpower=20,slab_reassign,lru_crawler"])
    expect(command._tag).toBe("Run")
    if (command._tag === "Run") {
      expect(command.warnings).toHaveLength(4)
      expect(command.warnings[1]).toContain("hashpower=20 ignored")
    }
    for (const refused of ["ext_path=/tmp/x:64m", "proxy_config=x", "no_maxconns_fast", "bogus"]) {
      const invalid = run(["-o", refused])
      expect(invalid._tag, refused).toBe("Invalid")
      if (invalid._tag === "Invalid") expect(invalid.message).toContain("not supported")
    }
  })

  it("reads -A, --shutdown-grace, --log-format and --log-file", () => {
    expect(settingsOf([])).toMatchObject({
      enableShutdown: false,
      shutdownGraceMs: 5000,
      logFormat: "logfmt",
      logFile: null
    })
    expect(settingsOf(["-A"]).enableShutdown).toBe(true)
    expect(settingsOf(["--enable-shutdown"]).enableShutdown).toBe(true)
    expect(settingsOf(["--shutdown-grace", "0"]).shutdownGraceMs).toBe(0)
    expect(settingsOf(["--shutdown-grace=12"]).shutdownGraceMs).toBe(12_000)
    expect(settingsOf(["--log-format", "json"]).logFormat).toBe("json")
    expect(settingsOf(["--log-format=pretty"]).logFormat).toBe("pretty")
    expect(settingsOf([], { EFFCACHED_LOG_FORMAT: "json", EFFCACHED_LOG_FILE: "/tmp/e.log" })).toMatchObject({
      logFormat: "json",
      logFile: "/tmp/e.log"
    })
    expect(settingsOf(["--log-file", "/var/log/effcached.log"]).logFile).toBe("/var/log/effcached.log")
    expect(run(["--log-format", "xml"])).toMatchObject({
      _tag: "Invalid",
      message: expect.stringContaining("logfmt, pretty, json")
    })
    expect(run(["--shutdown-grace", "3601"])._tag).toBe("Invalid")
    expect(run(["-A", "x"])._tag).toBe("Invalid")
  })

  it("takes settings from EFFCACHED_* variables, flags winning", () => {
    expect(settingsOf([], { EFFCACHED_PORT: "2000", EFFCACHED_MEMORY_LIMIT: "32" })).toMatchObject({
      port: 2000,
      memoryLimit: 32 << 20
    })
    expect(settingsOf(["-p", "3000"], { EFFCACHED_PORT: "2000" }).port).toBe(3000)
    expect(run([], { EFFCACHED_PORT: "x" })).toMatchObject({
      _tag: "Invalid",
      message: expect.stringContaining("EFFCACHED_PORT")
    })
  })

  it("names the flag in a one-line message for an invalid value", () => {
    for (
      const [argv, flag] of [
        [["-p", "abc"], "-p/--port"],
        [["-p", "70000"], "-p/--port"],
        [["-m", "0"], "-m/--memory-limit"],
        [["-c", "-1"], "-c/--conn-limit"],
        [["--partitions", "0"], "--partitions"],
        [["-p"], "-p/--port"],
        [["-U", "11211"], "-U/--udp-port"],
        [["-d"], "-d/--daemon"]
      ] as const
    ) {
      const command = run([...argv])
      expect(command._tag, argv.join(" ")).toBe("Invalid")
      if (command._tag === "Invalid") {
        expect(command.message).toContain(flag)
        expect(command.message).not.toContain("\n")
      }
    }
    expect(run(["--bogus"])).toEqual({ _tag: "Invalid", message: "unknown option --bogus (see --help)" })
  })

  it("accepts memcached habits that do not apply, with a warning", () => {
    const command = run(["-U", "0", "-u", "nobody", "-t", "4"])
    expect(command._tag).toBe("Run")
    if (command._tag === "Run") expect(command.warnings).toHaveLength(2)
  })

  it("recognises --help and --version", () => {
    expect(run(["--help"])._tag).toBe("Help")
    expect(run(["-h"])._tag).toBe("Help")
    expect(run(["--version"])._tag).toBe("Version")
    expect(Cli.usage()).toContain("--max-item-size")
  })

  it("the daemon exits 64 with the message on stderr for an invalid flag", () => {
    const result = spawnSync(process.execPath, ["dist/main.js", "-p", "abc"], { encoding: "utf8" })
    expect(result.status).toBe(64)
    expect(result.stderr.trim()).toMatch(/^effcached: invalid -p\/--port/)
    expect(result.stderr.trim().split("\n")).toHaveLength(1)
    const version = spawnSync(process.execPath, ["dist/main.js", "--version"], { encoding: "utf8" })
    expect(version.status).toBe(0)
    expect(version.stdout).toMatch(/^effcached \d+\.\d+\.\d+/)
  })
})
