import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { AuthTable, load } from "../../src/auth/AuthFile.js"

const table = (text: string) => {
  const parsed = AuthTable.parse(Buffer.from(text, "latin1"))
  if (typeof parsed === "number") throw new Error(`malformed line ${parsed}`)
  return parsed
}
const check = (t: AuthTable, user: string, pass: string) => t.check(Buffer.from(user), Buffer.from(pass))

describe("AuthFile", () => {
  it("reads user:password lines (memcached's t/authfile), with or without a final newline", () => {
    const t = table("foo:bar\nbaaaz:quux\n")
    expect(t.size).toBe(2)
    expect(check(t, "foo", "bar")).toBe(true)
    expect(check(t, "baaaz", "quux")).toBe(true)
    expect(check(t, "foo", "quux")).toBe(false)
    expect(check(t, "foo", "ba")).toBe(false)
    expect(check(t, "foo", "barr")).toBe(false)
    expect(check(t, "fo", "bar")).toBe(false)
    expect(table("a:b").size).toBe(1)
    expect(check(table("a:b"), "a", "b")).toBe(true)
  })

  it("ends a password at CR, keeps colons and spaces after the first colon, and allows empty parts", () => {
    expect(check(table("u:p\r\n"), "u", "p")).toBe(true)
    expect(check(table("u:a:b c\n"), "u", "a:b c")).toBe(true)
    expect(check(table(":secret\n"), "", "secret")).toBe(true)
    expect(check(table("user:\n"), "user", "")).toBe(true)
  })

  it("reads more entries than memcached's eight", () => {
    const lines = Array.from({ length: 20 }, (_, i) => `user${i}:pass${i}`).join("\n")
    expect(check(table(lines), "user19", "pass19")).toBe(true)
  })

  it("finds a line without a colon malformed, an empty line included (memcached refuses those too)", () => {
    expect(AuthTable.parse(Buffer.from("foo:bar\nnocolon\n"))).toBe(2)
    expect(AuthTable.parse(Buffer.from("foo:bar\n\nbaz:q\n"))).toBe(2)
    expect(AuthTable.parse(Buffer.from("fo\0o:bar\n"))).toBe(1)
    expect(table("").size).toBe(0)
  })

  it.effect("loads a file, and names it when it is missing or malformed", () =>
    Effect.gen(function*() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "effcached-auth-"))
      try {
        const good = path.join(dir, "good")
        fs.writeFileSync(good, "foo:bar\n")
        expect(check(yield* load(good), "foo", "bar")).toBe(true)
        const bad = path.join(dir, "bad")
        fs.writeFileSync(bad, "foo\n")
        const malformed = yield* Effect.exit(load(bad))
        expect(malformed).toMatchObject(Exit.fail({ reason: "malformed" }))
        if (Exit.isFailure(malformed)) {
          expect(String(malformed.cause)).toContain(`Authfile [${bad}] has a malformed entry (line 1)`)
        }
        const missing = yield* Effect.flip(load(path.join(dir, "missing")))
        expect(missing.reason).toBe("open")
        expect(missing.message).toMatch(/^Could not open authfile \[.*missing\] for reading: ENOENT/)
      } finally {
        fs.rmSync(dir, { recursive: true })
      }
    }))
})
