/**
 * Commands read line by line: interactively (a prompt naming the server, line editing and TAB
 * completion from node:readline, history kept across runs in ~/.effcached_cli_history, `help`,
 * Ctrl-D to leave, Ctrl-C to clear the line), or from a pipe, one command per line, each reply
 * printed as it comes (scriptable, as redis-cli is). A raw storage command takes its data block from
 * the next line.
 *
 * @module
 */
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as readline from "node:readline"
import type { MemcachedClientShape } from "../client/MemcachedClient.js"
import { complete, helpText } from "./Commands.js"
import { parseLine } from "./Input.js"
import { runInvocation } from "./Session.js"

/** Where the interactive history is kept (the home folder, as shells keep theirs). */
export const historyFile = (): string => path.join(os.homedir(), ".effcached_cli_history")

const HISTORY_SIZE = 1000

const loadHistory = (file: string): Array<string> => {
  try {
    // readline wants the most recent line first; the file has it last, as shells write it.
    return readFileSync(file, "utf8").split("\n").filter((line) => line.length > 0).reverse().slice(0, HISTORY_SIZE)
  } catch {
    return []
  }
}

const saveHistory = (file: string, history: ReadonlyArray<string>): void => {
  try {
    mkdirSync(path.dirname(file), { recursive: true })
    writeFileSync(file, [...history].reverse().join("\n") + "\n", { mode: 0o600 })
  } catch {
    // A history that cannot be saved is not worth interrupting anyone for.
  }
}

/** Where lines come from and where replies go. */
interface Terminal {
  /** The next line, or undefined at the end of input. */
  readonly next: Effect.Effect<string | undefined>
  readonly write: (bytes: Buffer | string) => void
  /** Where errors go: the terminal itself interactively, stderr from a pipe. */
  readonly writeError: (line: string) => void
  /** Shows the prompt (or, for a data block, `data> `); nothing from a pipe. */
  readonly prompt: (data?: boolean) => void
}

/** Lines from a readline interface, as an Effect queue; undefined once it closes. */
const lines = (rl: readline.Interface): Effect.Effect<Effect.Effect<string | undefined>, never, Scope.Scope> =>
  Effect.gen(function*() {
    const queue = yield* Queue.unbounded<string | undefined>()
    rl.on("line", (line) => Queue.unsafeOffer(queue, line))
    rl.on("close", () => Queue.unsafeOffer(queue, undefined))
    yield* Effect.addFinalizer(() => Effect.sync(() => rl.close()))
    return Queue.take(queue)
  })

/** Runs every line until the end of input or `quit`; whether every command succeeded. */
const loop = (client: MemcachedClientShape, terminal: Terminal): Effect.Effect<boolean> =>
  Effect.gen(function*() {
    let ok = true
    for (;;) {
      terminal.prompt()
      const line = yield* terminal.next
      if (line === undefined) return ok
      const invocation = parseLine(line)
      switch (invocation._tag) {
        case "Empty":
          continue
        case "Quit":
          return ok
        case "Help":
          terminal.write(helpText(invocation.topic) + "\n")
          continue
        case "Invalid":
          terminal.writeError(`(error) ${invocation.message}`)
          ok = false
          continue
        case "Send": {
          let data: Buffer | undefined
          if (invocation.data === "next") {
            terminal.prompt(true)
            const block = yield* terminal.next
            if (block === undefined) return false
            data = Buffer.from(block, "utf8")
          }
          const outcome = yield* runInvocation(client, invocation, data)
          terminal.write(outcome.output)
          if (outcome.error !== undefined) terminal.writeError(`(error) ${outcome.error}`)
          if (!outcome.ok) ok = false
        }
      }
    }
  })

/** The interactive client, its prompt naming `server`. */
export const interactive = (client: MemcachedClientShape, server: string): Effect.Effect<boolean> =>
  Effect.scoped(
    Effect.gen(function*() {
      const file = historyFile()
      const rl = readline.createInterface({
        input: process.stdin,
        output: process.stdout,
        terminal: true,
        completer: (line: string) => complete(line) as [Array<string>, string],
        history: loadHistory(file),
        historySize: HISTORY_SIZE,
        removeHistoryDuplicates: true
      })
      rl.on("history", (history: Array<string>) => saveHistory(file, history))
      // Ctrl-C clears the line being typed; Ctrl-D (end of input) leaves.
      rl.on("SIGINT", () => {
        rl.write(null, { ctrl: true, name: "e" })
        rl.write(null, { ctrl: true, name: "u" })
        process.stdout.write("^C\n")
        rl.prompt()
      })
      const next = yield* lines(rl)
      const prompt = `${server}> `
      process.stdout.write(`effcached-cli: connected to ${server}. "help" lists the commands, Ctrl-D leaves.\n`)
      return yield* loop(client, {
        next,
        write: (bytes) => process.stdout.write(bytes),
        writeError: (line) => process.stdout.write(line + "\n"),
        prompt: (data) => {
          rl.setPrompt(data === true ? "data> " : prompt)
          rl.prompt()
        }
      })
    })
  )

/** Commands from a pipe, one per line; whether every command succeeded. */
export const piped = (client: MemcachedClientShape): Effect.Effect<boolean> =>
  Effect.scoped(
    Effect.gen(function*() {
      const rl = readline.createInterface({ input: process.stdin, terminal: false })
      const next = yield* lines(rl)
      return yield* loop(client, {
        next,
        write: (bytes) => process.stdout.write(bytes),
        writeError: (line) => process.stderr.write(line + "\n"),
        prompt: () => {}
      })
    })
  )
