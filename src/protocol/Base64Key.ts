/**
 * Base64 keys of the meta protocol (the `b` flag), decoded with memcached's rules, which are looser and
 * stricter than a standard decoder in places clients can observe: characters outside the alphabet are
 * skipped, the rest must make whole groups of four, and decoding stops after the first group that holds
 * padding (`=` counts as a zero digit there). Replies re-encode keys in standard padded base64.
 *
 * @module
 */

/** The value of a base64 digit, 0 for the padding `=`, or -1 for a character memcached skips. */
const digit = (c: number): number => {
  if (c >= 0x41 && c <= 0x5a) return c - 0x41 // A-Z
  if (c >= 0x61 && c <= 0x7a) return c - 0x61 + 26 // a-z
  if (c >= 0x30 && c <= 0x39) return c - 0x30 + 52 // 0-9
  if (c === 0x2b) return 62 // +
  if (c === 0x2f) return 63 // /
  if (c === 0x3d) return 0 // =
  return -1
}

/** The bytes of a base64 key token (latin1, one char per byte), or undefined where memcached fails. */
export const decodeBase64Key = (token: string): string | undefined => {
  let count = 0
  for (let i = 0; i < token.length; i++) if (digit(token.charCodeAt(i)) >= 0) count++
  if (count === 0 || count % 4 !== 0) return undefined
  const bytes: Array<number> = []
  const group = [0, 0, 0, 0]
  let filled = 0
  let padding = 0
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i)
    const value = digit(c)
    if (value < 0) continue
    if (c === 0x3d) padding++
    group[filled++] = value
    if (filled < 4) continue
    bytes.push(
      ((group[0]! << 2) | (group[1]! >> 4)) & 0xff,
      ((group[1]! << 4) | (group[2]! >> 2)) & 0xff,
      ((group[2]! << 6) | group[3]!) & 0xff
    )
    filled = 0
    if (padding > 0) {
      // One or two padding digits drop as many bytes; more is malformed. Nothing after them counts.
      if (padding > 2) return undefined
      bytes.length -= padding
      break
    }
  }
  return String.fromCharCode(...bytes)
}

/** A key's bytes in standard padded base64, as memcached writes keys back. */
export const encodeBase64Key = (key: string): string => Buffer.from(key, "latin1").toString("base64")
