import { describe, expect, it } from "@effect/vitest"
import { Effect, FiberRef, LogLevel } from "effect"
import * as fs from "node:fs"
import type { LogFormat } from "../../src/config/ServerConfig.js"
import * as Logging from "../../src/server/Logging.js"
import { tempFile } from "../support/files.js"

/**
 * Logs one line at each level through the logging layer into a file; returns the file's lines. (A
 * layer's logger stays installed in the fiber that provided it, so each run restores the loggers.)
 */
const logEachLevel = (verbosity: number, logFormat: LogFormat) =>
  Effect.gen(function*() {
    const logFile = tempFile("levels.log", "effcached-log-")
    const loggers = yield* FiberRef.get(FiberRef.currentLoggers)
    yield* Effect.gen(function*() {
      yield* Effect.logTrace("trace line")
      yield* Effect.logDebug("debug line")
      yield* Effect.logInfo("info line").pipe(Effect.annotateLogs({ port: 11211, host: "127.0.0.1" }))
      yield* Effect.logWarning("warning line")
      yield* Effect.logError("error line")
      yield* Effect.logFatal("fatal line")
    }).pipe(
      Effect.provide(Logging.Logging.layer({ verbosity, logFormat, logFile })),
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
          Effect.provide(
            Logging.Logging.layer({ verbosity: 0, logFormat: "logfmt", logFile: "/nonexistent/dir/x.log" })
          )
        )
      )
      expect(error._tag).toBe("LogFileError")
      expect(error.message).toContain("/nonexistent/dir/x.log")
    }))
})
