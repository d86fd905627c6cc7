#!/usr/bin/env node
/**
 * The effcached daemon: `node dist/main.js [options]`. Parses memcached-style flags, builds the
 * server's Layers and serves until SIGINT/SIGTERM (NodeRuntime.runMain turns them into interruption)
 * or a client's `shutdown` (with `-A`). Either way the server's scope closes: it stops accepting,
 * drains its connections within the grace period, and the process exits 0.
 *
 * @module
 */
// First: V8 settings that must hold before the other modules allocate anything.
import "./server/HeapTuning.js"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Cli from "./config/Cli.js"
import type { Settings } from "./config/ServerConfig.js"
import { EFFCACHED_VERSION, PROTOCOL_VERSION } from "./config/Version.js"
import * as Effcached from "./server/Effcached.js"
import * as EventLoopScheduler from "./server/EventLoopScheduler.js"
import { Lifecycle } from "./server/Lifecycle.js"
import type { ListenError } from "./server/Listener.js"
import { Logging } from "./server/Logging.js"
import { Reload } from "./server/Reload.js"
import { PartitionedStore } from "./store/PartitionedStore.js"

/** sysexits' EX_USAGE: the command line was wrong. */
const EX_USAGE = 64

/** sysexits' EX_SOFTWARE: an internal error the server cannot go on after (a store partition stopped). */
const EX_SOFTWARE = 70

/** sysexits' EX_OSERR: the port cannot be listened on (memcached's exit status for it too). */
const EX_OSERR = 71

/** sysexits' EX_CANTCREAT: the log file cannot be opened. */
const EX_CANTCREAT = 73

/** Logs a fatal error (every verbosity shows it) and sets the exit status. */
const exit = (message: string, status: number) =>
  Effect.zipRight(
    Effect.logFatal(message),
    Effect.sync(() => {
      process.exitCode = status
    })
  )
/**
 * The add-ons the settings ask for: the metrics endpoint with `--metrics-port`, imported only then
 * (its HTTP server's modules cost memory the daemon otherwise does without).
 */
const addOns = (settings: Settings): Effcached.AddOn<ListenError> =>
  settings.metricsPort === null
    ? Layer.empty
    : Layer.unwrapEffect(
      Effect.promise(() => import("./metrics/MetricsServer.js")).pipe(Effect.map((m) => m.MetricsServer.layer))
    )

/**
 * The store: persistent with `--data-dir` (its module imported only then), else in memory. A data dir
 * that cannot be used is one line on stderr and a non-zero exit, like a log file that cannot be opened.
 */
const storeLayer = (settings: Settings) =>
  settings.dataDir === null
    ? PartitionedStore.layer
    : Layer.unwrapEffect(
      Effect.promise(() => import("./persistence/Persistence.js")).pipe(Effect.map((m) => m.Persistence.layer()))
    )

/** Serves until a client asks to shut down, the store fails, or the fiber is interrupted by a signal. */
const serveUntilShutdown = Effect.flatMap(Lifecycle, (lifecycle) => lifecycle.shutdownRequested).pipe(
  Effect.onInterrupt(() => Effect.logInfo("signal received: shutting down")),
  Effect.zipRight(Effect.logInfo("shutting down"))
)

const command = Cli.parse(process.argv.slice(2), process.env)
switch (command._tag) {
  case "Help":
    process.stdout.write(Cli.usage() + "\n")
    break
  case "Version":
    process.stdout.write(`effcached ${EFFCACHED_VERSION} (memcached ${PROTOCOL_VERSION} protocol)\n`)
    break
  case "Invalid":
    process.stderr.write(`effcached: ${command.message}\n`)
    process.exitCode = EX_USAGE
    break
  case "Run":
    Effect.gen(function*() {
      // Command-line notices belong with the startup line, so they show at every verbosity.
      for (const warning of command.warnings) yield* Effect.logInfo(warning)
      yield* Effect.provide(
        serveUntilShutdown,
        Layer.provideMerge(
          Reload.layer,
          Effcached.layer(command.settings, addOns(command.settings), storeLayer(command.settings))
        )
      ).pipe(
        Effect.onExit((exit) =>
          exit._tag === "Success" || Cause.isInterruptedOnly(exit.cause) ? Effect.logInfo("stopped") : Effect.void
        )
      )
    }).pipe(
      // Fatal errors are logged at Fatal, which every verbosity shows (runMain's own report is off).
      Effect.catchTag("ListenError", (e) => exit(e.message, EX_OSERR)),
      Effect.catchTag("StoreFailure", (e) => exit(e.message, EX_SOFTWARE)),
      // A certificate, key, TLS option or -Y file that cannot be used: one line naming it.
      Effect.catchTag("TlsConfigError", (e) => exit(e.message, e.exitCode)),
      Effect.catchTag("AuthFileError", (e) => exit(e.message, e.reason === "open" ? EX_CANTCREAT : EX_USAGE)),
      Effect.catchTag("PersistenceError", (e) =>
        Effect.sync(() => {
          process.stderr.write(`effcached: ${e.message}\n`)
          process.exitCode = e.exitCode
        })),
      Effect.tapErrorCause((cause) =>
        Cause.isInterruptedOnly(cause) ? Effect.void : Effect.logFatal("unexpected failure", cause)
      ),
      Effect.provide(Logging.layer(command.settings)),
      Effect.catchTag("LogFileError", (e) =>
        Effect.sync(() => {
          process.stderr.write(`effcached: ${e.message}\n`)
          process.exitCode = EX_CANTCREAT
        })),
      Effect.withScheduler(EventLoopScheduler.scheduler),
      NodeRuntime.runMain({ disablePrettyLogger: true, disableErrorReporting: true })
    )
}
