/**
 * Byte-level mutations of a generated stream, the way a broken client, a proxy bug or a bit flip
 * would damage it: flipped and replaced bytes, inserted protocol fragments, deleted, duplicated and
 * swapped pieces, numbers swapped for edge values, a stream cut short.
 *
 * @module
 */
import type { Dice } from "./Generator.js"

/** Bytes the parser treats specially. */
const specialBytes = [0x00, 0x0a, 0x0d, 0x20, 0x09, 0x80, 0xff, 0x30, 0x39, 0x2d, 0x2b]

/** Fragments that change how the rest of the stream is framed or answered. */
const fragments = [
  "\r\n",
  "\n",
  "\r",
  " ",
  " noreply",
  "noreply ",
  "\r\nget x\r\n",
  "\r\nmn\r\n",
  "999999",
  "-1",
  "4294967296",
  "18446744073709551616",
  " 0",
  "\0",
  "quit\r\n",
  "HTTP/1.1"
]

const edgeNumbers = ["0", "-1", "4294967295", "4294967296", "2147483648", "18446744073709551615", "2000000", "abc"]

type Mutation = (d: Dice, b: Buffer) => Buffer

const flipBit: Mutation = (d, b) => {
  const out = Buffer.from(b)
  out[d.below(b.length)]! ^= 1 << d.below(8)
  return out
}

const setByte: Mutation = (d, b) => {
  const out = Buffer.from(b)
  out[d.below(b.length)] = d.pick(specialBytes)
  return out
}

const insert: Mutation = (d, b) => {
  const at = d.below(b.length + 1)
  const piece = Buffer.from(d.pick(fragments), "latin1")
  return Buffer.concat([b.subarray(0, at), piece, b.subarray(at)])
}

const remove: Mutation = (d, b) => {
  const at = d.below(b.length)
  const length = d.between(1, 16)
  return Buffer.concat([b.subarray(0, at), b.subarray(at + length)])
}

const duplicate: Mutation = (d, b) => {
  const at = d.below(b.length)
  const piece = b.subarray(at, at + d.between(1, 64))
  return Buffer.concat([b.subarray(0, at), piece, b.subarray(at)])
}

const truncate: Mutation = (d, b) => b.subarray(0, d.below(b.length))

/** Swaps two whole lines (which may be a command and another's data). */
const swapLines: Mutation = (d, b) => {
  const lines = b.toString("latin1").split("\n")
  if (lines.length < 3) return b
  const i = d.below(lines.length - 1)
  const j = d.below(lines.length - 1)
  ;[lines[i], lines[j]] = [lines[j]!, lines[i]!]
  return Buffer.from(lines.join("\n"), "latin1")
}

/** Replaces one run of digits (a flag, a TTL, a length, a delta) with an edge value. */
const replaceNumber: Mutation = (d, b) => {
  const text = b.toString("latin1")
  const runs = [...text.matchAll(/\d+/g)]
  if (runs.length === 0) return b
  const run = d.pick(runs)
  const at = run.index
  return Buffer.from(text.slice(0, at) + d.pick(edgeNumbers) + text.slice(at + run[0].length), "latin1")
}

const mutations: ReadonlyArray<Mutation> = [
  flipBit,
  setByte,
  insert,
  insert,
  remove,
  duplicate,
  truncate,
  swapLines,
  replaceNumber,
  replaceNumber
]

/** Applies `count` random mutations in turn. */
export const mutate = (d: Dice, bytes: Buffer, count: number): Buffer => {
  let out = bytes
  for (let i = 0; i < count; i++) out = out.length === 0 ? insert(d, out) : d.pick(mutations)(d, out)
  return out
}
