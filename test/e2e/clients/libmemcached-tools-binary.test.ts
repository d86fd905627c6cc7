/**
 * libmemcached's command-line tools (Debian's libmemcached-tools) in binary-protocol mode against the
 * built daemon and, the same checks, against memcached 1.6.18: memccapable's binary conformance suite
 * (`-b`), and the tools that have `--binary` (memccp, memccat, memcexist, memctouch, memcrm, memcstat,
 * memcflush), without SASL and with `--username/--password` (PLAIN), a wrong password refused.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type BinaryTarget, binaryTargets } from "../../support/binaryServers.js"
import { describeOutcome, type Outcome, runProgram } from "../../support/processes.js"
import { hasSaslpasswd2, makeSaslUsers, type SaslUsers } from "../../support/sasl.js"
import { requireTool, useServer } from "../../support/servers.js"

const toolNames = ["memccapable", "memccp", "memccat", "memcexist", "memctouch", "memcrm", "memcstat", "memcflush"]
const toolsPresent = toolNames.every((name) => existsSync(`/usr/bin/${name}`))

/** The everyday tools with `--binary` (and the credentials, with SASL), checked by output and exit status. */
const tools = (target: BinaryTarget, users?: SaslUsers) => {
  const server = useServer(() => target.start(users))
  const credentials = users === undefined ? [] : ["--username=dave", "--password=s3cret"]
  let dir = ""
  const blob = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 2654435761) >>> 24))

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "effcached-tools-binary-"))
    writeFileSync(path.join(dir, "greeting.txt"), "hello\nworld\n")
    writeFileSync(path.join(dir, "blob.bin"), blob)
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  const tool = async (name: string, ...args: Array<string>): Promise<Outcome & { readonly message: string }> => {
    const all = ["-s", `127.0.0.1:${server.port}`, "--binary", ...credentials, ...args]
    const outcome = await runProgram(`/usr/bin/${name}`, all, { timeoutMs: 10_000, cwd: dir })
    return { ...outcome, message: describeOutcome(`${name} ${all.join(" ")}`, outcome, server) }
  }
  const exits = async (code: number, name: string, ...args: Array<string>): Promise<Outcome> => {
    const outcome = await tool(name, ...args)
    expect(outcome.code, outcome.message).toBe(code)
    return outcome
  }

  it("memccp stores, memccat reads back byte for byte, --add refuses an existing key", async () => {
    await exits(0, "memcflush")
    await exits(0, "memccp", "greeting.txt", "blob.bin")
    expect((await exits(0, "memccat", "--flags", "greeting.txt")).stdout).toBe("0\nhello\nworld\n\n")
    await exits(0, "memccat", "--file=blob.copy", "blob.bin")
    expect(readFileSync(path.join(dir, "blob.copy")).equals(blob)).toBe(true)
    await exits(1, "memccat", "missing.txt")
    expect((await exits(1, "memccp", "--add", "greeting.txt")).stderr).toContain("DATA EXISTS")
    await exits(0, "memccp", "--replace", "-F", "9", "greeting.txt")
    expect((await exits(0, "memccat", "--flags", "greeting.txt")).stdout).toBe("9\nhello\nworld\n\n")
  })

  it("memcexist, memctouch and memcrm answer by exit status; memcflush empties", async () => {
    await exits(0, "memccp", "greeting.txt")
    await exits(0, "memcexist", "greeting.txt")
    await exits(1, "memcexist", "missing.txt")
    await exits(0, "memctouch", "-e", "100", "greeting.txt")
    await exits(1, "memctouch", "-e", "100", "missing.txt")
    await exits(0, "memcrm", "greeting.txt")
    await exits(1, "memcrm", "greeting.txt")
    await exits(0, "memccp", "greeting.txt")
    await exits(0, "memcflush")
    await exits(1, "memccat", "greeting.txt")
  })

  it("memcstat prints the statistics and the version over the binary protocol", async () => {
    await exits(0, "memcflush")
    await exits(0, "memccp", "greeting.txt", "blob.bin")
    const stats = (await exits(0, "memcstat")).stdout
    expect(stats).toContain(`Server: 127.0.0.1 (${server.port})`)
    expect(stats).toMatch(/^\tversion: 1\.6\.18$/m)
    expect(stats).toMatch(/^\tcurr_items: 2$/m)
    expect((await exits(0, "memcstat", "--server-version")).stderr).toBe(`127.0.0.1:${server.port} 1.6.18\n`)
  })

  if (users !== undefined) {
    it("refuses a wrong password", async () => {
      const wrong = ["-s", `127.0.0.1:${server.port}`, "--binary", "--username=dave", "--password=wrong"]
      for (const [name, ...args] of [["memccat", "greeting.txt"], ["memccp", "greeting.txt"]] as const) {
        const outcome = await runProgram(`/usr/bin/${name}`, [...wrong, ...args], { timeoutMs: 10_000, cwd: dir })
        expect(outcome.code, describeOutcome(name, outcome, server)).toBe(1)
        expect(outcome.stderr).toContain("AUTHENTICATION FAILURE")
      }
    })
  }
}

describe.runIf(requireTool("libmemcached-tools", toolsPresent))("libmemcached-tools --binary", () => {
  const sasl = requireTool("saslpasswd2 (sasl2-bin)", hasSaslpasswd2)
  const users = makeSaslUsers({ dave: "s3cret" })
  afterAll(() => users.remove())

  for (const target of binaryTargets) {
    describe(target.name, () => {
      describe("memccapable -b", () => {
        const server = useServer(() => target.start())
        it("passes every binary protocol test", async () => {
          const args = ["-b", "-v", "-t", "5", "-h", "127.0.0.1", "-p", String(server.port)]
          const outcome = await runProgram("/usr/bin/memccapable", args, { timeoutMs: 60_000 })
          const message = describeOutcome("memccapable -b", outcome, server)
          const all = `${outcome.stdout}\n${outcome.stderr}`
          expect(outcome.code, message).toBe(0)
          expect(all, message).not.toMatch(/\[FAIL\]|tests? failed/)
          expect(all, message).toMatch(/All tests passed/)
        }, 90_000)
      })
      describe("tools without SASL", () => tools(target))
      describe.runIf(sasl)("tools with SASL PLAIN", () => tools(target, users))
    })
  }
})
