import { describe, expect, it } from "@effect/vitest"
import * as Res from "../../../src/domain/Result.js"
import { binaryError } from "../../../src/protocol/binary/BinaryPacket.js"
import { encodeResult, encodeStats } from "../../../src/protocol/binary/BinaryReplyEncoder.js"
import { Op, Status } from "../../../src/protocol/binary/Opcodes.js"
import { ReplyBuffer } from "../../../src/protocol/ReplyBuffer.js"
import { parseResponses } from "../../support/binaryWire.js"

const encoded = (write: (out: ReplyBuffer) => void) => {
  const out = new ReplyBuffer()
  write(out)
  const { responses, rest } = parseResponses(Buffer.concat(out.take()))
  expect(rest.length).toBe(0)
  return responses.map((r) => ({
    opcode: r.opcode,
    status: r.status,
    opaque: r.opaque,
    cas: r.cas,
    extras: r.extras.toString("hex"),
    key: r.key.toString("latin1"),
    value: r.value.toString("latin1")
  }))
}

const hit = { key: "k", flags: 0xdeadbeef, value: Buffer.from("val"), cas: 2 ** 40 + 5 }

describe("BinaryReplyEncoder", () => {
  it("a hit: flags as extras, the key for getk/gatk, the value but for touch, the CAS; the opaque echoed", () => {
    const values = Res.values([hit], true)
    expect(encoded((out) => encodeResult(out, Op.GetK, 77, values, "k"))).toEqual([
      { opcode: Op.GetK, status: 0, opaque: 77, cas: 2n ** 40n + 5n, extras: "deadbeef", key: "k", value: "val" }
    ])
    expect(encoded((out) => encodeResult(out, Op.Touch, 1, values, "k"))[0]).toMatchObject({ key: "", value: "" })
    expect(encoded((out) => encodeResult(out, Op.GetQ, 1, values, "k"))[0]).toMatchObject({ value: "val" })
  })

  it("a miss: Not found, getk and gatk echo the key (their whole body), quiet ones say nothing", () => {
    const miss = Res.values([], true)
    expect(encoded((out) => encodeResult(out, Op.Get, 1, miss, "k"))[0]).toMatchObject({
      status: Status.KeyNotFound,
      value: "Not found"
    })
    expect(encoded((out) => encodeResult(out, Op.GatK, 1, miss, "key"))[0]).toMatchObject({ key: "key", value: "" })
    expect(encoded((out) => encodeResult(out, Op.GetKQ, 1, miss, "k"))).toEqual([])
  })

  it("errors carry memcached's text and no CAS, quiet or not", () => {
    expect(encoded((out) => encodeResult(out, Op.SetQ, 9, binaryError(Status.TooBig, false), ""))).toEqual([
      { opcode: Op.SetQ, status: Status.TooBig, opaque: 9, cas: 0n, extras: "", key: "", value: "Too large." }
    ])
    expect(encoded((out) => encodeResult(out, Op.Increment, 1, Res.errors.nonNumeric, ""))[0]).toMatchObject({
      status: Status.DeltaBadValue,
      value: "Non-numeric server-side value for incr or decr"
    })
  })

  it("successes: quiet ones say nothing; version has its body; noop answers even after quiet requests", () => {
    expect(encoded((out) => encodeResult(out, Op.FlushQ, 1, Res.results.ok, ""))).toEqual([])
    expect(encoded((out) => encodeResult(out, Op.Flush, 1, Res.results.ok, ""))).toHaveLength(1)
    expect(encoded((out) => encodeResult(out, Op.Version, 1, Res.VersionReply.make({ version: "1.6.18" }), "")))
      .toMatchObject([{ value: "1.6.18" }])
    expect(encoded((out) => encodeResult(out, Op.Noop, 3, Res.results.metaNoop, ""))).toMatchObject([{ opaque: 3 }])
  })

  it("stats: a packet per statistic, then an empty one (none after sizes_enable)", () => {
    const reply = Res.StatsReply.make({ entries: [["pid", "1"], ["uptime", "2"]] })
    expect(encoded((out) => encodeStats(out, 5, reply)).map((r) => [r.key, r.value, r.opaque])).toEqual([
      ["pid", "1", 5],
      ["uptime", "2", 5],
      ["", "", 5]
    ])
    const open = Res.StatsReply.make({ entries: [["sizes_status", "enabled"]], terminated: false })
    expect(encoded((out) => encodeStats(out, 5, open))).toHaveLength(1)
  })
})
