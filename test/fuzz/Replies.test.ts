import { describe, expect, it } from "vitest"
import { parseReplies, sameReplies } from "../../src/fuzz/Replies.js"

const parse = (s: string) => parseReplies(Buffer.from(s, "latin1"))

describe("Replies.parseReplies", () => {
  it("splits lines and keeps each data block with its header, CR LF inside the data included", () => {
    expect(parse("STORED\r\nVALUE k 0 4\r\na\r\nb\r\nEND\r\nVA 2 f0\r\nxy\r\nMN\r\n").units).toEqual([
      "STORED",
      "VALUE k 0 4\r\na\r\nb\r\n",
      "END",
      "VA 2 f0\r\nxy\r\n",
      "MN"
    ])
  })

  it("numbers CAS uniques by first appearance, so the same pattern of uniques compares equal", () => {
    const a = parse(
      "VALUE a 0 1 17\r\nx\r\nVALUE b 0 1 9\r\ny\r\nHD c17\r\nME a exp=-1 la=0 cas=9 fetch=no cls=1 size=66\r\n"
    )
    const b = parse(
      "VALUE a 0 1 400\r\nx\r\nVALUE b 0 1 3\r\ny\r\nHD c400\r\nME a exp=-1 la=0 cas=3 fetch=no cls=1 size=66\r\n"
    )
    expect(a.units).toEqual(b.units)
    expect(a.units[2]).toBe("HD c<cas1>")
    // Two items with one unique on one server and two on the other differ.
    expect(parse("HD c5\r\nHD c5\r\n").units).not.toEqual(parse("HD c5\r\nHD c6\r\n").units)
  })

  it("takes clock readings out and compares them a second apart; t-1 (no expiry) is a fact", () => {
    const a = parse("HD t99 l3\r\nME k exp=99 la=3 cas=1 fetch=no cls=1 size=66\r\nHD t-1\r\n")
    expect(a.units).toEqual([
      "HD t<clock> l<clock>",
      "ME k exp=<clock> la=<clock> cas=<cas1> fetch=no cls=1 size=66",
      "HD t-1"
    ])
    expect(sameReplies(a, parse("HD t100 l3\r\nME k exp=100 la=2 cas=7 fetch=no cls=1 size=66\r\nHD t-1\r\n"))).toBe(
      true
    )
    expect(sameReplies(a, parse("HD t97 l3\r\nME k exp=99 la=3 cas=7 fetch=no cls=1 size=66\r\nHD t-1\r\n"))).toBe(
      false
    )
    expect(sameReplies(a, parse("HD t99 l3\r\nME k exp=99 la=3 cas=7 fetch=no cls=1 size=66\r\nHD t50\r\n"))).toBe(
      false
    )
  })

  it("turns a statistics listing into one unit and drops cachedump's item lines", () => {
    expect(parse("STAT pid 1\r\nSTAT uptime 2\r\nEND\r\nSTAT sizes_status disabled\r\nOK\r\n").units).toEqual([
      "<stats>END",
      "<stats>",
      "OK"
    ])
    expect(parse("ITEM k [1 b; 0 s]\r\nEND\r\n").units).toEqual(parse("END\r\n").units)
  })

  it("keeps an unfinished reply as it is", () => {
    expect(parse("STORED\r\nVALUE k 0 10\r\nab").units).toEqual(["STORED", "VALUE k 0 10\r\nab"])
    expect(parse("STO").units).toEqual(["<partial \"STO\">"])
  })
})
