/**
 * Differential tests: the same scripted sessions against effcached (dist/main.js) and a real
 * memcached 1.6.18; the replies must be byte-identical once CAS uniques are normalised (and, for the
 * meta protocol, clock readings allowed a second's difference). The cases live in
 * ./differential-cases.ts and ./meta-differential-cases.ts. Build first (`npm run build`).
 */
import { describe, expect, it } from "vitest"
import { memcachedPath, requireTool, startEffcached, startMemcached, useServer } from "../support/servers.js"
import { exchange, normaliseCas, normaliseMeta, type Script, session } from "../support/wire.js"
import { cases, type DiffCase } from "./differential-cases.js"
import { metaCases } from "./meta-differential-cases.js"

/** Everything the server sent until it closed; a timeout is reported in-band so the diff shows it. */
const collect = async (port: number, script: Script, gapMs: number | undefined): Promise<string> => {
  try {
    const reply = await exchange(port, script, { timeoutMs: 3000, ...(gapMs !== undefined ? { gapMs } : {}) })
    return reply.toString("latin1")
  } catch (e) {
    return `<<${(e as Error).message}>>`
  }
}

const withQuit = (script: Script): Script =>
  typeof script === "string" || Buffer.isBuffer(script) ? [script, "quit\r\n"] : [...script, "quit\r\n"]

const runCase = (c: DiffCase, port: number, prefix: string): Promise<string> => {
  if ("run" in c) return c.run(port, prefix).catch((e: Error) => `<<${e.message}>>`)
  if ("raw" in c) return collect(port, c.raw(prefix), c.gapMs)
  // Joined into one write unless the case splits it: "quit" must not change how the script is segmented.
  const script = c.script(prefix)
  return collect(port, typeof script === "string" ? script + "quit\r\n" : withQuit(script), c.gapMs)
}

/** Text-protocol replies: identical once CAS uniques are normalised. */
const sameText = (eff: string, mem: string): void => {
  expect(normaliseCas(eff)).toBe(normaliseCas(mem))
}

/** Meta replies: identical once CAS uniques are numbered, with clock readings at most a second apart. */
const sameMeta = (eff: string, mem: string): void => {
  const e = normaliseMeta(eff)
  const m = normaliseMeta(mem)
  expect(e.text).toBe(m.text)
  expect(e.clocks.length).toBe(m.clocks.length)
  e.clocks.forEach((clock, i) => {
    expect(Math.abs(clock - m.clocks[i]!), `clock reading #${i}: ${clock} vs ${m.clocks[i]}`).toBeLessThanOrEqual(1)
  })
}

const suites = [
  { title: "text", prefix: "d", cases, same: sameText },
  { title: "meta", prefix: "m", cases: metaCases, same: sameMeta }
]

describe.runIf(requireTool("memcached", memcachedPath !== undefined))(
  "differential: effcached vs memcached 1.6.18",
  () => {
    const eff = useServer(() => startEffcached())
    const mem = useServer(() => startMemcached())

    for (const suite of suites) {
      suite.cases.forEach((c, index) => {
        it(`${suite.title} #${index} ${c.name}`, async () => {
          const prefix = `${suite.prefix}${index}_`
          const [memReply, effReply] = await Promise.all([runCase(c, mem.port, prefix), runCase(c, eff.port, prefix)])
          suite.same(effReply, memReply)
        })
      })
    }
  }
)

// Two places where effcached deliberately differs (docs/compatibility.md): when memcached rejects a get
// for a too-long key, or closes on an over-long line, it also discards replies it owed to earlier
// commands from the same read (e.g. a STORED whose data was stored). effcached sends every reply it owes.
describe("effcached: replies owed before an error are never dropped", () => {
  const eff = useServer(() => startEffcached())

  it("a get with a too-long key fails alone", async () => {
    const long = "k".repeat(251)
    const reply = await session(eff.port, `set qa 0 0 1\r\nA\r\nversion\r\nget qa ${long}\r\nget qa\r\n`)
    expect(reply).toBe(
      "STORED\r\nVERSION 1.6.18\r\nCLIENT_ERROR bad command line format\r\nVALUE qa 0 1\r\nA\r\nEND\r\n"
    )
  })

  it("an over-long line closes the connection after the earlier replies", async () => {
    const reply = await exchange(eff.port, `version\r\n${"a".repeat(2049)}`, { timeoutMs: 3000 })
    expect(reply.toString("latin1")).toBe("VERSION 1.6.18\r\n")
  })
})
