/**
 * memcached's own test suite (its t/*.t Perl scripts), from Debian's source package: fetched with
 * `apt-get source --download-only memcached` (a `deb-src` line for bookworm main must be configured,
 * as .ci/run does) and extracted into a temporary folder. Nothing of it is kept in the repository.
 *
 * The scripts' library (t/lib/MemcachedTest.pm) connects to a running server when
 * `T_MEMD_USE_DAEMON=host:port` is set, over TLS with its own client certificate when `SSL_TEST=1`
 * and the binary it finds as `memcached-debug` advertises `--enable-ssl` in its help; that binary is
 * here a script that runs effcached. Each script prints TAP (`ok N - ...`, `not ok N - ...`).
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { runProgram } from "./processes.js"

/** Where the source was extracted, or why it could not be. */
export type MemcachedSource =
  | { readonly _tag: "Ready"; readonly dir: string; readonly remove: () => void }
  | { readonly _tag: "Unavailable"; readonly reason: string }

/** Whether Perl and IO::Socket::SSL (Debian's libio-socket-ssl-perl) are installed. */
export const hasPerlSsl = spawnSync("perl", ["-MIO::Socket::SSL", "-e", "1"], { stdio: "ignore" }).status === 0

/**
 * Downloads Debian's memcached source package into a fresh temporary folder and extracts the upstream
 * tarball there; `memcached-debug` in it runs `daemon` (the built effcached).
 */
export const fetchMemcachedSource = async (daemon: string): Promise<MemcachedSource> => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "effcached-memcached-src-"))
  const remove = () => fs.rmSync(work, { recursive: true, force: true })
  const download = await runProgram("apt-get", ["source", "--download-only", "-qq", "memcached"], {
    timeoutMs: 120_000,
    cwd: work
  })
  const tarball = fs.readdirSync(work).find((f) => /^memcached_.*\.orig\.tar\.\w+$/.test(f))
  if (download.code !== 0 || tarball === undefined) {
    remove()
    return {
      _tag: "Unavailable",
      reason: `apt-get source memcached failed (a deb-src line for bookworm main is needed): ${download.stderr.trim()}`
    }
  }
  const extract = await runProgram("tar", ["xf", tarball], { timeoutMs: 60_000, cwd: work })
  const dir = fs.readdirSync(work).find((f) => /^memcached-\d/.test(f))
  if (extract.code !== 0 || dir === undefined) {
    remove()
    return { _tag: "Unavailable", reason: `could not extract ${tarball}: ${extract.stderr.trim()}` }
  }
  const source = path.join(work, dir)
  // The scripts ask `memcached-debug -h` what the server supports before most connections (TLS, unix
  // sockets, SASL): answered from a copy taken once, not a Node start (over a second on a loaded machine) each.
  const help = spawnSync(process.execPath, [daemon, "-h"], { encoding: "utf8" })
  fs.writeFileSync(path.join(source, "memcached-help.txt"), help.stdout)
  fs.writeFileSync(
    path.join(source, "memcached-debug"),
    `#!/bin/sh\nif [ "$*" = "-h" ]; then exec cat ${JSON.stringify(path.join(source, "memcached-help.txt"))}; fi\n` +
      `exec ${JSON.stringify(process.execPath)} ${JSON.stringify(daemon)} "$@"\n`,
    { mode: 0o755 }
  )
  return { _tag: "Ready", dir: source, remove }
}

/** One TAP test point. */
export interface TapPoint {
  readonly number: number
  readonly ok: boolean
  readonly description: string
}

/** The plan (`1..N`, -1 if none) and the test points of a TAP stream. */
export const parseTap = (output: string): { readonly planned: number; readonly points: ReadonlyArray<TapPoint> } => {
  const plan = /^1\.\.(\d+)/m.exec(output)
  const points: Array<TapPoint> = []
  for (const match of output.matchAll(/^(not )?ok (\d+)(.*)$/gm)) {
    points.push({ number: Number(match[2]), ok: match[1] === undefined, description: match[3]!.trim() })
  }
  return { planned: plan === null ? -1 : Number(plan[1]), points }
}
