/**
 * Values that say which key and version they belong to, so the load generator can check every value
 * it reads: a value starts with `<key.version>` and goes on with a 64-byte printable pattern derived
 * from (key, version), repeated. A value from another key, an older version or a torn write differs.
 *
 * @module
 */
import { Random } from "./Random.js"

/** Keys are `key:0` .. `key:<keys - 1>`, as mcload names them. */
export const KEY_PREFIX = "key:"

/** The version of a key not written in this run, or whose state is unknown (a set that failed). */
export const NO_VERSION = 0xffffffff

const PATTERN = 64
const pattern = Buffer.alloc(PATTERN)
let patternKey = -1
let patternVersion = -1

// The 64-byte pattern of (key, version), in a shared buffer: one pattern is computed per value written
// or checked, and consecutive uses for the same pair (the 100 KB values) reuse it.
const patternOf = (key: number, version: number): Buffer => {
  if (key === patternKey && version === patternVersion) return pattern
  const random = new Random(Math.imul(key, 0x9e3779b1) ^ Math.imul(version + 1, 0x85ebca6b) ^ 0x6d636c6f)
  for (let i = 0; i < PATTERN; i += 4) {
    const r = random.next()
    for (let j = 0; j < 4; j++) pattern[i + j] = 48 + (((r >>> (8 * j)) & 0xff) % 75) // '0' .. 'z'
  }
  patternKey = key
  patternVersion = version
  return pattern
}

const headerOf = (key: number, version: number): string => `<${key}.${version}>`
/** The longest header: `<4294967295.4294967295>`. */
const MAX_HEADER = 23

/** Writes the `size`-byte value of (key, version) into `target` at `offset`. */
export const writeValue = (target: Buffer, offset: number, size: number, key: number, version: number): void => {
  // The pattern repeated from the value's first byte (a native fill), then the header over its start.
  target.fill(patternOf(key, version), offset, offset + size)
  const header = headerOf(key, version)
  target.write(header.slice(0, Math.min(header.length, size)), offset, "latin1")
}

/** The value of (key, version), as a new buffer. */
export const valueOf = (key: number, version: number, size: number): Buffer => {
  const buffer = Buffer.allocUnsafe(size)
  writeValue(buffer, 0, size, key, version)
  return buffer
}

let expected = Buffer.alloc(0)

// Compares with the value of (key, version) of the same length, written into a reused scratch buffer.
const sameAs = (data: Buffer, start: number, end: number, key: number, version: number): boolean => {
  const size = end - start
  if (expected.length < size) expected = Buffer.allocUnsafe(Math.max(size, 2 * expected.length))
  writeValue(expected, 0, size, key, version)
  return data.compare(expected, 0, size, start, end) === 0
}

// The version named by a value's `<key.version>` header, when it names `key`.
const versionIn = (data: Buffer, start: number, end: number, key: number): number | undefined => {
  const close = data.subarray(start, Math.min(end, start + MAX_HEADER)).indexOf(62 /* > */) + start
  if (data[start] !== 60 /* < */ || close < start) return undefined
  const match = /^<(\d+)\.(\d+)>$/.exec(data.toString("latin1", start, close + 1))
  if (match === null || Number(match[1]) !== key) return undefined
  return Number(match[2])
}

// A value too short to hold a whole header can only be checked as the start of one for this key.
const isHeaderPrefix = (text: string, key: number): boolean => {
  const start = `<${key}.`
  return text.length <= start.length
    ? start.startsWith(text)
    : text.startsWith(start) && /^\d*$/.test(text.slice(start.length))
}

const NOT_THIS_KEY = "not a value written for this key"

/**
 * Checks a value read for `key`, given the version last written for it in this run and the size the
 * load generator writes. Returns what is wrong, or undefined when the value is right.
 *
 * With NO_VERSION any version is accepted, of any length, as long as it is one this program could have
 * written for that very key (a server may hold values from an earlier run).
 */
export const checkValue = (
  data: Buffer,
  start: number,
  end: number,
  flags: number,
  key: number,
  version: number,
  size: number
): string | undefined => {
  if (version === NO_VERSION) {
    const found = versionIn(data, start, end, key)
    if (found === undefined) {
      const short = end - start < MAX_HEADER && isHeaderPrefix(data.toString("latin1", start, end), key)
      return short ? undefined : NOT_THIS_KEY
    }
    return sameAs(data, start, end, key, found) ? undefined : NOT_THIS_KEY
  }
  if (end - start !== size) return `wrong length (${end - start} bytes, expected ${size})`
  if (flags !== 0) return `wrong flags (${flags})`
  return sameAs(data, start, end, key, version) ? undefined : `wrong data (expected version ${version})`
}
