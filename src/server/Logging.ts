/**
 * Logging: Effect's Logger, writing logfmt lines to stderr (as a service manager expects), at a level
 * set by `-v`: warnings and the startup line by default, connection events with `-v`, every command
 * with `-vv`.
 *
 * @module
 */
import { Layer, Logger, LogLevel } from "effect"

/** The minimum level for a verbosity: 0 info, 1 (`-v`) debug, 2 (`-vv`) trace. */
export const levelFor = (verbosity: number): LogLevel.LogLevel =>
  verbosity >= 2 ? LogLevel.Trace : verbosity === 1 ? LogLevel.Debug : LogLevel.Info

/** Replaces the default logger with a stderr logfmt logger at the verbosity's level. */
export const layer = (verbosity: number): Layer.Layer<never> =>
  Layer.merge(
    Logger.replace(Logger.defaultLogger, Logger.withConsoleError(Logger.logfmtLogger)),
    Logger.minimumLogLevel(levelFor(verbosity))
  )
