/**
 * Damaged data dirs (issue 11): a data dir holding a snapshot and a log written after it (and whatever
 * else the server keeps there: a lock left by kill -9, a manifest) is copied, one of its files damaged
 * (truncated at seeded random lengths, garbage appended, bits flipped, deleted), and the server started
 * on the copy. Each start must, within a bounded wait, either serve only values and flags a client really
 * stored (anything it lost said on stderr), or exit non-zero with one line naming the damaged file; it
 * never prints a stack trace. Every kind of file found in the data dir is damaged, so the cases follow
 * whatever files the server writes. Then the files the manifest names, one at a time: a deleted newest log,
 * a deleted snapshot, a deleted or damaged manifest each start the server with what is intact and say
 * so in one line at the default verbosity.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { Random } from "../../src/bench/Random.js"
import {
  filesUnder,
  type Item,
  killHard,
  linesOf,
  pipelined,
  readItems,
  sameItem,
  serve,
  showItem,
  STACK_FRAME,
  statsOf,
  useTempDirs
} from "../support/persistence.js"
import { type Launched, launchEffcached } from "../support/servers.js"

const tempDir = useTempDirs()

/** Every state each key was ever given by a client (values and flags), and the last. */
const written = new Map<string, Array<Item | undefined>>()
const keys: Array<string> = []
const record = (key: string, item: Item | undefined) => {
  if (!written.has(key)) {
    written.set(key, [undefined])
    keys.push(key)
  }
  written.get(key)!.push(item)
}
const last = (key: string) => written.get(key)!.at(-1)

const setRequest = (key: string, flags: number, value: string) => {
  record(key, { flags, value })
  return `set ${key} ${flags} 0 ${value.length}\r\n${value}\r\n`
}

/** The undamaged data dir. */
let pristine = ""

beforeAll(async () => {
  pristine = tempDir()
  const random = new Random(21)
  const value = (key: string, version: number) => `${key}.v${version}.${"p".repeat(20 + random.below(200))}`
  // Phase 1, folded into a snapshot: 300 keys, then a snapshot (1-second interval).
  const first = await serve(["--data-dir", pristine, "--appendfsync", "always", "--snapshot-interval", "1"])
  try {
    const requests = Array.from({ length: 300 }, (_, i) => setRequest(`a${i}`, random.below(65536), value(`a${i}`, 1)))
    expect(new Set(await pipelined(first.port, requests))).toEqual(new Set(["STORED"]))
    const deadline = Date.now() + 10_000
    while (Number((await statsOf(first.port)).get("persist_snapshots") ?? 0) < 1) {
      if (Date.now() > deadline) throw new Error("no snapshot within 10 s with --snapshot-interval 1")
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  } finally {
    expect(await first.stop()).toBe(0)
  }
  // Phase 2, in the log only (a long snapshot interval, then kill -9): overwrites, deletes, counters,
  // meta sets, touches and new keys.
  const second = await serve(["--data-dir", pristine, "--appendfsync", "always", "--snapshot-interval", "3600"])
  try {
    const requests: Array<string> = []
    for (let i = 0; i < 100; i++) requests.push(setRequest(`a${i}`, random.below(65536), value(`a${i}`, 2)))
    for (let i = 100; i < 150; i++) {
      record(`a${i}`, undefined)
      requests.push(`delete a${i}\r\n`)
    }
    for (let i = 0; i < 20; i++) {
      requests.push(setRequest(`n${i}`, i, String(1000 * i)))
      record(`n${i}`, { flags: i, value: String(1000 * i + 7) })
      requests.push(`incr n${i} 7\r\n`)
    }
    for (let i = 0; i < 50; i++) {
      const v = value(`m${i}`, 1)
      const flags = random.below(65536)
      record(`m${i}`, { flags, value: v })
      requests.push(`ms m${i} ${v.length} F${flags}\r\n${v}\r\n`)
    }
    for (let i = 200; i < 220; i++) requests.push(`touch a${i} 100000\r\n`)
    for (let i = 0; i < 100; i++) requests.push(setRequest(`b${i}`, random.below(65536), value(`b${i}`, 1)))
    const replies = await pipelined(second.port, requests)
    expect(replies.filter((r) => !/^(STORED|DELETED|HD|TOUCHED|\d+)$/.test(r))).toEqual([])
  } finally {
    await killHard(second)
  }
}, 60_000)

/** What a server started on `dir` serves, checked against what was written; problems in words. */
const wrongValues = (found: ReadonlyMap<string, Item>): Array<string> =>
  keys.flatMap((key) => {
    const got = found.get(key)
    return got === undefined || written.get(key)!.some((state) => sameItem(state, got))
      ? []
      : [`${key}: served ${showItem(got)}, which no client stored`]
  })

describe("restoring an undamaged data dir", () => {
  it("serves exactly the last state of every key", async () => {
    const dir = tempDir()
    fs.cpSync(pristine, dir, { recursive: true })
    const server = await serve(["--data-dir", dir])
    try {
      const found = await readItems(server.port, keys)
      const lost = keys.filter((key) => !sameItem(found.get(key), last(key)))
      expect(lost.map((key) => `${key}: ${showItem(found.get(key))}, stored ${showItem(last(key))}`)).toEqual([])
    } finally {
      expect(await server.stop()).toBe(0)
    }
    expect(server.stderr()).not.toMatch(STACK_FRAME)
  })
})

/** One way to damage a file. */
interface Damage {
  readonly name: string
  readonly apply: (file: string) => void
}

const damages = (file: string, random: Random): Array<Damage> => {
  const size = fs.statSync(file).size
  const out: Array<Damage> = []
  const at = (n: number) => random.below(Math.max(1, n))
  // A lock is a few bytes: garbage and deleted say what there is to say about it.
  if (!kindOf(path.basename(file)).includes("lock") && size > 0) {
    // Anywhere, and within the last record or so (a torn last write).
    for (const length of [at(size), size - 1 - at(Math.min(size, 64))]) {
      out.push({
        name: `truncated to ${length} of ${size} bytes`,
        apply: (f) => fs.truncateSync(f, Math.max(0, length))
      })
    }
    const offset = at(size)
    const bit = random.below(8)
    out.push({
      name: `bit ${bit} of byte ${offset} of ${size} flipped`,
      apply: (f) => {
        const bytes = fs.readFileSync(f)
        bytes[offset] = bytes[offset]! ^ (1 << bit)
        fs.writeFileSync(f, bytes)
      }
    })
    const offsets = Array.from({ length: 8 }, () => at(size))
    const masks = offsets.map(() => 1 + random.below(255))
    out.push({
      name: `8 bytes randomised at ${offsets.join(",")}`,
      apply: (f) => {
        const bytes = fs.readFileSync(f)
        offsets.forEach((offset, i) => (bytes[offset] = bytes[offset]! ^ masks[i]!))
        fs.writeFileSync(f, bytes)
      }
    })
  }
  const length = 1 + random.below(2000)
  const garbage = Buffer.from(Array.from({ length }, () => random.below(256)))
  out.push({ name: `${length} bytes of garbage appended`, apply: (f) => fs.appendFileSync(f, garbage) })
  out.push({ name: "deleted", apply: (f) => fs.rmSync(f) })
  return out
}

/** A file's kind: its name with the numbers taken out (`log-2.log` is a `log-N.log`). */
const kindOf = (relative: string) => relative.replace(/\d+/g, "N")

/** The largest file of each kind in `dir`: the one whose damage can do the most harm. */
const onePerKind = (dir: string): Array<string> => {
  const largest = new Map<string, string>()
  for (const relative of filesUnder(dir)) {
    const kind = kindOf(relative)
    const held = largest.get(kind)
    if (held === undefined || fs.statSync(path.join(dir, relative)).size > fs.statSync(path.join(dir, held)).size) {
      largest.set(kind, relative)
    }
  }
  return [...largest.values()]
}

/** Words of a log line saying that something was dropped. */
const DROPPED = /drop|damage|corrupt|missing|truncat|checksum|crc/i

/** Whether a one-line refusal names the damaged file (a lock may be named by its data dir). */
const names = (line: string, dir: string, relative: string): boolean =>
  line.includes(path.basename(relative)) || (kindOf(relative).includes("lock") && line.includes(dir))

/** Starts a server on a damaged copy and holds it to the rules; problems in words. */
const tryDamaged = async (relative: string, damage: Damage): Promise<Array<string>> => {
  const dir = tempDir()
  fs.cpSync(pristine, dir, { recursive: true })
  damage.apply(path.join(dir, relative))
  const what = `${relative} ${damage.name}`
  let launched: Launched
  try {
    launched = await launchEffcached(["--data-dir", dir])
  } catch (error) {
    return [`${what}: ${error instanceof Error ? error.message : String(error)}`]
  }
  if (launched._tag === "Exited") {
    const lines = linesOf(launched.stderr)
    return [
      ...(launched.code === 0 ? [`${what}: exited 0 without serving`] : []),
      ...(STACK_FRAME.test(launched.stderr) ? [`${what}: a stack trace on stderr:\n${launched.stderr}`] : []),
      ...(lines.length !== 1 || !names(lines[0]!, dir, relative)
        ? [`${what}: exited ${launched.code ?? launched.signal} without one line naming the file:\n${launched.stderr}`]
        : [])
    ]
  }
  const server = launched.server
  let problems: Array<string> = []
  try {
    const found = await readItems(server.port, keys)
    problems = wrongValues(found).map((p) => `${what}: ${p}`)
    const lost = keys.filter((key) => !sameItem(found.get(key), last(key)))
    // Serving less than was stored is allowed, silently losing it is not: the log says what was dropped
    // (a deleted file too: the manifest names it).
    if (lost.length > 0 && !DROPPED.test(server.stderr())) {
      problems.push(`${what}: ${lost.length} keys lost (${lost.slice(0, 3).join(", ")}...) and nothing logged`)
    }
  } finally {
    const code = await server.stop()
    if (code !== 0) problems.push(`${what}: served, then exited ${code} on SIGTERM`)
  }
  if (STACK_FRAME.test(server.stderr())) problems.push(`${what}: a stack trace on stderr:\n${server.stderr()}`)
  return problems
}

describe("restoring a damaged data dir", () => {
  it("finds files to damage: a snapshot and a log at least", () => {
    expect(onePerKind(pristine).length, filesUnder(pristine).join(", ")).toBeGreaterThanOrEqual(2)
  })

  it("never serves a wrong value or flags, never hangs, never prints a stack trace", async () => {
    const random = new Random(22)
    const cases = onePerKind(pristine).flatMap((relative) =>
      damages(path.join(pristine, relative), random).map((damage) => ({ relative, damage }))
    )
    const problems: Array<string> = []
    // Three at a time: each case is a daemon start, mostly waiting on module loading and I/O.
    for (let i = 0; i < cases.length; i += 3) {
      const batch = cases.slice(i, i + 3)
      for (const found of await Promise.all(batch.map(({ damage, relative }) => tryDamaged(relative, damage)))) {
        problems.push(...found)
      }
    }
    expect(problems, `${problems.length} problems in ${cases.length} cases`).toEqual([])
  }, 80_000)
})

/** The newest file of `dir` matching `pattern` (by generation). */
const newest = (dir: string, pattern: RegExp): string =>
  fs.readdirSync(dir).filter((name) => pattern.test(name)).sort((a, b) =>
    Number(/\d+/.exec(a)![0]) - Number(/\d+/.exec(b)![0])
  ).at(-1)!

/**
 * Starts a server on a copy of the data dir changed by `change`; it must serve. Returns its stderr
 * (without -v), after checking that it served no wrong value and printed no stack trace.
 */
const startChanged = async (change: (dir: string) => void): Promise<{ stderr: string; lost: Array<string> }> => {
  const dir = tempDir()
  fs.cpSync(pristine, dir, { recursive: true })
  change(dir)
  const server = await serve(["--data-dir", dir])
  let found: Map<string, Item>
  try {
    found = await readItems(server.port, keys)
  } finally {
    expect(await server.stop()).toBe(0)
  }
  expect(wrongValues(found)).toEqual([])
  expect(server.stderr()).not.toMatch(STACK_FRAME)
  return { stderr: server.stderr(), lost: keys.filter((key) => !sameItem(found.get(key), last(key))) }
}

describe("files named by the manifest", () => {
  it("a deleted newest log: the server starts with the rest and names the log", async () => {
    const log = newest(pristine, /^log-\d+\.log$/)
    const { lost, stderr } = await startChanged((dir) => fs.rmSync(path.join(dir, log)))
    expect(lost.length).toBeGreaterThan(0)
    expect(stderr).toMatch(
      new RegExp(`dropped: .*${log.replace(".", "\\.")}: named by MANIFEST \\(\\d+ bytes\\) but missing`)
    )
  })

  it("a deleted snapshot: the server starts with the logs and names the snapshot", async () => {
    const snapshot = newest(pristine, /^snapshot-\d+\.snap$/)
    const { lost, stderr } = await startChanged((dir) => fs.rmSync(path.join(dir, snapshot)))
    expect(lost.length).toBeGreaterThan(0)
    expect(stderr).toMatch(new RegExp(`dropped: .*${snapshot.replace(".", "\\.")}: named by MANIFEST .* but missing`))
  })

  it("a deleted or damaged manifest: everything is restored from the listing, and the line says so", async () => {
    const deleted = await startChanged((dir) => fs.rmSync(path.join(dir, "MANIFEST")))
    expect(deleted.lost).toEqual([])
    expect(deleted.stderr).toMatch(/dropped: .*MANIFEST is missing; restored from the directory listing/)
    const damaged = await startChanged((dir) => {
      const file = path.join(dir, "MANIFEST")
      const bytes = fs.readFileSync(file)
      bytes[bytes.length - 9] = bytes[bytes.length - 9]! ^ 0x10
      fs.writeFileSync(file, bytes)
    })
    expect(damaged.lost).toEqual([])
    expect(damaged.stderr).toMatch(/dropped: .*MANIFEST: damaged \(checksum mismatch\), ignored/)
  })
})
