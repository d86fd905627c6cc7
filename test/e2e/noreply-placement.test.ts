/**
 * Where `noreply` may stand: every command of the text protocol (and the meta commands, for which the
 * word is just a bad flag or a key) with the word `noreply` put in place of, and inserted before, each
 * of its tokens, against effcached and a real memcached 1.6.18. memcached decides per command whether
 * to look for it (`set_noreply_maybe` is called by storage, touch, incr/decr, verbosity, flush_all and
 * cache_memlimit, by delete only past its key, never by the get family), so a client that names a key
 * `noreply` gets a reply from one command and silence from another; effcached must agree exactly, or a
 * client waits forever for a reply that never comes.
 */
import { describe, expect, it } from "vitest"
import { memcachedPath, requireTool, startEffcached, startMemcached, useServer } from "../support/servers.js"
import { exchange, normaliseMeta } from "../support/wire.js"

/** Each command as a template (`K` is the case's key); after `|`, the data block a storage command takes. */
const templates = [
  "set K 0 0 1|x",
  "add K 0 0 1|x",
  "replace K 0 0 1|x",
  "append K 0 0 1|x",
  "prepend K 0 0 1|x",
  "cas K 0 0 1 1|x",
  "get K",
  "gets K",
  "bget K",
  "gat 0 K",
  "gats 0 K",
  "delete K",
  "delete K 0",
  "incr K 1",
  "decr K 1",
  "touch K 0",
  "flush_all",
  "flush_all 0",
  "verbosity 1",
  "cache_memlimit 100",
  "version",
  "shutdown",
  "stats detail on",
  "mg K v",
  "ms K 1|x",
  "md K",
  "ma K",
  "me K",
  "mn"
]

/** The template's line with `noreply` replacing each token, and once and twice inserted before each. */
const variants = (line: string): ReadonlyArray<string> => {
  const tokens = line.split(" ")
  const out = new Set<string>()
  for (let i = 1; i <= tokens.length; i++) {
    if (i < tokens.length) out.add([...tokens.slice(0, i), "noreply", ...tokens.slice(i + 1)].join(" "))
    out.add([...tokens.slice(0, i), "noreply", ...tokens.slice(i)].join(" "))
    out.add([...tokens.slice(0, i), "noreply", "noreply", ...tokens.slice(i)].join(" "))
  }
  return [...out]
}

interface Case {
  readonly line: string
  readonly script: string
}

const cases: ReadonlyArray<Case> = templates.flatMap((template, t) => {
  const [line, data] = template.split("|") as [string, string | undefined]
  return variants(line).flatMap((variant, v) =>
    (data === undefined ? [false] : [true, false]).map((withData) => {
      const key = `np${t}_${v}_${withData ? "d" : "n"}`
      const command = variant.replace(/\bK\b/g, key)
      // The key and a key named "noreply" exist, so each reply (or its absence) shows what was done;
      // the get afterwards shows the state left, and mn marks the end of the replies.
      const script = `set ${key} 0 0 1\r\n5\r\nset noreply 0 0 1\r\n7\r\n${command}\r\n` +
        `${withData ? `${data}\r\n` : ""}gets ${key} noreply\r\nmn\r\nquit\r\n`
      return { line: command + (withData ? " + data" : ""), script }
    })
  )
})

describe.runIf(requireTool("memcached", memcachedPath !== undefined))("noreply placement, as memcached 1.6.18", () => {
  const eff = useServer(() => startEffcached())
  const mem = useServer(() => startMemcached())

  it(`agrees on all ${cases.length} placements of the word noreply`, async () => {
    const differences: Array<string> = []
    // One case at a time: they share the key "noreply", and flush_all/cache_memlimit act on everything.
    for (const c of cases) {
      const [m, e] = await Promise.all(
        [mem.port, eff.port].map((port) =>
          exchange(port, c.script, { timeoutMs: 3000 }).then((b) => b.toString("latin1"))
        )
      )
      const mine = normaliseMeta(e!).text
      const theirs = normaliseMeta(m!).text
      if (mine !== theirs) {
        differences.push(`${c.line}\n  memcached: ${JSON.stringify(theirs)}\n  effcached: ${JSON.stringify(mine)}`)
      }
    }
    expect(differences.join("\n")).toBe("")
  })
})
