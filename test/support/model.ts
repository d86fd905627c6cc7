/**
 * A pure reference model of memcached's keyed commands, written from memcached 1.6's documented and
 * measured behaviour (not from effcached's store), for model-based tests.
 *
 * Scope: set/add/replace/append/prepend/cas, get/gets/gat/gats, delete, incr/decr, touch and
 * flush_all without delay; exptime 0 (never), a far-future relative time (never, within a test) or
 * -1 (already expired). Values are latin1 strings (one char per byte).
 *
 * The meta protocol's part of the model is in ./metaModel.ts.
 *
 * CAS uniques: the model cannot know the server's numbers, so it gives every stored item version a
 * model id of its own (a new one on each store, incr/decr, append/prepend; none on touch/gat) and
 * expects `<cas>` where a reply carries one. {@link CasMap} learns which server unique each model id
 * got from gets/gats replies, and checks that this is a bijection.
 */

import { encodeMeta, type MetaCommand, runMeta } from "./metaModel.js"

/** A command of the model's subset of the text and meta protocols. */
export type Command =
  | MetaCommand
  | {
    readonly op: "set" | "add" | "replace" | "append" | "prepend"
    readonly key: string
    readonly flags: number
    readonly exptime: number
    readonly value: string
    readonly noreply: boolean
  }
  | {
    readonly op: "cas"
    readonly key: string
    readonly flags: number
    readonly exptime: number
    readonly value: string
    readonly noreply: boolean
    /** Where the test takes the unique from (see the model test). */
    readonly unique: CasSource
  }
  | { readonly op: "get" | "gets"; readonly keys: ReadonlyArray<string> }
  | { readonly op: "gat" | "gats"; readonly exptime: number; readonly keys: ReadonlyArray<string> }
  | { readonly op: "delete"; readonly key: string; readonly noreply: boolean }
  | { readonly op: "incr" | "decr"; readonly key: string; readonly delta: bigint; readonly noreply: boolean }
  | { readonly op: "touch"; readonly key: string; readonly exptime: number; readonly noreply: boolean }
  | { readonly op: "flush_all"; readonly noreply: boolean }

/**
 * The unique a cas command sends: the key's current one read by a `gets` just before ("fresh"), one
 * seen earlier in the run ("seen", by index), or a number no server has handed out ("bogus").
 */
export type CasSource =
  | { readonly kind: "fresh" }
  | { readonly kind: "seen"; readonly index: number }
  | { readonly kind: "bogus"; readonly value: bigint }

/** What the server must answer: the reply text with `<cas>` for each unique, or null under noreply. */
export interface Expected {
  readonly text: string | null
  /** The model ids of the uniques in `text`, in order. */
  readonly casIds: ReadonlyArray<number>
}

/** One item of the model: its value and the meta protocol's markers. */
export interface ModelItem {
  readonly value: string
  readonly flags: number
  readonly casId: number
  /** Fetched since stored (mg h). */
  fetched: boolean
  /** Marked stale (mg X). */
  stale: boolean
  /** A client won the right to recache it (mg W, then Z). */
  tokenSent: boolean
}

/** The model's items, as the meta part of the model works on them. */
export interface ModelItems {
  get(key: string): ModelItem | undefined
  set(key: string, item: ModelItem): void
  delete(key: string): void
  /** The model CAS id for a new item version. */
  newCasId(): number
}

const U64_MAX = (1n << 64n) - 1n
const I64_MAX = (1n << 63n) - 1n

const isSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d)

/**
 * memcached's `safe_strtoull` on an item's data (which is followed by `\r\n` in memory): leading
 * whitespace and a sign are skipped, the digits must end at the data's end, a NUL or whitespace;
 * out of range fails; a `-` is refused when the wrapped result looks negative as a signed number.
 * Undefined where memcached says "non-numeric". Empty data is refused before parsing.
 */
export const parseStoredNumber = (data: string): bigint | undefined => {
  if (data.length === 0) return undefined
  let i = 0
  while (i < data.length && isSpace(data.charCodeAt(i))) i++
  let negative = false
  if (data[i] === "+" || data[i] === "-") {
    negative = data[i] === "-"
    i++
  }
  const start = i
  while (i < data.length && data.charCodeAt(i) >= 0x30 && data.charCodeAt(i) <= 0x39) i++
  if (i === start) return undefined
  if (i < data.length && data.charCodeAt(i) !== 0 && !isSpace(data.charCodeAt(i))) return undefined
  const magnitude = BigInt(data.slice(start, i))
  if (magnitude > U64_MAX) return undefined
  const value = negative ? (-magnitude) & U64_MAX : magnitude
  if (negative && value > I64_MAX) return undefined
  return value
}

/** Whether a value would send memcached's strtoull past the end of the data (all whitespace): avoid it. */
export const isAmbiguousNumber = (data: string): boolean =>
  data.length > 0 && [...data].every((c) => isSpace(c.charCodeAt(0)))

const line = (s: string): Expected => ({ text: `${s}\r\n`, casIds: [] })

const nonNumeric = "CLIENT_ERROR cannot increment or decrement non-numeric value"

/** The reference model: one server's items. */
export class Model {
  private readonly items = new Map<string, ModelItem>()
  private nextCasId = 1
  private readonly store: ModelItems = {
    get: (key) => this.items.get(key),
    set: (key, item) => void this.items.set(key, item),
    delete: (key) => void this.items.delete(key),
    newCasId: () => this.nextCasId++
  }

  private fresh(value: string, flags: number): ModelItem {
    return { value, flags, casId: this.nextCasId++, fetched: false, stale: false, tokenSent: false }
  }

  /** The current model CAS id of a key, if it is live. */
  casIdOf(key: string): number | undefined {
    return this.items.get(key)?.casId
  }

  /** Keys currently live, for a final state check. */
  keys(): Array<string> {
    return [...this.items.keys()]
  }

  private put(key: string, flags: number, exptime: number, value: string): void {
    // A store with a negative exptime succeeds, replacing the old item by one already dead.
    if (exptime < 0) this.items.delete(key)
    else this.items.set(key, this.fresh(value, flags))
  }

  /**
   * Applies a command. For cas (and a meta command's C flag), `casId` is the model id of the unique
   * sent (undefined when the unique was never handed out as far as the model knows, so it matches
   * nothing).
   */
  apply(command: Command, casId?: number): Expected {
    if (isMeta(command)) return runMeta(this.store, command, casId)
    const quiet = "noreply" in command && command.noreply
    const result = this.run(command, casId)
    return quiet ? { text: null, casIds: [] } : result
  }

  private run(command: Exclude<Command, MetaCommand>, casId: number | undefined): Expected {
    switch (command.op) {
      case "set":
        this.put(command.key, command.flags, command.exptime, command.value)
        return line("STORED")
      case "add":
        if (this.items.has(command.key)) return line("NOT_STORED")
        this.put(command.key, command.flags, command.exptime, command.value)
        return line("STORED")
      case "replace":
        if (!this.items.has(command.key)) return line("NOT_STORED")
        this.put(command.key, command.flags, command.exptime, command.value)
        return line("STORED")
      case "append":
      case "prepend": {
        const old = this.items.get(command.key)
        if (old === undefined) return line("NOT_STORED")
        // The flags and exptime sent are ignored: the item keeps its own.
        const value = command.op === "append" ? old.value + command.value : command.value + old.value
        this.items.set(command.key, this.fresh(value, old.flags))
        return line("STORED")
      }
      case "cas": {
        const old = this.items.get(command.key)
        if (old === undefined) return line("NOT_FOUND")
        if (casId !== old.casId) return line("EXISTS")
        this.put(command.key, command.flags, command.exptime, command.value)
        return line("STORED")
      }
      case "get":
      case "gets":
      case "gat":
      case "gats": {
        const withCas = command.op === "gets" || command.op === "gats"
        const touching = command.op === "gat" || command.op === "gats"
        let text = ""
        const casIds: Array<number> = []
        // Keys are looked up in order, repeats included; a gat to -1 kills the item for later repeats.
        for (const key of command.keys) {
          const item = this.items.get(key)
          if (item === undefined) continue
          text += `VALUE ${key} ${item.flags} ${item.value.length}${withCas ? " <cas>" : ""}\r\n${item.value}\r\n`
          if (withCas) casIds.push(item.casId)
          item.fetched = true
          if (touching && command.exptime < 0) this.items.delete(key)
        }
        return { text: text + "END\r\n", casIds }
      }
      case "delete":
        return line(this.items.delete(command.key) ? "DELETED" : "NOT_FOUND")
      case "incr":
      case "decr": {
        const item = this.items.get(command.key)
        if (item === undefined) return line("NOT_FOUND")
        const current = parseStoredNumber(item.value)
        if (current === undefined) return line(nonNumeric)
        const next = command.op === "incr"
          ? (current + command.delta) & U64_MAX
          : command.delta > current
          ? 0n
          : current - command.delta
        const digits = next.toString()
        // A number no longer than the old value is written in place, space-padded to the old length,
        // and the item keeps its markers; a longer one is a new item.
        this.items.set(
          command.key,
          digits.length <= item.value.length
            ? { ...item, value: digits.padEnd(item.value.length, " "), casId: this.nextCasId++ }
            : this.fresh(digits, item.flags)
        )
        return line(digits)
      }
      case "touch": {
        const item = this.items.get(command.key)
        if (item === undefined) return line("NOT_FOUND")
        item.fetched = true
        if (command.exptime < 0) this.items.delete(command.key)
        return line("TOUCHED")
      }
      case "flush_all":
        this.items.clear()
        return line("OK")
    }
  }
}

const metaOps: ReadonlySet<string> = new Set(["mg", "ms", "md", "ma", "mn"])

/** Whether a command is a meta command. */
export const isMeta = (command: Command): command is MetaCommand => metaOps.has(command.op)

/** Whether a command sends a CAS unique: a cas, or a meta command with the C flag. */
export const sendsUnique = (command: Command): command is Extract<Command, { readonly unique: CasSource }> =>
  command.op === "cas" ||
  ("unique" in command && "flags" in command && Array.isArray(command.flags) && command.flags.includes("C"))

/** The wire bytes of a command; `unique` is the resolved CAS unique of a cas command or a C flag. */
export const encodeCommand = (command: Command, unique?: bigint): Buffer => {
  if (isMeta(command)) return encodeMeta(command, unique)
  const nr = "noreply" in command && command.noreply ? " noreply" : ""
  switch (command.op) {
    case "set":
    case "add":
    case "replace":
    case "append":
    case "prepend":
    case "cas": {
      const cas = command.op === "cas" ? ` ${unique}` : ""
      const head =
        `${command.op} ${command.key} ${command.flags} ${command.exptime} ${command.value.length}${cas}${nr}\r\n`
      return Buffer.from(`${head}${command.value}\r\n`, "latin1")
    }
    case "get":
    case "gets":
      return Buffer.from(`${command.op} ${command.keys.join(" ")}\r\n`, "latin1")
    case "gat":
    case "gats":
      return Buffer.from(`${command.op} ${command.exptime} ${command.keys.join(" ")}\r\n`, "latin1")
    case "delete":
      return Buffer.from(`delete ${command.key}${nr}\r\n`, "latin1")
    case "incr":
    case "decr":
      return Buffer.from(`${command.op} ${command.key} ${command.delta}${nr}\r\n`, "latin1")
    case "touch":
      return Buffer.from(`touch ${command.key} ${command.exptime}${nr}\r\n`, "latin1")
    case "flush_all":
      return Buffer.from(`flush_all${nr}\r\n`, "latin1")
  }
}

/**
 * Splits a server reply into its text with each CAS unique replaced by `<cas>` (in VALUE lines, and
 * the `c` field of meta status lines, where `c0` means none), and the uniques in order. Parses data
 * blocks by their byte counts, so data that looks like a status line is never touched.
 */
export const splitCas = (reply: string): { readonly text: string; readonly uniques: ReadonlyArray<bigint> } => {
  const uniques: Array<bigint> = []
  let text = ""
  let pos = 0
  for (;;) {
    const eol = reply.indexOf("\r\n", pos)
    if (eol < 0) return { text: text + reply.slice(pos), uniques }
    const header = reply.slice(pos, eol)
    const tokens = header.split(" ")
    if (["VA", "HD", "EN", "NS", "EX", "NF"].includes(tokens[0]!)) {
      for (let i = 1; i < tokens.length; i++) {
        if (/^c[1-9]\d*$/.test(tokens[i]!)) {
          uniques.push(BigInt(tokens[i]!.slice(1)))
          tokens[i] = "c<cas>"
        }
      }
      const end = tokens[0] === "VA" ? eol + 2 + Number(tokens[1]) + 2 : eol + 2
      text += tokens.join(" ") + reply.slice(eol, end)
      pos = end
      continue
    }
    if (tokens[0] !== "VALUE" || (tokens.length !== 4 && tokens.length !== 5)) {
      return { text: text + reply.slice(pos), uniques }
    }
    if (tokens.length === 5) {
      uniques.push(BigInt(tokens[4]!))
      tokens[4] = "<cas>"
    }
    const end = eol + 2 + Number(tokens[3]) + 2
    text += tokens.join(" ") + reply.slice(eol, end)
    pos = end
  }
}

/** The model-id <-> server-unique correspondence learned from replies; it must stay a bijection. */
export class CasMap {
  private readonly toServer = new Map<number, bigint>()
  private readonly toModel = new Map<bigint, number>()

  /** Records that model id `id` was reported with server unique `unique`; a string if inconsistent. */
  bind(id: number, unique: bigint): string | undefined {
    const known = this.toServer.get(id)
    if (known !== undefined && known !== unique) {
      return `an unchanged item's CAS unique changed from ${known} to ${unique}`
    }
    const other = this.toModel.get(unique)
    if (other !== undefined && other !== id) return `two different item versions share CAS unique ${unique}`
    this.toServer.set(id, unique)
    this.toModel.set(unique, id)
    return undefined
  }

  /** The model id a server unique was seen with, if any. */
  modelId(unique: bigint): number | undefined {
    return this.toModel.get(unique)
  }

  /** The server unique seen for a model id, if any. */
  unique(id: number): bigint | undefined {
    return this.toServer.get(id)
  }
}
