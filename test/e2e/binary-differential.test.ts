/**
 * Differential tests of the binary protocol: the scripted sessions of ./binary-differential-cases.ts
 * against effcached (dist/main.js) and a real memcached 1.6.18, compared response by response, field
 * by field (magic, opcode, status, datatype, opaque, extras, key, value) with CAS uniques numbered in
 * order of appearance; and the statistics both count for the same binary session. Build first.
 */
import { describe, expect, it } from "vitest"
import { describeResponses, packet, statsOf, storeExtras, u32 } from "../support/binaryWire.js"
import { memcachedPath, requireTool, startEffcached, startMemcached, useServer } from "../support/servers.js"
import { exchange } from "../support/wire.js"
import { type BinaryCase, binaryCases, scriptOf } from "./binary-differential-cases.js"

const quit = packet({ opcode: 0x07, opaque: 7 })

/** Everything the server sent until it closed; a timeout is reported in-band so the diff shows it. */
const run = async (port: number, c: BinaryCase, prefix: string): Promise<string> => {
  const packets = [...scriptOf(c, prefix), ...(c.noQuit === true ? [] : [quit])]
  try {
    const reply = await exchange(port, c.split === true ? packets : Buffer.concat(packets), {
      timeoutMs: 3000,
      ...(c.split === true ? { gapMs: 2 } : {})
    })
    return describeResponses(reply, c.statValues === false ? { statValues: false } : {})
  } catch (e) {
    return `<<${(e as Error).message}>>`
  }
}

describe.runIf(requireTool("memcached", memcachedPath !== undefined))(
  "binary differential: effcached vs memcached 1.6.18",
  () => {
    const eff = useServer(() => startEffcached())
    const mem = useServer(() => startMemcached())

    binaryCases.forEach((c, index) => {
      it(`#${index} ${c.name}`, async () => {
        const prefix = `b${index}_`
        const [memReply, effReply] = await Promise.all([run(mem.port, c, prefix), run(eff.port, c, prefix)])
        expect(effReply).toBe(memReply)
      })
    })
  }
)

const counted = [
  "cmd_get",
  "cmd_set",
  "cmd_flush",
  "cmd_touch",
  "get_hits",
  "get_misses",
  "get_expired",
  "get_flushed",
  // Not delete_misses: a delete with a wrong CAS counts one in effcached, none in memcached (compatibility.md).
  "delete_hits",
  "incr_misses",
  "incr_hits",
  "decr_misses",
  "decr_hits",
  "cas_misses",
  "cas_hits",
  "cas_badval",
  "touch_hits",
  "touch_misses",
  "curr_items",
  "total_items"
]

describe.runIf(requireTool("memcached", memcachedPath !== undefined))(
  "binary differential: the statistics a binary session counts",
  () => {
    const eff = useServer(() => startEffcached())
    const mem = useServer(() => startMemcached())

    it("counts gets, sets, touches, deletes, counters and CAS as memcached does", async () => {
      const script = Buffer.concat(
        binaryCases.filter((c) => c.noQuit !== true && !c.name.startsWith("flush")).flatMap((c, i) =>
          scriptOf(c, `s${i}_`)
        ).concat([
          packet({ opcode: 0x01, key: "t1", extras: storeExtras(0, 0), value: "x" }),
          packet({ opcode: 0x1c, key: "t1", extras: u32(100) }),
          packet({ opcode: 0x10 }),
          quit
        ])
      )
      const [memReply, effReply] = await Promise.all([
        exchange(mem.port, script, { timeoutMs: 5000 }),
        exchange(eff.port, script, { timeoutMs: 5000 })
      ])
      const pick = (stats: Map<string, string>) => Object.fromEntries(counted.map((name) => [name, stats.get(name)]))
      expect(pick(statsOf(effReply))).toEqual(pick(statsOf(memReply)))
    })
  }
)
