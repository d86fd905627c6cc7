/**
 * Tools for the persistence suites (test/e2e/persistence-*.test.ts): data folders removed after the
 * suite, daemons started on one (`--data-dir`) and killed with SIGKILL, every key's value and flags read
 * back, stats as a map, and the rules for what a daemon that refuses to start may print.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll } from "vitest"
import { type Flagged, parseRetrieval } from "./bulk.js"
import { launchEffcached, type RunningServer } from "./servers.js"
import { Connection } from "./wire.js"

/** A function making fresh empty folders, all removed after the suite that called `useTempDirs`. */
export const useTempDirs = (prefix = "effcached-persist-"): () => string => {
  const made: Array<string> = []
  afterAll(() => {
    for (const dir of made) fs.rmSync(dir, { recursive: true, force: true })
  })
  return () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
    made.push(dir)
    return dir
  }
}

/** Starts the daemon with `args`; it must serve (rejects with its stderr if it exits instead). */
export const serve = async (args: ReadonlyArray<string>): Promise<RunningServer> => {
  const launched = await launchEffcached(args)
  if (launched._tag === "Exited") {
    throw new Error(`effcached ${args.join(" ")} exited with ${launched.code ?? launched.signal}: ${launched.stderr}`)
  }
  return launched.server
}

/** Kills the daemon with SIGKILL (no chance to flush anything) and waits until it is gone. */
export const killHard = async (server: RunningServer): Promise<void> => {
  const child = server.process
  if (child.exitCode !== null || child.signalCode !== null) return
  const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()))
  child.kill("SIGKILL")
  await gone
}

/** An item as stored or read back: its flags and value (ASCII in these tests). */
export type Item = Flagged

/** Whether two states of a key (undefined: absent) are the same. */
export const sameItem = (a: Item | undefined, b: Item | undefined): boolean =>
  a === undefined || b === undefined ? a === b : a.flags === b.flags && a.value === b.value

/** An item in words, for failure messages. */
export const showItem = (item: Item | undefined): string =>
  item === undefined ? "absent" : `${item.flags}:${JSON.stringify(item.value.slice(0, 40))}`

/** Reads `keys` with multi-key gets of 100 keys: what is found, by key. */
export const readItems = async (port: number, keys: ReadonlyArray<string>): Promise<Map<string, Item>> => {
  const connection = await Connection.open(port)
  try {
    const found = new Map<string, Item>()
    for (let start = 0; start < keys.length; start += 100) {
      parseRetrieval(await connection.request(`get ${keys.slice(start, start + 100).join(" ")}\r\n`), found)
    }
    return found
  } finally {
    connection.close()
  }
}

/** Sends requests pipelined on one connection and returns each one-line reply (CRLF stripped). */
export const pipelined = async (port: number, requests: ReadonlyArray<string>): Promise<Array<string>> => {
  const connection = await Connection.open(port)
  try {
    const replies: Array<string> = []
    for (let start = 0; start < requests.length; start += 200) {
      const part = requests.slice(start, start + 200)
      connection.send(part.join(""))
      for (let i = 0; i < part.length; i++) replies.push((await connection.readLine()).replace(/\r?\n$/, ""))
    }
    return replies
  } finally {
    connection.close()
  }
}

/** `stats` (or `stats <group>`) as name to value. */
export const statsOf = async (port: number, group = ""): Promise<Map<string, string>> => {
  const connection = await Connection.open(port)
  try {
    const reply = await connection.request(group === "" ? "stats\r\n" : `stats ${group}\r\n`)
    const stats = new Map<string, string>()
    for (const line of reply.split("\r\n")) {
      const [word, name, ...value] = line.split(" ")
      if (word === "STAT" && name !== undefined) stats.set(name, value.join(" "))
    }
    return stats
  } finally {
    connection.close()
  }
}

/** The stats persistence adds with `--data-dir` (docs/compatibility.md names them). */
export const PERSIST_STATS = [
  "persist_appendfsync",
  "persist_restored_items",
  "persist_restore_dropped",
  "persist_restore_seconds",
  "persist_snapshots",
  "persist_snapshot_in_progress",
  "persist_last_snapshot_time",
  "persist_last_snapshot_seconds",
  "persist_log_bytes",
  "persist_fsyncs",
  "persist_errors"
] as const

/** A line of a JavaScript stack trace (`    at f (file.js:1:2)`), which a daemon must never print. */
export const STACK_FRAME = /^\s+at (?:.+ \()?(?:file:|node:|\/|<anonymous>|native)[^\n]*$/m

/** The non-blank lines of a text. */
export const linesOf = (text: string): Array<string> => text.split("\n").filter((line) => line.trim().length > 0)

/** Every file under `dir`, as a path relative to it, sorted. */
export const filesUnder = (dir: string): Array<string> =>
  fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort()
