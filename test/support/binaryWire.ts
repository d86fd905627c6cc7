/**
 * Binary-protocol packets for tests: building requests, splitting a reply stream into responses, and
 * a printable form of them with CAS uniques numbered in order of appearance (so two servers' replies
 * compare field by field).
 */

/** A request packet's fields; lengths are computed unless given (to send inconsistent ones). */
export interface PacketFields {
  readonly opcode: number
  readonly key?: string | Buffer
  readonly extras?: Buffer
  readonly value?: string | Buffer
  readonly opaque?: number
  readonly cas?: bigint
  readonly magic?: number
  readonly keyLength?: number
  readonly extrasLength?: number
  readonly bodyLength?: number
}

const bytes = (b: string | Buffer | undefined): Buffer =>
  b === undefined ? Buffer.alloc(0) : typeof b === "string" ? Buffer.from(b, "latin1") : b

/** A request packet. */
export const packet = (f: PacketFields): Buffer => {
  const key = bytes(f.key)
  const extras = f.extras ?? Buffer.alloc(0)
  const value = bytes(f.value)
  const header = Buffer.alloc(24)
  header[0] = f.magic ?? 0x80
  header[1] = f.opcode
  header.writeUInt16BE(f.keyLength ?? key.length, 2)
  header[4] = f.extrasLength ?? extras.length
  header.writeUInt32BE(f.bodyLength ?? extras.length + key.length + value.length, 8)
  header.writeUInt32BE(f.opaque ?? 0, 12)
  header.writeBigUInt64BE(f.cas ?? 0n, 16)
  return Buffer.concat([header, extras, key, value])
}

/** Extras of a set/add/replace: flags and expiry. */
export const storeExtras = (flags: number, exptime: number): Buffer => {
  const b = Buffer.alloc(8)
  b.writeUInt32BE(flags, 0)
  b.writeUInt32BE(exptime, 4)
  return b
}

/** Extras of an incr/decr: delta, initial value and expiry. */
export const arithmeticExtras = (delta: bigint, initial: bigint, exptime: number): Buffer => {
  const b = Buffer.alloc(20)
  b.writeBigUInt64BE(delta, 0)
  b.writeBigUInt64BE(initial, 8)
  b.writeUInt32BE(exptime, 16)
  return b
}

/** Extras holding one 32-bit number (touch/gat expiry, flush delay, verbosity). */
export const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(n, 0)
  return b
}

/** One response, parsed. */
export interface Response {
  readonly magic: number
  readonly opcode: number
  readonly status: number
  readonly datatype: number
  readonly opaque: number
  readonly cas: bigint
  readonly extras: Buffer
  readonly key: Buffer
  readonly value: Buffer
}

/** Splits a reply stream into responses; bytes after the last whole one are returned as `rest`. */
export const parseResponses = (all: Buffer): { readonly responses: Array<Response>; readonly rest: Buffer } => {
  const responses: Array<Response> = []
  let o = 0
  while (o + 24 <= all.length) {
    const keyLength = all.readUInt16BE(o + 2)
    const extrasLength = all[o + 4]!
    const bodyLength = all.readUInt32BE(o + 8)
    if (o + 24 + bodyLength > all.length) break
    const body = all.subarray(o + 24, o + 24 + bodyLength)
    responses.push({
      magic: all[o]!,
      opcode: all[o + 1]!,
      datatype: all[o + 5]!,
      status: all.readUInt16BE(o + 6),
      opaque: all.readUInt32BE(o + 12),
      cas: all.readBigUInt64BE(o + 16),
      extras: body.subarray(0, extrasLength),
      key: body.subarray(extrasLength, extrasLength + keyLength),
      value: body.subarray(extrasLength + keyLength)
    })
    o += 24 + bodyLength
  }
  return { responses, rest: all.subarray(o) }
}

/**
 * The responses as lines of their fields, CAS uniques replaced by `c1`, `c2`, ... in order of first
 * appearance (0 stays 0). `dropValues`: names only for stat packets (values differ between servers).
 */
export const describeResponses = (all: Buffer, options: { readonly statValues?: boolean } = {}): string => {
  const { responses, rest } = parseResponses(all)
  const cas = new Map<bigint, string>()
  const lines = responses.map((r) => {
    const c = r.cas === 0n ? "0" : cas.get(r.cas) ?? `c${cas.size + 1}`
    cas.set(r.cas, c)
    const value = r.opcode === 0x10 && options.statValues === false && r.key.length > 0
      ? "<value>"
      : JSON.stringify(r.value.toString("latin1"))
    return `magic=${r.magic.toString(16)} op=${r.opcode.toString(16)} status=${r.status.toString(16)} ` +
      `type=${r.datatype} opaque=${r.opaque} cas=${c} extras=${r.extras.toString("hex")} ` +
      `key=${JSON.stringify(r.key.toString("latin1"))} value=${value}`
  })
  if (rest.length > 0) lines.push(`rest=${rest.toString("hex")}`)
  return lines.join("\n")
}

/** The stat packets of a reply as name → value (the terminating empty one ends it). */
export const statsOf = (all: Buffer): Map<string, string> => {
  const stats = new Map<string, string>()
  for (const r of parseResponses(all).responses) {
    if (r.opcode === 0x10 && r.key.length > 0) stats.set(r.key.toString("latin1"), r.value.toString("latin1"))
  }
  return stats
}
