/**
 * From what a person types to a request. Friendly forms (`set KEY VALUE [ttl] [flags]`, `incr KEY`,
 * `ms KEY VALUE ...`) are rewritten into the raw protocol; everything then goes through the server's
 * own request reader (protocol/TextReader), so a command is checked exactly as memcached checks it,
 * and a malformed one gets the reply memcached would give it.
 *
 * A storage command whose arguments after the key are all numbers is the raw form: its data block
 * follows on the next line. Quote a numeric value to store it with the friendly form (`set k "5"`).
 *
 * @module
 */
import type { Request } from "../domain/Request.js"
import type { Result } from "../domain/Result.js"
import { TextReader } from "../protocol/TextReader.js"
import { COMMANDS } from "./Commands.js"
import { isNumber, type Token, tokenize } from "./Tokens.js"

/** How a reply is shown: `value` prints a get's values; `reply` the protocol's words (stats as a table). */
export type Display = "value" | "reply"

/** What a line asks for. */
export type Invocation =
  | { readonly _tag: "Empty" }
  | { readonly _tag: "Help"; readonly topic: string | undefined }
  | { readonly _tag: "Quit" }
  | { readonly _tag: "Invalid"; readonly message: string }
  /** A protocol line; `data` is its data block, or "next" when the next line of input holds it. */
  | {
    readonly _tag: "Send"
    readonly line: Buffer
    readonly data: Buffer | "next" | undefined
    readonly display: Display
  }

const KNOWN = new Set(COMMANDS.map((c) => c.name))
const STORAGE = new Set(["set", "add", "replace", "append", "prepend"])

const isInteger = (token: Token | undefined): boolean =>
  token !== undefined && !token.quoted && /^-?\d+$/.test(token.text)

const join = (parts: ReadonlyArray<Buffer | string>): Buffer =>
  Buffer.concat(
    parts.flatMap((
      part,
      i
    ) => [...(i > 0 ? [Buffer.from(" ")] : []), typeof part === "string" ? Buffer.from(part) : part])
  )

const send = (line: Buffer, data: Buffer | "next" | undefined = undefined, display: Display = "reply"): Invocation => ({
  _tag: "Send",
  line,
  data,
  display
})

const usage = (name: string): Invocation => ({
  _tag: "Invalid",
  message: `usage: ${COMMANDS.find((c) => c.name === name)!.forms.join("\n       ")}`
})

/** Reads one line of input. */
export const parseLine = (input: string): Invocation => {
  const tokens = tokenize(input)
  if (typeof tokens === "string") return { _tag: "Invalid", message: tokens }
  return parseTokens(tokens)
}

/** Reads a command given as words (the command line's arguments, already split by the shell). */
export const parseWords = (words: ReadonlyArray<string>): Invocation =>
  parseTokens(words.map((text) => ({ text, bytes: Buffer.from(text, "utf8"), quoted: /\s/.test(text) || text === "" })))

const parseTokens = (tokens: ReadonlyArray<Token>): Invocation => {
  if (tokens.length === 0) return { _tag: "Empty" }
  const [first, ...rest] = tokens
  const name = first!.text.toLowerCase()
  const all = tokens.map((t) => t.bytes)
  switch (name) {
    case "help":
      return { _tag: "Help", topic: rest[0]?.text }
    case "quit":
    case "exit":
      return { _tag: "Quit" }
    case "get":
      return rest.length === 0 ? usage(name) : send(join(all), undefined, "value")
    case "incr":
    case "decr":
      // The friendly form's delta defaults to 1.
      return rest.length === 1 ? send(join([...all, "1"])) : send(join(all))
    case "cas": {
      const raw = (rest.length === 5 || (rest.length === 6 && rest[5]!.text === "noreply")) &&
        isNumber(rest[1]) && isInteger(rest[2]) && isNumber(rest[3]) && isNumber(rest[4])
      if (raw) return send(join(all), "next")
      if (rest.length < 3 || rest.length > 5) return usage(name)
      const [key, value, cas, ttl, flags] = rest
      return send(
        join([
          first!.bytes,
          key!.bytes,
          flags?.bytes ?? "0",
          ttl?.bytes ?? "0",
          String(value!.bytes.length),
          cas!.bytes
        ]),
        value!.bytes
      )
    }
    case "ms": {
      if (rest.length < 2) return usage(name)
      if (isNumber(rest[1])) return send(join(all), "next")
      const [key, value, ...flags] = rest
      return send(
        join([first!.bytes, key!.bytes, String(value!.bytes.length), ...flags.map((f) => f.bytes)]),
        value!.bytes
      )
    }
    default: {
      if (STORAGE.has(name)) {
        const raw = (rest.length === 4 || (rest.length === 5 && rest[4]!.text === "noreply")) &&
          isNumber(rest[1]) && isInteger(rest[2]) && isNumber(rest[3])
        if (raw) return send(join(all), "next")
        if (rest.length < 2 || rest.length > 4) return usage(name)
        const [key, value, ttl, flags] = rest
        return send(
          join([first!.bytes, key!.bytes, flags?.bytes ?? "0", ttl?.bytes ?? "0", String(value!.bytes.length)]),
          value!.bytes
        )
      }
      if (!KNOWN.has(name)) {
        return { _tag: "Invalid", message: `unknown command ${JSON.stringify(first!.text)} ("help" lists them)` }
      }
      return send(join(all))
    }
  }
}

/** The request a protocol line (and its data block) stands for, or the reply memcached gives it. */
export const toRequest = (line: Buffer, data: Buffer | undefined): Request | Result => {
  const reader = new TextReader({ maxItemSize: Number.MAX_SAFE_INTEGER })
  reader.push(Buffer.concat([line, Buffer.from("\r\n")]))
  if (data !== undefined) reader.push(Buffer.concat([data, Buffer.from("\r\n")]))
  return reader.next() ?? { _tag: "ClientError", message: "bad data chunk" }
}
