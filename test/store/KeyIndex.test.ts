import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { hashBytes, hashKey, KeyIndex } from "../../src/store/KeyIndex.js"

describe("KeyIndex", () => {
  it("hashes a key's characters and its latin1 bytes alike", () => {
    for (const key of ["a", "key:123", "\u00ff\u0001x"]) {
      const bytes = Buffer.from(key, "latin1")
      expect(hashBytes(bytes, 0, bytes.length)).toBe(hashKey(key))
    }
  })

  it.prop(
    "agrees with a Map under inserts (put, or add when the hash is absent), overwrites, moves and removals, across growth",
    [fc.array(
      fc.record({
        op: fc.constantFrom("put", "put", "add", "remove", "move"),
        key: fc.integer({ min: 0, max: 3000 })
      }),
      { maxLength: 3000 }
    )],
    ([ops]) => {
      // Keys are "records" numbered by insertion; the index confirms a key through this table.
      const keyOfRef = new Map<number, string>()
      const index = new KeyIndex((ref, key) => keyOfRef.get(ref) === key)
      const model = new Map<string, number>()
      let nextRef = 0
      for (const { key: k, op } of ops) {
        // Few distinct hashes: collisions and long probe runs are the interesting cases.
        const key = `k${k}`
        const hash = hashKey(key) & 0xff00ff
        const current = model.get(key)
        if (op === "put" || op === "add") {
          const ref = nextRef++
          keyOfRef.set(ref, key)
          // lacks: no key held has this hash (restore's bulk inserts then skip the key comparison).
          const lacks = index.lacks(hash)
          expect(lacks).toBe(![...model.keys()].some((held) => (hashKey(held) & 0xff00ff) === hash))
          if (op === "add" && lacks) index.add(hash, ref)
          // put hands back the reference it replaced: the store retires that record.
          else expect(index.put(key, hash, ref)).toBe(current ?? -1)
          model.set(key, ref)
        } else if (current !== undefined && op === "remove") {
          index.remove(hash, current)
          model.delete(key)
        } else if (current !== undefined) {
          const ref = nextRef++
          keyOfRef.set(ref, key)
          index.move(hash, current, ref)
          model.set(key, ref)
        }
        expect(index.size).toBe(model.size)
      }
      for (let k = 0; k <= 3000; k += 7) {
        const key = `k${k}`
        expect(index.get(key, hashKey(key) & 0xff00ff)).toBe(model.get(key) ?? -1)
      }
      for (const [key, ref] of model) expect(index.get(key, hashKey(key) & 0xff00ff)).toBe(ref)
    },
    { fastCheck: { numRuns: 30 } }
  )
})
