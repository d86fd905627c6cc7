/**
 * memcached's ASCII authentication file (`-Y`): one `user:password` per line. The user ends at the
 * first `:`, the password at the end of the line (a CR before the LF is not part of it); a line
 * without `:`, an empty one included, makes the whole file malformed, as in memcached.
 *
 * Credentials are kept only as SHA-256 digests, and checking compares digests of equal length with
 * `crypto.timingSafeEqual`, against every entry, so the time a check takes says nothing about how
 * much of a user or password was right, nor which entry matched.
 *
 * @module
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as crypto from "node:crypto"
import * as fs from "node:fs"

/** Why an authentication file could not be used. */
export class AuthFileError extends Data.TaggedError("AuthFileError")<{
  readonly path: string
  /** `open`: the file cannot be read; `malformed`: a line is not `user:password`. */
  readonly reason: "open" | "malformed"
  readonly detail: string
}> {
  override get message(): string {
    return this.reason === "open"
      ? `Could not open authfile [${this.path}] for reading: ${this.detail}`
      : `Authfile [${this.path}] has a malformed entry (${this.detail}). Should be 'user:password'`
  }
}

interface Entry {
  readonly user: Buffer
  readonly pass: Buffer
}

const digest = (bytes: Uint8Array): Buffer => crypto.createHash("sha256").update(bytes).digest()

/** The credentials of one authentication file. */
export class AuthTable {
  private constructor(private readonly entries: ReadonlyArray<Entry>) {}

  /** How many `user:password` entries the file had. */
  get size(): number {
    return this.entries.length
  }

  /**
   * Reads the file's bytes; a line number (from 1) when one is malformed. A last line without a
   * newline counts; memcached reads at most 8 entries, effcached all of them.
   */
  static parse(content: Uint8Array): AuthTable | number {
    const entries: Array<Entry> = []
    const bytes = Buffer.from(content.buffer, content.byteOffset, content.byteLength)
    let start = 0
    let line = 0
    while (start < bytes.length) {
      line++
      let end = bytes.indexOf(0x0a, start)
      if (end < 0) end = bytes.length
      const text = bytes.subarray(start, end)
      start = end + 1
      const colon = text.indexOf(0x3a)
      const nul = text.indexOf(0x00)
      if (colon < 0 || (nul >= 0 && nul < colon)) return line
      let passEnd = colon + 1
      while (passEnd < text.length && text[passEnd] !== 0x0d && text[passEnd] !== 0x00) passEnd++
      entries.push({ user: digest(text.subarray(0, colon)), pass: digest(text.subarray(colon + 1, passEnd)) })
    }
    return new AuthTable(entries)
  }

  /** Whether `user` and `password` are one of the file's entries; constant time for given lengths. */
  check(user: Uint8Array, password: Uint8Array): boolean {
    const u = digest(user)
    const p = digest(password)
    let found = 0
    for (const entry of this.entries) {
      // Both comparisons always run (no &&), over every entry: timing reveals nothing.
      found |= Number(crypto.timingSafeEqual(u, entry.user)) & Number(crypto.timingSafeEqual(p, entry.pass))
    }
    return found === 1
  }
}

/** Reads and parses an authentication file. */
export const load = (path: string): Effect.Effect<AuthTable, AuthFileError> =>
  Effect.flatMap(
    Effect.tryPromise({
      try: () => fs.promises.readFile(path),
      catch: (e) => new AuthFileError({ path, reason: "open", detail: (e as Error).message })
    }),
    (content) => {
      const table = AuthTable.parse(content)
      return typeof table === "number"
        ? Effect.fail(new AuthFileError({ path, reason: "malformed", detail: `line ${table}` }))
        : Effect.succeed(table)
    }
  )
