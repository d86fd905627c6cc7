/**
 * Logging through Effect's Logger: one line per event, in logfmt (default), a compact human format
 * (`pretty`) or JSON, on stderr (as a service manager expects) or appended to a file.
 *
 * What is logged depends on `-v`:
 *
 * | verbosity | Effect level | what |
 * |---|---|---|
 * | 0 | Info, Fatal | the startup line with the effective settings, shutdown steps, fatal errors |
 * | 1 (`-v`) | + Warning, Error | errors and warnings |
 * | 2 (`-vv`) | + Debug | connection events (opened, closed, idle timeout) |
 * | 3 (`-vvv`) | + Trace | every command (their names, one line per batch) |
 *
 * Disabled levels cost nothing on the hot path: Effect drops a log call below the minimum level
 * before formatting it, and the connection tests one boolean before collecting command names.
 *
 * @module
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as HashMap from "effect/HashMap"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as fs from "node:fs"
import type { LogFormat } from "../config/ServerConfig.js"

/** The log file could not be opened. */
export class LogFileError extends Data.TaggedError("LogFileError")<{ readonly path: string; readonly cause: Error }> {
  override get message(): string {
    return `cannot open log file ${this.path}: ${this.cause.message}`
  }
}

/** The minimum Effect level for a verbosity. */
export const levelFor = (verbosity: number): LogLevel.LogLevel =>
  verbosity >= 3 ? LogLevel.Trace : verbosity === 2 ? LogLevel.Debug : LogLevel.Info

/** Whether a level is shown at a verbosity (at 0, warnings and errors are held back until `-v`). */
export const shows = (verbosity: number, level: LogLevel.LogLevel): boolean =>
  LogLevel.greaterThanEqual(level, levelFor(verbosity)) &&
  (verbosity > 0 || (level._tag !== "Warning" && level._tag !== "Error"))

const text = (message: unknown): string =>
  Array.isArray(message) ? message.map(text).join(" ") : typeof message === "string" ? message : JSON.stringify(message)

const quoted = (value: unknown): string => {
  const s = typeof value === "string" ? value : JSON.stringify(value)
  return /^[^\s"=]+$/.test(s) ? s : JSON.stringify(s)
}

/** One line for people: time, level, message, then the annotations as key=value. */
export const prettyLogger: Logger.Logger<unknown, string> = Logger.make(
  ({ annotations, cause, date, logLevel, message }) => {
    let line = `${date.toISOString()} ${logLevel.label.padEnd(5)} ${text(message)}`
    for (const [key, value] of HashMap.toEntries(annotations)) line += ` ${key}=${quoted(value)}`
    if (!Cause.isEmpty(cause)) line += ` cause=${JSON.stringify(Cause.pretty(cause))}`
    return line
  }
)

const formatter = (format: LogFormat): Logger.Logger<unknown, string> =>
  format === "json" ? Logger.jsonLogger : format === "pretty" ? prettyLogger : Logger.logfmtLogger

/** Where lines go: stderr, or a file opened for appending (closed with the layer). */
const sink = (logFile: string | null) =>
  logFile === null
    ? Effect.succeed((line: string) => void process.stderr.write(line + "\n"))
    : Effect.map(
      Effect.acquireRelease(
        Effect.try({
          try: () => fs.openSync(logFile, "a"),
          catch: (cause) => new LogFileError({ path: logFile, cause: cause as Error })
        }),
        (fd) => Effect.sync(() => fs.closeSync(fd))
      ),
      // Synchronous: lines keep their order and none is lost when the process exits.
      (fd) => (line: string) => void fs.writeSync(fd, line + "\n")
    )

/** Logging options, as the settings hold them. */
export interface LoggingOptions {
  readonly verbosity: number
  readonly logFormat: LogFormat
  readonly logFile: string | null
}

/** The server's logging, as a service: the options in effect, for code that logs conditionally. */
export class Logging extends Context.Tag("effcached/Logging")<Logging, LoggingOptions>() {
  /**
   * Replaces the default logger with one writing `logFormat` lines to stderr or `logFile`, at the
   * verbosity, for everything the layer is provided to; the file is closed with the layer.
   */
  static layer(options: LoggingOptions): Layer.Layer<Logging, LogFileError> {
    return Layer.unwrapScoped(
      Effect.map(sink(options.logFile), (write) => {
        const logger = formatter(options.logFormat).pipe(
          Logger.map(write),
          Logger.filterLogLevel((level) => shows(options.verbosity, level))
        )
        return Layer.mergeAll(
          Layer.succeed(Logging, options),
          Logger.replace(Logger.defaultLogger, logger),
          Logger.minimumLogLevel(levelFor(options.verbosity))
        )
      })
    )
  }
}
