/**
 * SASL users for the binary-protocol client suites, made once for both servers: effcached reads
 * memcached's pwdb format (`user:password` lines, `--sasl-pwdb`), while Debian's memcached authenticates
 * through Cyrus SASL, which finds its `memcached.conf` (mech_list, sasldb_path) in `SASL_CONF_PATH`
 * and its users in a sasldb made by `saslpasswd2` (Debian's sasl2-bin).
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

/** Where `saslpasswd2` is, when sasl2-bin is installed. */
const saslpasswd2 = ["/usr/sbin/saslpasswd2", "/usr/bin/saslpasswd2"].find((p) => fs.existsSync(p))

/** Whether Cyrus SASL users can be made for memcached (sasl2-bin installed). */
export const hasSaslpasswd2 = saslpasswd2 !== undefined

/** The same users, in effcached's pwdb file and in a Cyrus SASL configuration for memcached. */
export interface SaslUsers {
  /** The pwdb file, for `--sasl-pwdb` or MEMCACHED_SASL_PWDB. */
  readonly pwdb: string
  /** The folder to set as SASL_CONF_PATH for memcached -S. */
  readonly saslConfPath: string
  /** Removes the files. */
  readonly remove: () => void
}

/**
 * Writes `users` (name to password) as a pwdb file and, when sasl2-bin is installed, as a sasldb with
 * a memcached.conf offering PLAIN. The folder is world-readable: memcached reads the sasldb after
 * dropping to `-u nobody`.
 */
export const makeSaslUsers = (users: Readonly<Record<string, string>>): SaslUsers => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "effcached-sasl-"))
  fs.chmodSync(dir, 0o755)
  const pwdb = path.join(dir, "pwdb")
  fs.writeFileSync(pwdb, Object.entries(users).map(([user, password]) => `${user}:${password}\n`).join(""))
  if (saslpasswd2 !== undefined) {
    const sasldb = path.join(dir, "sasldb2")
    for (const [user, password] of Object.entries(users)) {
      // -a memcached: the application name memcached's sasl_server_new uses; the realm is the host's name,
      // which is what a PLAIN user without a realm is looked up under.
      const made = spawnSync(saslpasswd2, ["-p", "-c", "-a", "memcached", "-f", sasldb, user], { input: password })
      if (made.status !== 0) throw new Error(`saslpasswd2 failed for ${user}: ${made.stderr.toString()}`)
    }
    fs.chmodSync(sasldb, 0o644)
    fs.writeFileSync(path.join(dir, "memcached.conf"), `mech_list: plain\nsasldb_path: ${sasldb}\n`)
  }
  return { pwdb, saslConfPath: dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) }
}
