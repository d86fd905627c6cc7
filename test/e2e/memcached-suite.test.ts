/**
 * memcached 1.6.18's own test scripts (from Debian's source package, see test/support/memcachedSuite.ts)
 * run over TLS against effcached started with `-Z` and memcached's t/server_crt.pem and
 * t/server_key.pem: each script gets a fresh daemon (`T_MEMD_USE_DAEMON`) and connects with
 * `SSL_TEST=1`. t/ascii-auth.t runs against effcached with `-Y` and memcached's t/authfile, over TLS too;
 * so do the binary protocol's t/binary.t and t/binary-get.t. t/binary-sasl.t is not run: it reuses its
 * socket after a refused command until a write is reset, so whether it reconnects depends on when the
 * server's close lands against its next write; it failed 1 of 3 CI runs here (SASL is checked against
 * memcached by test/e2e/binary-sasl.test.ts and the real clients instead).
 *
 * Every test point must pass, except those listed with the reason; a listed one must fail (so the
 * list stays true). docs/compatibility.md explains each.
 */
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { fetchMemcachedSource, hasPerlSsl, type MemcachedSource, parseTap } from "../support/memcachedSuite.js"
import { runProgram } from "../support/processes.js"
import { isCI, requireTool, startEffcached } from "../support/servers.js"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..")

/**
 * A script, the daemon's extra flags, and the test points allowed to fail, with why; `plain` runs it
 * over plain TCP (no `-Z`, no `SSL_TEST`), `env` adds to the script's environment.
 */
interface Script {
  readonly name: string
  readonly args?: (t: string) => ReadonlyArray<string>
  readonly allowed?: Readonly<Record<number, string>>
  readonly plain?: boolean
  readonly env?: (dir: string) => Readonly<Record<string, string>>
}

/**
 * Scripts that start memcached with flags of their own (-m 3, -R 1, -F, ...) are left out: under
 * T_MEMD_USE_DAEMON the flags are ignored, so they would test the harness, not the server.
 */
const SCRIPTS: ReadonlyArray<Script> = [
  { name: "getset" },
  { name: "cas" },
  { name: "incrdecr" },
  { name: "noreply" },
  { name: "flags" },
  { name: "touch" },
  { name: "getandtouch" },
  { name: "metaget" },
  {
    name: "flush-all",
    allowed: {
      25: "the script restarts memcached with -F (flush_all disabled); a running daemon keeps its flags",
      26: "follows from 25: flush_all was allowed, so the value is gone",
      27: "follows from 25"
    }
  },
  { name: "bogus-commands" },
  { name: "quit" },
  { name: "line-lengths" },
  { name: "malicious-commands" },
  { name: "strtol-testing" },
  { name: "stats-detail" },
  { name: "issue_3" },
  { name: "issue_14" },
  { name: "issue_29" },
  { name: "issue_42" },
  { name: "issue_68" },
  { name: "issue_70" },
  { name: "issue_104" },
  { name: "issue_108" },
  { name: "issue_152" },
  { name: "issue_192" },
  { name: "ascii-auth", args: (t) => ["-Y", path.join(t, "authfile")] },
  { name: "binary" },
  { name: "binary-get" }
]

/**
 * Scripts at a time. One: each is a Node daemon and a Perl client, and the other test file vitest runs
 * beside this one (time-bounded suites among them) needs its share of the 2 cores.
 */
const PARALLEL = 1
let running = 0
const queue: Array<() => void> = []
const slot = async (): Promise<() => void> => {
  if (running >= PARALLEL) await new Promise<void>((resolve) => queue.push(resolve))
  running++
  return () => {
    running--
    queue.shift()?.()
  }
}

/** Runs one script against a fresh daemon and checks its test points. */
const runScript = async (script: Script, dir: string) => {
  const t = path.join(dir, "t")
  const env = script.env?.(dir) ?? {}
  const tls = script.plain === true
    ? []
    : ["-Z", "-o", `ssl_chain_cert=${path.join(t, "server_crt.pem")},ssl_key=${path.join(t, "server_key.pem")}`]
  const server = await startEffcached([...tls, ...(script.args?.(t) ?? [])])
  try {
    const run = await runProgram("perl", [path.join(t, `${script.name}.t`)], {
      timeoutMs: 240_000,
      cwd: dir,
      env: {
        ...process.env,
        ...env,
        T_MEMD_USE_DAEMON: `127.0.0.1:${server.port}`,
        ...(script.plain === true ? {} : { SSL_TEST: "1" })
      }
    })
    const { planned, points } = parseTap(run.stdout)
    const report = `${run.stdout.slice(-4000)}\n--- stderr ---\n${run.stderr.slice(-4000)}`
    expect(planned, report).toBeGreaterThan(0)
    expect(points.length, report).toBe(planned)
    const allowed = script.allowed ?? {}
    const unexpected = points.filter((p) => !p.ok && allowed[p.number] === undefined)
    expect(unexpected, report).toEqual([])
    const nowPassing = points.filter((p) => p.ok && allowed[p.number] !== undefined).map((p) => p.number)
    expect(nowPassing, "allowed differences that no longer differ: remove them from the list").toEqual([])
  } finally {
    await server.stop()
  }
}

const present = requireTool("perl with IO::Socket::SSL (libio-socket-ssl-perl)", hasPerlSsl)

describe.runIf(present)("memcached's test suite over TLS", () => {
  let source: MemcachedSource = { _tag: "Unavailable", reason: "not fetched yet" }
  beforeAll(async () => {
    source = await fetchMemcachedSource(path.join(root, "dist/main.js"))
    if (source._tag === "Unavailable") {
      if (isCI) throw new Error(source.reason)
      console.warn(`skipping memcached's test suite: ${source.reason}`)
    }
  }, 180_000)
  afterAll(() => {
    if (source._tag === "Ready") source.remove()
  })

  for (const script of SCRIPTS) {
    it.concurrent(`t/${script.name}.t`, async ({ skip }) => {
      if (source._tag !== "Ready") return skip()
      const release = await slot()
      try {
        await runScript(script, source.dir)
      } finally {
        release()
      }
    }, 300_000)
  }
})
