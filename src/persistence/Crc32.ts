/**
 * CRC-32 (the zlib/PNG polynomial) over a byte range: every persisted record or block carries one, so
 * a flipped or torn byte is refused instead of served. zlib.crc32 (Node >= 20.15) computes it natively;
 * older Node 20 releases get a table-driven JavaScript fallback with the same results.
 *
 * @module
 */
import * as zlib from "node:zlib"

type NativeCrc = (data: Uint8Array, value?: number) => number

const native = (zlib as unknown as { readonly crc32?: NativeCrc }).crc32

const TABLE = (() => {
  const table = new Int32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c
  }
  return table
})()

/** The JavaScript CRC-32 (exported so tests can compare it with zlib's). */
export const crc32Js = (buf: Uint8Array, start: number, end: number): number => {
  let c = -1
  for (let i = start; i < end; i++) c = TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8)
  return (c ^ -1) >>> 0
}

/** CRC-32 of `buf[start, end)`, as an unsigned 32-bit number. */
export const crc32: (buf: Uint8Array, start: number, end: number) => number = native === undefined
  ? crc32Js
  : (buf, start, end) => native(buf.subarray(start, end)) >>> 0
