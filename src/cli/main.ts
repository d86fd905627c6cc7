#!/usr/bin/env node
/**
 * `effcached-cli`: the command-line client of effcached (and any memcached), built on the client
 * library (src/client). Arguments are parsed by @effect/cli.
 *
 * - `effcached-cli set greeting hello` runs one command, prints the reply and exits;
 * - with stdin not a terminal, it runs one command per line (scriptable);
 * - with a terminal, it is a REPL (see Repl.ts);
 * - `--stat` prints a line of statistics per second until interrupted;
 * - `--servers host:port[,host:port...]` (libmemcached's spelling) picks the servers; keys are placed
 *   on them with ketama, as the library places them.
 *
 * Exit status: 0 when every command got a reply that is not an error, 1 when one got an error reply
 * or failed (a server that cannot be reached: one line on stderr), 64 for a command line it cannot
 * read.
 *
 * @module
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import { MemcachedClient, type MemcachedClientShape } from "../client/MemcachedClient.js"
import { parseAddresses } from "../client/ServerAddress.js"
import { EFFCACHED_VERSION } from "../config/Version.js"
import { helpText } from "./Commands.js"
import { parseWords } from "./Input.js"
import { interactive, piped } from "./Repl.js"
import { runInvocation } from "./Session.js"
import { monitor } from "./StatMonitor.js"

/** sysexits' EX_USAGE. */
const EX_USAGE = 64

const fail = (message: string, status: number): Effect.Effect<void> =>
  Effect.sync(() => {
    process.stderr.write(`effcached-cli: ${message}\n`)
    process.exitCode = status
  })

/** Standard input to its end (a raw storage command's data block, in one-shot mode). */
const readStdin = Effect.async<Buffer>((resume) => {
  const chunks: Array<Buffer> = []
  process.stdin.on("data", (chunk: Buffer) => chunks.push(chunk))
  process.stdin.once("end", () => resume(Effect.succeed(Buffer.concat(chunks))))
})

/** One command given as arguments. */
const oneShot = (client: MemcachedClientShape, words: ReadonlyArray<string>): Effect.Effect<void> =>
  Effect.gen(function*() {
    const invocation = parseWords(words)
    switch (invocation._tag) {
      case "Empty":
      case "Quit":
        return
      case "Help":
        process.stdout.write(helpText(invocation.topic) + "\n")
        return
      case "Invalid":
        return yield* fail(invocation.message, EX_USAGE)
      case "Send": {
        let data: Buffer | undefined
        if (invocation.data === "next") {
          if (process.stdin.isTTY) {
            return yield* fail("the raw form reads its data block from standard input; or: set KEY VALUE", EX_USAGE)
          }
          data = yield* readStdin
        }
        const outcome = yield* runInvocation(client, invocation, data)
        process.stdout.write(outcome.output)
        if (outcome.error !== undefined) return yield* fail(outcome.error, 1)
        if (!outcome.ok) process.exitCode = 1
      }
    }
  })

const servers = Options.text("servers").pipe(
  Options.withDefault("127.0.0.1:11211"),
  Options.withDescription("the servers, host:port[:weight] separated by commas (keys placed with ketama)")
)
const stat = Options.boolean("stat").pipe(
  Options.withDescription("print items, memory, connections, hit rate and ops/s every second until interrupted")
)
const words = Args.text({ name: "command" }).pipe(
  Args.repeated,
  Args.withDescription("a command to run once (e.g. set greeting hello); none: read commands from stdin")
)

const cli = Command.make("effcached-cli", { servers, stat, words }, (args) =>
  Effect.gen(function*() {
    const addresses = parseAddresses(args.servers)
    if (Either.isLeft(addresses)) return yield* fail(addresses.left, EX_USAGE)
    const client = yield* Effect.orDie(MemcachedClient.make({
      servers: addresses.right.map((a) => ({ host: a.host, port: a.port, weight: a.weight, name: a.name })),
      connectTimeout: "2 seconds",
      timeout: "5 seconds",
      spans: false
    }))
    if (args.stat) return yield* monitor(client, (line) => process.stdout.write(line))
    if (args.words.length > 0) return yield* oneShot(client, args.words)
    const label = addresses.right.length === 1
      ? addresses.right[0]!.label
      : `${addresses.right[0]!.label} (+${addresses.right.length - 1})`
    const ok = yield* (process.stdin.isTTY ? interactive(client, label) : piped(client))
    if (!ok) process.exitCode = 1
  }).pipe(Effect.scoped))

const run = Command.run(cli, { name: "effcached-cli", version: EFFCACHED_VERSION })

NodeRuntime.runMain(
  run(process.argv).pipe(
    // @effect/cli has printed what was wrong with the command line.
    Effect.catchIf(ValidationError.isValidationError, () => Effect.sync(() => void (process.exitCode = EX_USAGE))),
    Effect.provide(NodeContext.layer)
  ),
  {
    disablePrettyLogger: true,
    disableErrorReporting: true,
    // Ctrl-C ends --stat (and a command waiting on a server): a normal way to stop, not a failure.
    teardown: (exit, onExit) =>
      onExit(
        Exit.isSuccess(exit) || Cause.isInterruptedOnly(exit.cause) ? Number(process.exitCode ?? 0) : 1
      )
  }
)
