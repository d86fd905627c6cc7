import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll } from "vitest"
import * as DataDir from "../../src/persistence/DataDir.js"
import { nodeFileOps } from "../../src/persistence/FileOps.js"
import { logHeader } from "../../src/persistence/Format.js"
import {
  audit,
  decode,
  encode,
  MANIFEST,
  type Manifest,
  ManifestWriter,
  ofListing
} from "../../src/persistence/Manifest.js"

const made: Array<string> = []
afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true })
})
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "effcached-manifest-"))
  made.push(dir)
  return dir
}

const sample: Manifest = {
  snapshot: { gen: 7, bytes: 144_002_288 },
  logs: [{ gen: 7, bytes: 5_000_000_123 }, { gen: 8, bytes: 16 }, { gen: 9, bytes: 16 }]
}

describe("Manifest format", () => {
  it("round-trips, with and without a snapshot", () => {
    expect(decode(encode(sample))).toEqual({ _tag: "Manifest", manifest: sample })
    const noSnapshot: Manifest = { snapshot: undefined, logs: [{ gen: 0, bytes: 16 }] }
    expect(decode(encode(noSnapshot))).toEqual({ _tag: "Manifest", manifest: noSnapshot })
    const empty: Manifest = { snapshot: undefined, logs: [] }
    expect(decode(encode(empty))).toEqual({ _tag: "Manifest", manifest: empty })
  })

  it("refuses every single-bit flip", () => {
    const bytes = encode(sample)
    const accepted: Array<string> = []
    for (let i = 0; i < bytes.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const copy = Buffer.from(bytes)
        copy[i] = copy[i]! ^ (1 << bit)
        if (decode(copy)._tag !== "Damaged") accepted.push(`byte ${i} bit ${bit}`)
      }
    }
    expect(accepted).toEqual([])
  })

  it("refuses every truncation and appended bytes", () => {
    const bytes = encode(sample)
    const accepted: Array<number> = []
    for (let length = 0; length < bytes.length; length++) {
      if (decode(bytes.subarray(0, length))._tag !== "Damaged") accepted.push(length)
    }
    expect(accepted).toEqual([])
    expect(decode(Buffer.concat([bytes, Buffer.from([0])]))._tag).toBe("Damaged")
    expect(decode(Buffer.concat([bytes, bytes]))._tag).toBe("Damaged")
  })
})

/** A data dir holding a snapshot of `snapshotBytes` and logs of the given sizes (generations as named). */
const dirWith = (snapshot: [number, number] | undefined, logs: ReadonlyArray<[number, number]>) => {
  const dir = tempDir()
  if (snapshot !== undefined) fs.writeFileSync(DataDir.snapshotPath(dir, snapshot[0]), Buffer.alloc(snapshot[1]))
  for (const [gen, bytes] of logs) {
    fs.writeFileSync(DataDir.logPath(dir, gen), Buffer.concat([logHeader(gen), Buffer.alloc(bytes - 16)]))
  }
  return dir
}

describe("Manifest audit", () => {
  it("says nothing when every file it names is there, at least as long", () => {
    const dir = dirWith([3, 1000], [[3, 500], [4, 16]])
    fs.writeFileSync(path.join(dir, MANIFEST), encode(ofListing(DataDir.list(dir))))
    fs.appendFileSync(DataDir.logPath(dir, 4), Buffer.alloc(100))
    expect(audit(dir, DataDir.list(dir))).toEqual({ problems: [], lastGen: 4 })
  })

  it("names a deleted newest log, a deleted snapshot and a truncated log", () => {
    const dir = dirWith([3, 1000], [[3, 500], [4, 300], [5, 16]])
    fs.writeFileSync(path.join(dir, MANIFEST), encode(ofListing(DataDir.list(dir))))
    fs.rmSync(DataDir.logPath(dir, 5))
    fs.rmSync(DataDir.snapshotPath(dir, 3))
    fs.truncateSync(DataDir.logPath(dir, 4), 200)
    const { lastGen, problems } = audit(dir, DataDir.list(dir))
    expect(lastGen).toBe(5)
    expect(problems).toHaveLength(3)
    expect(problems[0]).toMatch(/snapshot-3\.snap: named by MANIFEST \(1000 bytes\) but missing/)
    expect(problems[1]).toMatch(/log-4\.log: 200 bytes, MANIFEST says at least 300: truncated/)
    expect(problems[2]).toMatch(/log-5\.log: named by MANIFEST \(16 bytes\) but missing/)
  })

  it("does not check files older than the newest snapshot there (a manifest one step behind)", () => {
    const dir = dirWith([3, 1000], [[3, 500]])
    fs.writeFileSync(path.join(dir, MANIFEST), encode(ofListing(DataDir.list(dir))))
    fs.rmSync(DataDir.snapshotPath(dir, 3))
    fs.rmSync(DataDir.logPath(dir, 3))
    fs.writeFileSync(DataDir.snapshotPath(dir, 4), Buffer.alloc(10))
    expect(audit(dir, DataDir.list(dir)).problems).toEqual([])
  })

  it("a missing manifest is a line unless the dir is empty; a damaged one is a line", () => {
    expect(audit(tempDir(), DataDir.list(tempDir())).problems).toEqual([])
    const dir = dirWith(undefined, [[0, 16]])
    expect(audit(dir, DataDir.list(dir)).problems).toEqual([
      expect.stringMatching(/MANIFEST is missing; restored from the directory listing/)
    ])
    const bytes = encode(ofListing(DataDir.list(dir)))
    bytes[5] = bytes[5]! ^ 4
    fs.writeFileSync(path.join(dir, MANIFEST), bytes)
    expect(audit(dir, DataDir.list(dir))).toEqual({
      problems: [expect.stringMatching(/MANIFEST: damaged \(not a manifest\), ignored/)],
      lastGen: -1
    })
  })
})

describe("ManifestWriter", () => {
  it.effect("records new logs, a snapshot (dropping older logs) and the final size, on disk each time", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const read = () => decode(fs.readFileSync(path.join(dir, MANIFEST)))
      const writer = new ManifestWriter(dir, nodeFileOps, { snapshot: undefined, logs: [{ gen: 0, bytes: 40 }] })
      yield* writer.logStarted(1, undefined)
      expect(read()).toEqual({
        _tag: "Manifest",
        manifest: { snapshot: undefined, logs: [{ gen: 0, bytes: 40 }, { gen: 1, bytes: 16 }] }
      })
      yield* writer.logStarted(2, { gen: 1, bytes: 900 })
      expect(writer.current.logs).toEqual([{ gen: 0, bytes: 40 }, { gen: 1, bytes: 900 }, { gen: 2, bytes: 16 }])
      yield* writer.snapshotDone(2, 5000)
      yield* writer.closed(2, 77)
      expect(read()).toEqual({
        _tag: "Manifest",
        manifest: { snapshot: { gen: 2, bytes: 5000 }, logs: [{ gen: 2, bytes: 77 }] }
      })
      expect(fs.readdirSync(dir)).toEqual([MANIFEST])
    }))
})
