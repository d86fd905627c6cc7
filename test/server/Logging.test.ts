import { describe, expect, it } from "@effect/vitest"
import { Effect, FiberRef, LogLevel } from "effect"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import type { LogFormat } from "../../src/config/ServerConfig.js"
import * as Logging from "../../src/server/Logging.js"
import { startEffcached } from "../support/servers.js"
import { Connection } from "../support/wire.js"

const tempFile = (name: string) => path.join(fs.mkdtempSync(path.join(os.tmpdir(), "effcached-log-")), name)

/**
 * Logs one line at each level through the logging layer into a file; returns the file's lines. (A
 * layer's logger stays installed in the fiber that provided it, so each run restores the loggers.)
 */
const logEachLevel = (verbosity: number, logFormat: LogFormat) =>
  Effect.gen(function*() {
    const logFile = tempFile("levels.log")
    const loggers = yield* FiberRef.get(FiberRef.currentLoggers)
    yield* Effect.gen(function*() {
      yield* Effect.logTrace("trace line")
      yield* Effect.logDebug("debug line")
      yield* Effect.logInfo("info line").pipe(Effect.annotateLogs({ port: 11211, host: "127.0.0.1" }))
      yield* Effect.logWarning("warning line")
      yield* Effect.logError("error line")
      yield* Effect.logFatal("fatal line")
    }).pipe(
      Effect.provide(Logging.layer({ verbosity, logFormat, logFile })),
      Effect.locally(FiberRef.currentLoggers, loggers)
    )
    return fs.readFileSync(logFile, "utf8").trimEnd().split("\n")
  })

describe("Logging", () => {
  it("maps -v levels as documented: 0 startup/shutdown, -v errors and warnings, -vv connections, -vvv commands", () => {
    const shown = (verbosity: number) =>
      [LogLevel.Trace, LogLevel.Debug, LogLevel.Info, LogLevel.Warning, LogLevel.Error, LogLevel.Fatal]
        .filter((level) => Logging.shows(verbosity, level))
        .map((level) => level.label)
    expect(shown(0)).toEqual(["INFO", "FATAL"])
    expect(shown(1)).toEqual(["INFO", "WARN", "ERROR", "FATAL"])
    expect(shown(2)).toEqual(["DEBUG", "INFO", "WARN", "ERROR", "FATAL"])
    expect(shown(3)).toEqual(["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"])
  })

  it.effect("writes only the levels the verbosity shows", () =>
    Effect.gen(function*() {
      expect(yield* logEachLevel(0, "logfmt")).toHaveLength(2)
      expect(yield* logEachLevel(1, "logfmt")).toHaveLength(4)
      expect(yield* logEachLevel(3, "logfmt")).toHaveLength(6)
    }))

  it.effect("json: one object per line, annotations included", () =>
    Effect.gen(function*() {
      const [info] = yield* logEachLevel(0, "json")
      expect(JSON.parse(info!)).toMatchObject({
        message: "info line",
        logLevel: "INFO",
        annotations: { port: 11211, host: "127.0.0.1" }
      })
    }))

  it.effect("logfmt and pretty: one line each, annotations as key=value", () =>
    Effect.gen(function*() {
      const [logfmt] = yield* logEachLevel(0, "logfmt")
      expect(logfmt).toMatch(/level=INFO .*message="info line".* port=11211/)
      const [pretty, fatal] = yield* logEachLevel(0, "pretty")
      expect(pretty).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z INFO {2}info line( port=11211| host=127\.0\.0\.1){2}$/)
      expect(fatal).toMatch(/ FATAL fatal line$/)
    }))

  it.effect("fails with LogFileError when the file cannot be opened", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        Effect.logInfo("x").pipe(
          Effect.provide(Logging.layer({ verbosity: 0, logFormat: "logfmt", logFile: "/nonexistent/dir/x.log" }))
        )
      )
      expect(error._tag).toBe("LogFileError")
      expect(error.message).toContain("/nonexistent/dir/x.log")
    }))
})

describe("the daemon's logging", () => {
  it("--log-file with --log-format json: the startup line with the settings, connection events at -vv", async () => {
    const logFile = tempFile("daemon.log")
    const server = await startEffcached(["-vv", "--log-format", "json", "--log-file", logFile, "--idle-timeout", "60"])
    const conn = await Connection.open(server.port)
    expect(await conn.request("version\r\n")).toMatch(/^VERSION/)
    conn.close()
    await conn.waitForClose()
    expect(await server.stop()).toBe(0)
    expect(server.stderr()).toBe("")
    const lines = fs.readFileSync(logFile, "utf8").trimEnd().split("\n").map((l) =>
      JSON.parse(l) as Record<string, unknown>
    )
    // The startup line is written once listening; the readiness probe's connection may log first.
    const startup = lines.find((l) => String(l["message"]).includes("listening on"))
    expect(startup).toMatchObject({
      logLevel: "INFO",
      message: expect.stringContaining(`listening on 127.0.0.1:${server.port}`),
      annotations: expect.objectContaining({ max_connections: 1024, idle_timeout: 60, verbosity: 2 })
    })
    const messages = lines.map((l) => l["message"])
    expect(messages).toContain("connection opened")
    expect(messages).toContain("connection closed")
    expect(messages).toContain("stopped")
  })

  it("logs nothing but startup and shutdown by default", async () => {
    const server = await startEffcached()
    const conn = await Connection.open(server.port)
    expect(await conn.request("version\r\n")).toMatch(/^VERSION/)
    conn.close()
    expect(await server.stop()).toBe(0)
    const lines = server.stderr().trimEnd().split("\n")
    expect(lines[0]).toMatch(/level=INFO .*listening on/)
    expect(server.stderr()).not.toContain("connection opened")
    expect(lines.at(-1)).toMatch(/message=stopped/)
  })

  it("-vvv logs the commands of each batch", async () => {
    const server = await startEffcached(["-vvv"])
    const conn = await Connection.open(server.port)
    expect(await conn.request("set a 0 0 1\r\nx\r\nget a b\r\n")).toBe("STORED\r\n")
    conn.close()
    expect(await server.stop()).toBe(0)
    expect(server.stderr()).toMatch(/level=TRACE .*message="Set Get"/)
  })

  it("logs a port it cannot listen on at every verbosity, and exits 71 as memcached does", async () => {
    const holder = net.createServer()
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve))
    const { port } = holder.address() as net.AddressInfo
    const result = spawnSync(process.execPath, ["dist/main.js", "-p", String(port)], { encoding: "utf8" })
    holder.close()
    expect(result.status).toBe(71)
    expect(result.stderr.trim()).toMatch(
      /^timestamp=\S+ level=FATAL .*message="cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/
    )
    expect(result.stderr).not.toContain("stopped")
  })

  it("exits 73 with a one-line message when the log file cannot be opened", () => {
    const result = spawnSync(process.execPath, ["dist/main.js", "-p", "0", "--log-file", "/nonexistent/dir/x.log"], {
      encoding: "utf8"
    })
    expect(result.status).toBe(73)
    expect(result.stderr.trim()).toBe(
      "effcached: cannot open log file /nonexistent/dir/x.log: ENOENT: no such file or directory, open '/nonexistent/dir/x.log'"
    )
  })
})
