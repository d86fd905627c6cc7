import { describe, expect, it } from "@effect/vitest"
import { type LineReply, MAX_LINE, ReplyParser, ReplyProtocolError } from "../../src/bench/ReplyParser.js"

type Event = readonly ["value", string, number, string] | readonly ["end"] | readonly ["line", LineReply, string]

const recorder = () => {
  const events: Array<Event> = []
  const parser = new ReplyParser({
    onValue: (key, flags, data, start, end) => events.push(["value", key, flags, data.toString("latin1", start, end)]),
    onEnd: () => events.push(["end"]),
    onLine: (reply, line) => events.push(["line", reply, line])
  })
  return { events, parser }
}

const parseAll = (chunks: ReadonlyArray<Buffer>): Array<Event> => {
  const { events, parser } = recorder()
  for (const chunk of chunks) parser.feed(chunk)
  return events
}

const stream = Buffer.from(
  "STORED\r\n" +
    "VALUE key:1 0 5\r\nhello\r\nEND\r\n" +
    "END\r\n" +
    "VALUE key:2 42 8 99\r\nwith\r\nnl\r\nVALUE key:3 0 0\r\n\r\nEND\r\n" +
    "NOT_STORED\r\nSERVER_ERROR out of memory storing object\r\nERROR\r\nCLIENT_ERROR bad data chunk\r\n",
  "latin1"
)

const expected: Array<Event> = [
  ["line", "STORED", "STORED"],
  ["value", "key:1", 0, "hello"],
  ["end"],
  ["end"],
  ["value", "key:2", 42, "with\r\nnl"],
  ["value", "key:3", 0, ""],
  ["end"],
  ["line", "NOT_STORED", "NOT_STORED"],
  ["line", "SERVER_ERROR", "SERVER_ERROR out of memory storing object"],
  ["line", "ERROR", "ERROR"],
  ["line", "CLIENT_ERROR", "CLIENT_ERROR bad data chunk"]
]

describe("ReplyParser", () => {
  it("reports every reply element in order, a value's CRLF included in its data", () => {
    expect(parseAll([stream])).toEqual(expected)
  })

  it("gives the same events however the stream is split", () => {
    for (let a = 0; a <= stream.length; a++) {
      expect(parseAll([stream.subarray(0, a), stream.subarray(a)])).toEqual(expected)
    }
    expect(parseAll([...stream].map((byte) => Buffer.from([byte])))).toEqual(expected)
  })

  it("joins a large value arriving in many reads", () => {
    const value = Buffer.alloc(300_000, "x")
    const whole = Buffer.concat([Buffer.from(`VALUE big 3 ${value.length}\r\n`), value, Buffer.from("\r\nEND\r\n")])
    const chunks: Array<Buffer> = []
    for (let i = 0; i < whole.length; i += 1000) chunks.push(whole.subarray(i, i + 1000))
    const events = parseAll(chunks)
    expect(events).toHaveLength(2)
    expect(events[0]![0]).toBe("value")
    expect((events[0] as readonly [string, string, number, string])[3]).toBe(value.toString("latin1"))
    expect(events[1]).toEqual(["end"])
  })

  it("rejects what is not a reply", () => {
    const bad = [
      "HELLO\r\n",
      "STORED\n",
      "VALUE k 0 5\r\nhelloXX",
      "VALUE k 0\r\n",
      "VALUE k x 5\r\n",
      "VALUE k 0 -1\r\n",
      "VALUE  0 5\r\n",
      "x".repeat(MAX_LINE + 10)
    ]
    for (const text of bad) {
      expect(() => parseAll([Buffer.from(text)]), text.slice(0, 20)).toThrow(ReplyProtocolError)
    }
  })

  it("waits for the rest of an incomplete line or value without reporting it", () => {
    expect(parseAll([Buffer.from("VALUE k 0 5\r\nhel")])).toEqual([])
    expect(parseAll([Buffer.from("STOR")])).toEqual([])
  })
})
