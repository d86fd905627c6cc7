/**
 * SASL over the binary protocol (`-S`), compared with memcached 1.6.18: memcached is built with Cyrus
 * SASL, so it is given a memcached.conf (`mech_list: plain`) and a sasldb made by saslpasswd2
 * (Debian's sasl2-bin) through SASL_CONF_PATH; effcached the same user in a `--sasl-pwdb` file. The
 * sessions cover listing mechanisms, commands before authentication, a right and a wrong password, a
 * wrong mechanism, PLAIN without initial data (auth continue, then step), a step with nothing
 * started, an over-long mechanism name, a text client, and the auth_cmds/auth_errors counts.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { describeResponses, packet, type PacketFields, statsOf, storeExtras } from "../support/binaryWire.js"
import { pollUntil } from "../support/poll.js"
import { memcachedPath, requireTool, startEffcached, startMemcached, useServer } from "../support/servers.js"
import { exchange } from "../support/wire.js"

const hasSaslpasswd = spawnSync("sh", ["-c", "command -v saslpasswd2"]).status === 0

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "effcached-sasl-"))
// memcached drops to `nobody` before it reads the sasldb.
fs.chmodSync(dir, 0o755)
const pwdb = path.join(dir, "pwdb")
fs.writeFileSync(pwdb, "alice:secret\nbob:hunter2\n")
fs.writeFileSync(path.join(dir, "memcached.conf"), `mech_list: plain\nsasldb_path: ${dir}/sasldb\n`)
const makeUser = (user: string, password: string) =>
  spawnSync("saslpasswd2", ["-p", "-a", "memcached", "-c", "-f", path.join(dir, "sasldb"), user], {
    input: password
  })
if (hasSaslpasswd) {
  makeUser("alice", "secret")
  makeUser("bob", "hunter2")
  fs.chmodSync(path.join(dir, "sasldb"), 0o644)
}
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

const op = {
  get: 0x00,
  set: 0x01,
  quit: 0x07,
  noop: 0x0a,
  version: 0x0b,
  stat: 0x10,
  list: 0x20,
  auth: 0x21,
  step: 0x22
}
let opaque = 1
const pk = (f: PacketFields) => packet({ opaque: opaque++, ...f })
const auth = (data: string, mechanism = "PLAIN", opcode: number = op.auth) =>
  pk({ opcode, key: mechanism, value: data })
const quit = () => pk({ opcode: op.quit })

interface SaslCase {
  readonly name: string
  readonly script: () => ReadonlyArray<Buffer | string>
}

const cases: ReadonlyArray<SaslCase> = [
  {
    name: "list mechanisms, version before authenticating",
    script: () => [pk({ opcode: op.list }), pk({ opcode: op.version }), quit()]
  },
  {
    name: "a get before authenticating: Auth failure, then close",
    script: () => [pk({ opcode: op.get, key: "k" }), quit()]
  },
  { name: "a noop before authenticating: Auth failure, then close", script: () => [pk({ opcode: op.noop })] },
  {
    name: "PLAIN with the right password, then commands",
    script: () => [
      auth("\0alice\0secret"),
      pk({ opcode: op.set, key: "sk", extras: storeExtras(3, 0), value: "v" }),
      pk({ opcode: op.get, key: "sk" }),
      quit()
    ]
  },
  {
    name: "PLAIN with the authorization identity of the user",
    script: () => [auth("bob\0bob\0hunter2"), pk({ opcode: op.noop }), quit()]
  },
  { name: "a wrong password, then a command", script: () => [auth("\0alice\0wrong"), pk({ opcode: op.noop }), quit()] },
  { name: "an unknown user", script: () => [auth("\0carol\0secret"), pk({ opcode: op.noop }), quit()] },
  {
    name: "a mechanism not offered",
    script: () => [auth("\0alice\0secret", "CRAM-MD5"), pk({ opcode: op.version }), quit()]
  },
  {
    name: "PLAIN without data: auth continue, then the step",
    script: () => [auth(""), auth("\0alice\0secret", "PLAIN", op.step), pk({ opcode: op.noop }), quit()]
  },
  {
    name: "a step with nothing started",
    script: () => [auth("\0alice\0secret", "PLAIN", op.step), pk({ opcode: op.version }), quit()]
  },
  { name: "malformed PLAIN data", script: () => [auth("alice-secret"), pk({ opcode: op.version }), quit()] },
  {
    name: "a mechanism name over 32 bytes: Invalid arguments, the data discarded, the connection kept",
    script: () => [auth("\0alice\0secret", "P".repeat(33)), pk({ opcode: op.version }), quit()]
  },
  {
    name: "SASL data too large for an item: Out of memory, the data discarded, the connection kept",
    script: () => [auth(`\0alice\0${"x".repeat(1024 * 1024 + 10)}`), pk({ opcode: op.version }), quit()]
  },
  {
    name: "a failed second attempt leaves the connection unauthenticated",
    script: () => [auth("\0alice\0secret"), auth("\0alice\0nope"), pk({ opcode: op.noop }), quit()]
  },
  {
    name: "listing the mechanisms again drops the authentication (memcached's init_sasl_conn)",
    script: () => [auth("\0alice\0secret"), pk({ opcode: op.list }), pk({ opcode: op.noop }), quit()]
  },
  {
    name: "a text client is read as binary: closed once 24 bytes show a bad magic",
    script: () => ["stats\r\nversion\r\nget a b c\r\n"]
  }
]

describe.runIf(
  requireTool("memcached", memcachedPath !== undefined) && requireTool("saslpasswd2 (sasl2-bin)", hasSaslpasswd)
)("binary SASL: effcached -S vs memcached 1.6.18 -S (Cyrus SASL, PLAIN)", () => {
  const eff = useServer(() => startEffcached(["-S", "--sasl-pwdb", pwdb]))
  const mem = useServer(() => startMemcached(["-S"], { SASL_CONF_PATH: dir }))

  const run = async (port: number, script: ReadonlyArray<Buffer | string>) => {
    try {
      return describeResponses(await exchange(port, [...script], { timeoutMs: 3000 }))
    } catch (e) {
      return `<<${(e as Error).message}>>`
    }
  }

  cases.forEach((c, index) => {
    it(`#${index} ${c.name}`, async () => {
      opaque = 1
      const script = c.script()
      const [memReply, effReply] = await Promise.all([run(mem.port, script), run(eff.port, script)])
      expect(effReply).toBe(memReply)
    })
  })

  it("counts auth_cmds and auth_errors as memcached does", async () => {
    opaque = 1
    const script = [auth("\0alice\0secret"), pk({ opcode: op.stat }), quit()]
    const [memReply, effReply] = await Promise.all([
      exchange(mem.port, script, { timeoutMs: 3000 }),
      exchange(eff.port, script, { timeoutMs: 3000 })
    ])
    const pick = (stats: Map<string, string>) => ({
      auth_cmds: stats.get("auth_cmds"),
      auth_errors: stats.get("auth_errors")
    })
    expect(pick(statsOf(effReply))).toEqual(pick(statsOf(memReply)))
    expect(Number(statsOf(effReply).get("auth_errors"))).toBeGreaterThan(0)
  })
})

describe("binary SASL: the --sasl-pwdb file (effcached alone: memcached's Cyrus build reads a sasldb)", () => {
  const file = path.join(dir, "reload-pwdb")
  fs.writeFileSync(file, "old:one\n")
  const eff = useServer(() => startEffcached(["-S", "--sasl-pwdb", file]))
  const attempt = async (user: string, password: string) => {
    const reply = await exchange(eff.port, [auth(`\0${user}\0${password}`), quit()], { timeoutMs: 3000 })
    return describeResponses(reply).split("\n")[0]!
  }

  it("is re-read on SIGHUP: new users work, removed ones no longer do", async () => {
    expect(await attempt("old", "one")).toContain(`value="Authenticated"`)
    expect(await attempt("new", "two")).toContain(`value="Auth failure."`)
    fs.writeFileSync(file, "new:two\n")
    eff.process.kill("SIGHUP")
    await pollUntil(() => attempt("new", "two"), (r) => r.includes("Authenticated"), {
      deadlineMs: 5000,
      what: "the reloaded user"
    })
    expect(await attempt("old", "one")).toContain(`value="Auth failure."`)
  })
})
