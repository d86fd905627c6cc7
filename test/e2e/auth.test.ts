/**
 * ASCII authentication (`-Y`) against memcached 1.6.18 started with the same file: the same steps
 * sent to both, one request at a time, must get byte-identical replies and the same `auth_cmds` /
 * `auth_errors`. One at a time because memcached, before a connection authenticates, keeps only the
 * last of the replies to requests that arrive together (a known difference, docs/compatibility.md).
 * Also: SIGHUP re-reads the file on both, and effcached's exit statuses for an unusable file.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"
import { pollUntil } from "../support/poll.js"
import { runProgram } from "../support/processes.js"
import { memcachedPath, requireTool, startEffcached, startMemcached, useServer } from "../support/servers.js"
import { Connection } from "../support/wire.js"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..")

/** memcached's t/authfile. */
const AUTHFILE = "foo:bar\nbaaaz:quux\n"

/** One request, and whether the server answers it with a reply or by closing the connection. */
type Step = string | { readonly send: string; readonly closes: true }

/** Sends each step after the previous reply; the replies, `<closed>` where the server hung up. */
const run = async (port: number, steps: ReadonlyArray<Step>): Promise<Array<string>> => {
  const c = await Connection.open(port)
  const replies: Array<string> = []
  try {
    for (const step of steps) {
      if (typeof step === "string") {
        replies.push(await c.request(step))
      } else {
        c.send(step.send)
        await c.waitForClose()
        replies.push("<closed>")
        break
      }
    }
  } finally {
    c.close()
  }
  return replies
}

const login = "set foo 0 0 7\r\nfoo bar\r\n"

const present = requireTool("memcached", memcachedPath !== undefined)

describe.runIf(present)("ASCII authentication (-Y) against memcached", () => {
  // memcached drops to -u nobody: the file must be readable by everyone.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "effcached-auth-"))
  fs.chmodSync(dir, 0o755)
  const authfile = path.join(dir, "authfile")
  fs.writeFileSync(authfile, AUTHFILE, { mode: 0o644 })
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))
  const eff = useServer(() => startEffcached(["-Y", authfile]))
  const mem = useServer(() => startMemcached(["-Y", authfile]))

  /** Runs the steps on both servers and expects the same replies; returns them. */
  const same = async (steps: ReadonlyArray<Step>) => {
    const [e, m] = await Promise.all([run(eff.port, steps), run(mem.port, steps)])
    expect(e).toEqual(m)
    return e
  }

  it("memcached's t/ascii-auth.t: refused, failed, then authenticated; a second user on a second connection", async () => {
    const replies = await same([
      "set foo 0 0 2\r\nhi\r\n",
      "get foo\r\n",
      "set foo 0 0 7\r\nfoo bab\r\n",
      login,
      "set toast 0 0 2\r\nhi\r\n",
      "get toast\r\n"
    ])
    expect(replies).toEqual([
      // "hi" is read as the credentials (the test only asks for a CLIENT_ERROR).
      "CLIENT_ERROR bad authentication token format\r\n",
      "CLIENT_ERROR unauthenticated\r\n",
      "CLIENT_ERROR authentication failure\r\n",
      "STORED\r\n",
      "STORED\r\n",
      "VALUE toast 0 2\r\nhi\r\nEND\r\n"
    ])
    await same(["set foo 0 0 10\r\nbaaaz quux\r\n", "set toast2 0 0 2\r\nho\r\n", "get toast2\r\n"])
  })

  it("answers every other command, meta and binary included, with CLIENT_ERROR unauthenticated", async () => {
    const commands = [
      "get a b",
      "gets a",
      "gat 10 a",
      "add a 0 0 1",
      "cas a 0 0 1 1",
      "incr a 1",
      "delete a",
      "touch a 10",
      "flush_all",
      "version",
      "verbosity 1",
      "stats",
      "stats settings",
      "mn",
      "mg a v",
      "ms a 2",
      "md a",
      "ma a",
      "me a",
      "refresh_certs",
      "shutdown",
      "cache_memlimit 100",
      "quit",
      "set a 0 0",
      "set a 0 0 -1",
      "set a 0 0 x",
      "bogus",
      ""
    ]
    const replies = await same([...commands.map((c) => `${c}\r\n`), "\x80\x0a\x00\x00\r\n"])
    expect(new Set(replies)).toEqual(new Set(["CLIENT_ERROR unauthenticated\r\n"]))
  })

  it("reads the attempt as memcached: tokens, sizes, the data's CRLF and its two tokens", async () => {
    expect(await same(["set foo 0 0 7\r\nfoo barXY"])).toEqual(["CLIENT_ERROR bad command line termination\r\n"])
    expect(await same(["set foo 0 0 3\r\nfoo\r\n"])).toEqual(["CLIENT_ERROR bad authentication token format\r\n"])
    expect(await same(["set foo 0 0 8\r\nfoo:bar \r\n"])).toEqual([
      "CLIENT_ERROR bad authentication token format\r\n"
    ])
    expect(await same(["set foo 0 0 8\r\nfoo bar\n\r\n"])).toEqual(["CLIENT_ERROR authentication failure\r\n"])
    expect(await same(["set foo 0 0 8\r\nfoo bar \r\n", "mn\r\n"])).toEqual(["STORED\r\n", "MN\r\n"])
    await same(["set foo 0 0 9\r\nfoo bar x\r\n", "get foo\r\n"])
    await same(["set  k  1  2  +7 noreply\r\nfoo bar\r\n", "get k\r\n"])
    await same(["set k 0 0 7\nfoo bar\r\n", "mn\r\n"])
    await same(["set a b c 7\r\nfoo bar\r\n", "mn\r\n"])
    // Authenticated: the same set is now an ordinary one.
    await same([login, login, "get foo\r\n"])
  })

  it("closes a connection whose command line runs past 2048 bytes without a newline", async () => {
    expect(await same([{ send: "x".repeat(3000), closes: true }])).toEqual(["<closed>"])
  })

  it("counts attempts in auth_cmds and failures in auth_errors, and shows the file in stats settings", async () => {
    const count = async (port: number) => {
      await run(port, ["set a 0 0 7\r\nfoo bad\r\n", "set a 0 0 7\r\nfoo bat\r\n", login])
      const c = await Connection.open(port)
      await c.request(login)
      const stats = await c.request("stats\r\n")
      const settings = await c.request("stats settings\r\n")
      c.close()
      const stat = (text: string, name: string) => new RegExp(`^STAT ${name} (.*)\r$`, "m").exec(text)?.[1]
      return {
        cmds: Number(stat(stats, "auth_cmds")),
        errors: Number(stat(stats, "auth_errors")),
        enabled: stat(settings, "auth_enabled_ascii")
      }
    }
    const [before, after] = [await count(eff.port), await count(eff.port)]
    expect(after.cmds - before.cmds).toBe(4)
    expect(after.errors - before.errors).toBe(2)
    expect(after.enabled).toBe(authfile)
    const [m1, m2] = [await count(mem.port), await count(mem.port)]
    expect({ cmds: m2.cmds - m1.cmds, errors: m2.errors - m1.errors, enabled: m2.enabled }).toEqual({
      cmds: 4,
      errors: 2,
      enabled: authfile
    })
  })

  it("re-reads the file on SIGHUP: new credentials work, and an authenticated connection stays so", async () => {
    const [eKept, mKept] = await Promise.all([Connection.open(eff.port), Connection.open(mem.port)])
    expect(await eKept.request(login)).toBe("STORED\r\n")
    expect(await mKept.request(login)).toBe("STORED\r\n")
    fs.writeFileSync(authfile, "new:secret\n")
    try {
      eff.process.kill("SIGHUP")
      mem.process.kill("SIGHUP")
      const attempt = (port: number) => run(port, ["set k 0 0 10\r\nnew secret\r\n"])
      // memcached re-reads it on its next clock tick, within a second.
      for (const port of [eff.port, mem.port]) {
        await pollUntil(() => attempt(port), (r) => r[0] === "STORED\r\n", {
          deadlineMs: 5000,
          what: "new credentials"
        })
      }
      expect(await same([login])).toEqual(["CLIENT_ERROR authentication failure\r\n"])
      expect(await eKept.request("mn\r\n")).toBe("MN\r\n")
      expect(await mKept.request("mn\r\n")).toBe("MN\r\n")
    } finally {
      eKept.close()
      mKept.close()
      fs.writeFileSync(authfile, AUTHFILE)
    }
  })
})

describe("-Y with a file effcached cannot use", () => {
  it("exits 73 when it cannot be read and 64 when it is malformed, with one line naming it", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "effcached-auth-"))
    try {
      const malformed = path.join(dir, "malformed")
      fs.writeFileSync(malformed, "foo:bar\nno colon here\n")
      const [missing, bad] = await Promise.all(
        [path.join(dir, "missing"), malformed].map((file) =>
          runProgram(process.execPath, ["dist/main.js", "-p", "0", "-Y", file], { timeoutMs: 60_000, cwd: root })
        )
      )
      expect(missing.code, missing.stderr).toBe(73)
      expect(missing.stderr.trim().split("\n")).toHaveLength(1)
      expect(missing.stderr).toMatch(/Could not open authfile \[.*missing\] for reading/)
      expect(bad.code, bad.stderr).toBe(64)
      expect(bad.stderr.trim().split("\n")).toHaveLength(1)
      expect(bad.stderr).toMatch(/Authfile \[.*malformed\] has a malformed entry \(line 2\)/)
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }, 90_000)
})
