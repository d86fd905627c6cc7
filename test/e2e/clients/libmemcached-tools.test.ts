/**
 * libmemcached's command-line tools (Debian's libmemcached-tools) against the built daemon:
 * memccapable's ASCII conformance suite, and the everyday tools (memccp, memccat, memcexist,
 * memctouch, memcrm, memcstat, memcflush, memcping, memcdump) checked by their output and exit status.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { describeOutcome, type Outcome, runProgram } from "../../support/processes.js"
import { requireTool, startEffcached, useServer } from "../../support/servers.js"

const toolNames = [
  "memccapable",
  "memccp",
  "memccat",
  "memcexist",
  "memctouch",
  "memcrm",
  "memcstat",
  "memcflush",
  "memcping",
  "memcdump"
]
const toolsPresent = toolNames.every((name) => existsSync(`/usr/bin/${name}`))

describe.runIf(requireTool("libmemcached-tools", toolsPresent))("libmemcached-tools", () => {
  describe("memccapable", () => {
    const server = useServer(() => startEffcached())

    it("passes every ascii protocol test", async () => {
      const args = ["-a", "-v", "-t", "5", "-h", "127.0.0.1", "-p", String(server.port)]
      const outcome = await runProgram("/usr/bin/memccapable", args, { timeoutMs: 120_000 })
      const message = describeOutcome("memccapable -a", outcome, server)
      // memccapable prints "[FAIL]" and "N of M tests failed" (stderr) or "All tests passed" (stdout).
      const all = `${outcome.stdout}\n${outcome.stderr}`
      expect(outcome.code, message).toBe(0)
      expect(all, message).not.toMatch(/\[FAIL\]|tests? failed/)
      expect(all, message).toMatch(/All tests passed/)
    }, 150_000)
  })

  describe("memccp, memccat, memcexist, memctouch, memcrm, memcstat, memcflush, memcping", () => {
    const server = useServer(() => startEffcached())
    let dir = ""
    // 300 KB of every byte value in a fixed pseudo-random order: a binary file with CR, LF and NUL in it.
    const blob = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 2654435761) >>> 24))

    beforeAll(() => {
      dir = mkdtempSync(path.join(tmpdir(), "effcached-tools-"))
      writeFileSync(path.join(dir, "greeting.txt"), "hello\nworld\n")
      writeFileSync(path.join(dir, "blob.bin"), blob)
      writeFileSync(path.join(dir, "empty.txt"), "")
    })
    afterAll(() => rmSync(dir, { recursive: true, force: true }))

    /** Runs a tool against the server, in the folder holding the files (memccp keys them by name). */
    const tool = async (name: string, ...args: Array<string>): Promise<Outcome & { readonly message: string }> => {
      const outcome = await runProgram(`/usr/bin/${name}`, ["-s", `127.0.0.1:${server.port}`, ...args], {
        timeoutMs: 10_000,
        cwd: dir
      })
      return { ...outcome, message: describeOutcome(`${name} ${args.join(" ")}`, outcome, server) }
    }
    const succeeds = async (name: string, ...args: Array<string>): Promise<Outcome> => {
      const outcome = await tool(name, ...args)
      expect(outcome.code, outcome.message).toBe(0)
      return outcome
    }
    const prints = async (name: string, ...args: Array<string>): Promise<string> =>
      (await succeeds(name, ...args)).stdout
    const fails = async (name: string, ...args: Array<string>): Promise<string> => {
      const outcome = await tool(name, ...args)
      expect(outcome.code, outcome.message).toBe(1)
      return outcome.stderr
    }

    it("memccp stores files under their names; memccat reads them back byte for byte", async () => {
      await succeeds("memccp", "greeting.txt", "blob.bin", "empty.txt")
      // memccat ends what it prints with a newline; --file writes the value alone.
      expect(await prints("memccat", "greeting.txt")).toBe("hello\nworld\n\n")
      await succeeds("memccat", "--file=blob.copy", "blob.bin")
      expect(readFileSync(path.join(dir, "blob.copy")).equals(blob)).toBe(true)
      await succeeds("memccat", "--file=empty.copy", "empty.txt")
      expect(readFileSync(path.join(dir, "empty.copy")).length).toBe(0)
      await fails("memccat", "missing.txt")
    })

    it("memccp --add and --replace store only when they should; -F sets flags, -e the expiry", async () => {
      expect(await fails("memccp", "--add", "greeting.txt")).toContain("NOT STORED")
      await succeeds("memccp", "--replace", "greeting.txt")
      await succeeds("memcrm", "greeting.txt")
      expect(await fails("memccp", "--replace", "greeting.txt")).toContain("NOT STORED")
      await succeeds("memccp", "--add", "-F", "7", "greeting.txt")
      // --flags prints the item's flags on a line before the value.
      expect(await prints("memccat", "--flags", "greeting.txt")).toBe("7\nhello\nworld\n\n")
      await succeeds("memccp", "-e", "-1", "empty.txt")
      await fails("memccat", "empty.txt")
    })

    it("memcexist, memctouch and memcrm answer by exit status", async () => {
      await succeeds("memccp", "greeting.txt")
      await succeeds("memcexist", "greeting.txt")
      await fails("memcexist", "missing.txt")
      await succeeds("memctouch", "-e", "100", "greeting.txt")
      await fails("memctouch", "-e", "100", "missing.txt")
      await succeeds("memcrm", "greeting.txt")
      await fails("memcrm", "greeting.txt")
      await fails("memcexist", "greeting.txt")
    })

    it("memcstat prints the server's statistics, settings and version", async () => {
      await succeeds("memcflush")
      await succeeds("memccp", "greeting.txt", "blob.bin")
      const stats = await prints("memcstat")
      expect(stats).toContain(`Server: 127.0.0.1 (${server.port})`)
      expect(stats).toMatch(/^\tpid: \d+$/m)
      expect(stats).toMatch(/^\tversion: 1\.6\.18$/m)
      expect(stats).toMatch(/^\tcurr_items: 2$/m)
      expect(await prints("memcstat", "--args=settings")).toMatch(/^\tmaxbytes: 67108864$/m)
      // --server-version prints to stderr (against memcached too).
      expect((await succeeds("memcstat", "--server-version")).stderr).toBe(`127.0.0.1:${server.port} 1.6.18\n`)
    })

    it("memcflush empties the server; memcping reaches it", async () => {
      await succeeds("memccp", "greeting.txt", "blob.bin")
      await succeeds("memcflush")
      // (memcexist asks with `add <key> 0 2678400 0`, an absolute exptime in 1970: on a miss it stores an
      // already-expired item, which memcached and effcached count in curr_items until it is reclaimed.)
      await fails("memcexist", "greeting.txt")
      await fails("memcexist", "blob.bin")
      await succeeds("memcping")
    })

    it("memcdump lists every key, whatever its size class (through stats cachedump)", async () => {
      await succeeds("memcflush")
      await succeeds("memccp", "greeting.txt", "blob.bin", "empty.txt")
      const listed = (await succeeds("memcdump")).stdout.split("\n").filter((line) => line.length > 0)
      expect(listed.sort()).toEqual(["blob.bin", "empty.txt", "greeting.txt"])
    })
  })
})
