/**
 * How replies are printed: in memcached's own words (STORED, NOT_FOUND, VALUE ... END, SERVER_ERROR
 * ...), exactly the bytes the server sent, except a friendly `get`, which prints values, and `stats`,
 * which prints an aligned table (a column per server when there are several).
 *
 * @module
 */
import type { Request } from "../domain/Request.js"
import type { Hit, Result } from "../domain/Result.js"
import { ReplyBuffer } from "../protocol/ReplyBuffer.js"
import { encodeReply } from "../protocol/ReplyEncoder.js"
import type { Display } from "./Input.js"

/** What a command printed, and whether it succeeded (error replies and failures did not). */
export interface Printed {
  readonly output: Buffer
  readonly ok: boolean
}

const ERROR_TAGS: ReadonlySet<string> = new Set([
  "ClientError",
  "ServerError",
  "UnknownCommand",
  "NotEnabled",
  // An operator command's refusal: BADCLASS, BUSY, NOSPARE...
  "StatusLine"
])

/** Whether a result is an error reply. */
export const isErrorReply = (result: Result): boolean => ERROR_TAGS.has(result._tag)

/** The reply's bytes as the server sent them, with LF line ends. */
const protocolText = (result: Result): Buffer => {
  const out = new ReplyBuffer()
  encodeReply(result, out)
  const bytes = Buffer.concat(out.take()).toString("latin1").replace(/\r\n/g, "\n")
  return Buffer.from(bytes, "latin1")
}

/** A value shown on one line: printable text as it is, anything else escaped (`\n`, `\xHH`). */
export const showValue = (value: Uint8Array): string => {
  const text = Buffer.from(value.buffer, value.byteOffset, value.length).toString("utf8")
  const clean = !text.includes("\uFFFD") && !value.some((b) => b < 0x20 || b === 0x7f)
  if (clean) return text
  return [...value].map((b) =>
    b === 0x0a ? "\\n" : b === 0x0d ? "\\r" : b === 0x09 ? "\\t" : b === 0x5c ? "\\\\" : b < 0x20 || b >= 0x7f
      ? `\\x${b.toString(16).padStart(2, "0")}`
      : String.fromCharCode(b)
  ).join("")
}

/** The key as the user typed it (its UTF-8 bytes back to text). */
const keyText = (key: string): string => Buffer.from(key, "latin1").toString("utf8")

/** A friendly get: one key prints its value as is; several print `key value` lines. */
const values = (request: Request, hits: ReadonlyArray<Hit>): Buffer => {
  const keys = "keys" in request ? request.keys : []
  if (keys.length === 1) {
    const hit = hits[0]
    return hit === undefined ? Buffer.from("NOT_FOUND\n") : Buffer.concat([hit.value, Buffer.from("\n")])
  }
  const byKey = new Map(hits.map((hit) => [hit.key, hit]))
  const width = Math.max(...keys.map((key) => keyText(key).length))
  return Buffer.from(
    keys.map((key) => {
      const hit = byKey.get(key)
      return `${keyText(key).padEnd(width)}  ${hit === undefined ? "NOT_FOUND" : showValue(hit.value)}\n`
    }).join(""),
    "utf8"
  )
}

/** Rows aligned in columns, two spaces apart. */
export const table = (rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths: Array<number> = []
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)))
  return rows.map((row) =>
    row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ").trimEnd()
  )
    .join("\n") + "\n"
}

/** `stats` replies as one table: a name column, then a value column per server. */
const statsTable = (
  labels: ReadonlyArray<string>,
  replies: ReadonlyArray<ReadonlyArray<readonly [string, string]>>
) => {
  const names: Array<string> = []
  const seen = new Set<string>()
  const values = replies.map((entries) => new Map(entries))
  for (const entries of replies) {
    for (const [name] of entries) {
      if (!seen.has(name)) {
        seen.add(name)
        names.push(name)
      }
    }
  }
  const header = labels.length > 1 ? [["", ...labels]] : []
  return table([...header, ...names.map((name) => [name, ...values.map((v) => v.get(name) ?? "")])])
}

/** Prints the result of `request`, shown as `display` asks. */
export const printResult = (request: Request, result: Result, display: Display): Printed => {
  if (result._tag === "Values" && display === "value") return { output: values(request, result.hits), ok: true }
  if (result._tag === "StatsReply") {
    return { output: Buffer.from(statsTable([""], [result.entries]), "latin1"), ok: true }
  }
  return { output: protocolText(result), ok: !isErrorReply(result) }
}

/** Prints a request's results from several servers: stats as one table, anything else per server. */
export const printResults = (
  request: Request,
  results: ReadonlyArray<{ readonly server: string; readonly result: Result }>,
  display: Display
): Printed => {
  if (results.length === 1) return printResult(request, results[0]!.result, display)
  const ok = results.every(({ result }) => !isErrorReply(result))
  if (results.every(({ result }) => result._tag === "StatsReply")) {
    const replies = results.map(({ result }) => (result as Extract<Result, { _tag: "StatsReply" }>).entries)
    return { output: Buffer.from(statsTable(results.map((r) => r.server), replies), "latin1"), ok }
  }
  const lines = results.flatMap(({ result, server }) =>
    printResult(request, result, display).output.toString("latin1").split("\n").filter((line) => line !== "")
      .map((line) => `${server}  ${line}\n`)
  )
  return { output: Buffer.from(lines.join(""), "latin1"), ok }
}
