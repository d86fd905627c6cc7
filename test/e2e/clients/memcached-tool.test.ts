/**
 * memcached-tool (shipped with Debian's memcached package) against effcached and against a real
 * memcached 1.6.18 holding the same items: `display` (stats items and slabs), `stats`, `settings`,
 * `dump` and `keys` (both read `lru_crawler metadump all`) must exit 0 and show the same things, once
 * what differs between any two servers (times, CAS uniques, the order items are walked in) is hidden.
 */
import { existsSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { describeOutcome, runProgram } from "../../support/processes.js"
import {
  memcachedPath,
  requireTool,
  type RunningServer,
  startEffcached,
  startMemcached,
  useServer
} from "../../support/servers.js"
import { session } from "../../support/wire.js"

const tool = "/usr/share/memcached/scripts/memcached-tool"
const present = existsSync(tool) && existsSync("/usr/bin/perl") && memcachedPath !== undefined

/** The same items on both servers, in two size classes, one with flags and an absolute expiry. */
const items = [
  "set tool:a 0 0 5\r\nhello\r\n",
  "set tool:b 42 2000000000 3\r\nbee\r\n",
  "set tool:c 0 0 3\r\nc c\r\n",
  `set tool:big 7 0 3000\r\n${"x".repeat(3000)}\r\n`,
  "get tool:a\r\n"
].join("")

const run = async (server: RunningServer, ...args: Array<string>): Promise<string> => {
  const outcome = await runProgram("/usr/bin/perl", [tool, `127.0.0.1:${server.port}`, ...args], { timeoutMs: 20_000 })
  expect(outcome.code, describeOutcome(`memcached-tool ${args.join(" ")}`, outcome, server)).toBe(0)
  return outcome.stdout
}

/** `Field Value` lines of `stats` and `settings`, by field. */
const fields = (output: string): Map<string, string> =>
  new Map(
    output.split("\n").slice(1).flatMap((line) => {
      const match = /^\s*(\S+)\s+(\S*)$/.exec(line)
      return match ? [[match[1]!, match[2]!] as const] : []
    })
  )

describe.runIf(requireTool("memcached-tool (Debian's memcached package, with perl)", present))("memcached-tool", () => {
  const eff = useServer(() => startEffcached())
  const mem = useServer(() => startMemcached())
  const both = async (...args: Array<string>) => Promise.all([run(eff, ...args), run(mem, ...args)])

  it("sees the same items: display, dump and keys", async () => {
    await Promise.all([session(eff.port, items), session(mem.port, items)])

    // display: one row per class; Max_age is measured differently (see docs/compatibility.md).
    const display = (output: string) => output.replace(/^(\s+\d+\s+\S+)\s+\d+s/gm, "$1 <age>")
    const [effDisplay, memDisplay] = await both("display")
    expect(display(effDisplay)).toBe(display(memDisplay))
    expect(effDisplay.split("\n").filter((l) => /^\s+\d+ /.test(l))).toHaveLength(2)

    // dump: an `add` per item, in the order the server walked them.
    const records = (output: string) => output.split(/(?=^add )/m).sort()
    const [effDump, memDump] = await both("dump")
    expect(records(effDump)).toEqual(records(memDump))
    expect(effDump).toContain("add tool:b 42 2000000000 3\r\nbee\r\n")

    // keys: the metadump lines, access time and CAS unique hidden.
    const keys = (output: string) =>
      output.split("\n").map((l) => l.replace(/ la=\d+ cas=\d+ /, " la=<t> cas=<n> ")).sort()
    const [effKeys, memKeys] = await both("keys")
    expect(keys(effKeys)).toEqual(keys(memKeys))
    expect(effKeys.split("\n").filter((l) => l.startsWith("key="))).toHaveLength(4)
  })

  it("reads the same statistics and settings", async () => {
    const [effStats, memStats] = (await both("stats")).map(fields)
    for (const name of effStats!.keys()) expect(memStats!.has(name), `stats ${name}`).toBe(true)
    for (const name of ["curr_items", "total_items", "cmd_set", "get_hits", "get_misses", "bytes", "version"]) {
      expect(effStats!.get(name), name).toBe(memStats!.get(name))
    }
    const [effSettings, memSettings] = (await both("settings")).map(fields)
    for (const name of effSettings!.keys()) {
      if (name !== "partitions") expect(memSettings!.has(name), `settings ${name}`).toBe(true)
    }
    for (const name of ["maxbytes", "maxconns", "item_size_max", "lru_crawler", "dump_enabled", "slab_automove"]) {
      expect(effSettings!.get(name), name).toBe(memSettings!.get(name))
    }
  })
})
