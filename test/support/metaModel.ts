/**
 * The meta protocol in the reference model (test/support/model.ts): mg, ms, md, ma and mn over the
 * model's items, written from memcached 1.6.18's measured behaviour, not from effcached's store.
 *
 * Scope: plain keys, no clock output (no t or l), TTLs of 0, 1000 or -1 as in the text model, vivify
 * with N0. The recache markers are modelled: md I marks stale; the first mg of a stale or vivified item
 * wins (W), later ones see Z; a new value clears both.
 */
import type { CasSource, Expected, ModelItem, ModelItems } from "./model.js"
import { parseStoredNumber } from "./model.js"

/** A meta command of the model's subset. `flags` are in the order they are sent. */
export type MetaCommand =
  | {
    readonly op: "mg"
    readonly key: string
    readonly flags: ReadonlyArray<"v" | "s" | "f" | "k" | "c" | "h" | "q" | "O" | "u" | "N">
    readonly opaque: string
  }
  | {
    readonly op: "ms"
    readonly key: string
    readonly value: string
    readonly flags: ReadonlyArray<"c" | "k" | "q" | "O" | "I" | "F" | "T" | "M" | "C">
    readonly clientFlags: number
    readonly exptime: number
    readonly mode: "E" | "A" | "P" | "R" | "S"
    readonly opaque: string
    readonly unique: CasSource
  }
  | {
    readonly op: "md"
    readonly key: string
    readonly flags: ReadonlyArray<"q" | "k" | "O" | "I" | "C">
    readonly opaque: string
    readonly unique: CasSource
  }
  | {
    readonly op: "ma"
    readonly key: string
    readonly flags: ReadonlyArray<"v" | "q" | "c" | "k" | "O" | "N" | "J" | "D" | "M" | "C">
    readonly initial: bigint
    readonly delta: bigint
    readonly decr: boolean
    readonly opaque: string
    readonly unique: CasSource
  }
  | { readonly op: "mn" }

const U64_MAX = (1n << 64n) - 1n
const nonNumeric = "CLIENT_ERROR cannot increment or decrement non-numeric value"

const has = (command: { readonly flags: ReadonlyArray<string> }, flag: string) => command.flags.includes(flag)

/** A status line with the fields the flags ask for, in their order; `c` is the new item's CAS, if any. */
const statusLine = (
  status: string,
  command: Exclude<MetaCommand, { readonly op: "mn" }>,
  returned: string,
  fields: { readonly item?: ModelItem; readonly cas?: number }
): Expected => {
  let text = status
  const casIds: Array<number> = []
  for (const flag of command.flags) {
    if (!returned.includes(flag)) continue
    const item = fields.item
    switch (flag) {
      case "O":
        text += ` O${command.opaque}`
        break
      case "k":
        text += ` k${command.key}`
        break
      case "c":
        if (fields.cas === undefined) {
          text += " c0"
        } else {
          text += " c<cas>"
          casIds.push(fields.cas)
        }
        break
      case "s":
        text += ` s${item!.value.length}`
        break
      case "f":
        text += ` f${item!.flags}`
        break
      case "h":
        text += item!.fetched ? " h1" : " h0"
        break
    }
  }
  return { text: text + "\r\n", casIds }
}

const fresh = (value: string, flags: number, casId: number): ModelItem => ({
  value,
  flags,
  casId,
  fetched: false,
  stale: false,
  tokenSent: false
})

/**
 * Applies a meta command to the model's items; `casId` is the model id of the unique a C flag sent
 * (undefined when unknown, so it matches nothing and is newer than everything). Null text: no reply.
 */
export const runMeta = (items: ModelItems, command: MetaCommand, casId: number | undefined): Expected => {
  if (command.op === "mn") return { text: "MN\r\n", casIds: [] }
  const quiet = has(command, "q")
  const old = items.get(command.key)
  const silent: Expected = { text: null, casIds: [] }
  switch (command.op) {
    case "mg": {
      let item = old
      let won = false
      if (item === undefined && has(command, "N")) {
        item = fresh("", 0, items.newCasId())
        items.set(command.key, item)
        won = true
      }
      if (item === undefined) return quiet ? silent : statusLine("EN", command, "Ok", {})
      const reply = statusLine(has(command, "v") ? `VA ${item.value.length}` : "HD", command, "sfchkO", {
        item,
        cas: item.casId
      })
      if (item.stale && !item.tokenSent) won = true
      const trailer = (item.tokenSent ? " Z" : "") + (item.stale ? " X" : "") + (won ? " W" : "")
      if (won) item.tokenSent = true
      if (!has(command, "u")) item.fetched = true
      const data = has(command, "v") ? `${item.value}\r\n` : ""
      return { text: reply.text!.slice(0, -2) + trailer + "\r\n" + data, casIds: reply.casIds }
    }
    case "ms": {
      const mode = has(command, "M") ? command.mode : "S"
      const compared = has(command, "C")
      const store = (item: ModelItem, exptime: number) => {
        if (exptime < 0) items.delete(command.key)
        else items.set(command.key, item)
        return quiet ? silent : statusLine("HD", command, "Okc", { cas: item.casId })
      }
      const value = () => fresh(command.value, has(command, "F") ? command.clientFlags : 0, items.newCasId())
      const exptime = has(command, "T") ? command.exptime : 0
      if (compared && (mode === "S" || mode === "R")) {
        if (old === undefined) return statusLine("NF", command, "Okc", {})
        if (casId === old.casId) return store(value(), exptime)
        if (has(command, "I") && casId !== undefined && casId < old.casId) {
          // An older CAS with I stores a stale value, keeping the old TTL and recache state.
          return store({ ...value(), stale: true, tokenSent: old.tokenSent }, 0)
        }
        return statusLine("EX", command, "Okc", {})
      }
      if (mode === "E" && old !== undefined) return statusLine("NS", command, "Okc", {})
      if ((mode === "R" || mode === "A" || mode === "P") && old === undefined) {
        return statusLine("NS", command, "Okc", {})
      }
      if (mode === "A" || mode === "P") {
        if (compared && casId !== old!.casId) return statusLine("EX", command, "Okc", {})
        const joined = mode === "A" ? old!.value + command.value : command.value + old!.value
        return store(fresh(joined, old!.flags, items.newCasId()), 0)
      }
      return store(value(), exptime)
    }
    case "md": {
      if (old === undefined) return statusLine("NF", command, "Ok", {})
      if (has(command, "C") && casId !== old.casId) return statusLine("EX", command, "Ok", {})
      if (has(command, "I")) {
        items.set(command.key, { ...old, stale: true, tokenSent: false, casId: items.newCasId() })
      } else {
        items.delete(command.key)
      }
      return quiet ? silent : statusLine("HD", command, "Ok", {})
    }
    case "ma": {
      let digits: string
      let created = false
      let item: ModelItem
      if (old === undefined) {
        if (!has(command, "N")) return statusLine("NF", command, "Ok", {})
        digits = (has(command, "J") ? command.initial : 0n).toString()
        item = fresh(digits, 0, items.newCasId())
        created = true
      } else {
        if (old.value.length === 0) return { text: `${nonNumeric}\r\n`, casIds: [] }
        if (has(command, "C") && casId !== old.casId) return statusLine("EX", command, "Ok", {})
        const current = parseStoredNumber(old.value)
        if (current === undefined) return { text: `${nonNumeric}\r\n`, casIds: [] }
        const delta = has(command, "D") ? command.delta : 1n
        const decr = has(command, "M") && command.decr
        const next = decr ? (delta > current ? 0n : current - delta) : (current + delta) & U64_MAX
        digits = next.toString()
        // A number that fits is rewritten in place (space-padded), keeping the item's markers.
        item = digits.length <= old.value.length
          ? { ...old, value: digits.padEnd(old.value.length, " "), casId: items.newCasId() }
          : fresh(digits, old.flags, items.newCasId())
      }
      items.set(command.key, item)
      if (quiet && !created) return silent
      const reply = statusLine(has(command, "v") ? `VA ${digits.length}` : "HD", command, "cOk", { cas: item.casId })
      return has(command, "v") ? { text: `${reply.text}${digits}\r\n`, casIds: reply.casIds } : reply
    }
  }
}

/** The wire bytes of a meta command; `unique` is the resolved CAS unique of a C flag. */
export const encodeMeta = (command: MetaCommand, unique?: bigint): Buffer => {
  if (command.op === "mn") return Buffer.from("mn\r\n")
  const words = command.flags.map((flag) => {
    switch (flag) {
      case "O":
        return `O${command.opaque}`
      case "C":
        return `C${unique}`
      case "N":
        return "N0"
      case "F":
        return `F${command.op === "ms" ? command.clientFlags : 0}`
      case "T":
        return `T${command.op === "ms" ? command.exptime : 0}`
      case "M":
        return command.op === "ms" ? `M${command.mode}` : command.op === "ma" && command.decr ? "MD" : "MI"
      case "J":
        return `J${command.op === "ma" ? command.initial : 0n}`
      case "D":
        return `D${command.op === "ma" ? command.delta : 1n}`
      default:
        return flag
    }
  })
  const head = command.op === "ms"
    ? [command.op, command.key, command.value.length, ...words]
    : [command.op, command.key, ...words]
  return Buffer.from(`${head.join(" ")}\r\n${command.op === "ms" ? `${command.value}\r\n` : ""}`, "latin1")
}
