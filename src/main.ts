#!/usr/bin/env node
/**
 * The effcached daemon: `node dist/main.js [options]`. Parses memcached-style flags, builds the
 * server's Layers and runs them under NodeRuntime.runMain, which turns SIGINT/SIGTERM into
 * interruption so every fiber and socket is released on the way out.
 *
 * @module
 */
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import * as Cli from "./config/Cli.js"
import { EFFCACHED_VERSION, PROTOCOL_VERSION } from "./config/Version.js"
import * as Effcached from "./server/Effcached.js"
import * as EventLoopScheduler from "./server/EventLoopScheduler.js"
import * as Logging from "./server/Logging.js"

/** sysexits' EX_USAGE: the command line was wrong. */
const EX_USAGE = 64

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
      for (const warning of command.warnings) yield* Effect.logWarning(warning)
      return yield* Layer.launch(Effcached.layer(command.settings))
    }).pipe(
      Effect.provide(Logging.layer(command.settings.verbosity)),
      Effect.withScheduler(EventLoopScheduler.scheduler),
      NodeRuntime.runMain({ disablePrettyLogger: true })
    )
}
