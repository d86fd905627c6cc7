/**
 * A disk that fills up while the server writes (issue 11), on a real small file system: a 1 MB tmpfs
 * mounted in a user and mount namespace of its own (`unshare -Urm`, which needs no root where user
 * namespaces are allowed; skipped with a message where they are not). A filler file leaves the log
 * some room; writes go on past it. In `always` mode every write is either acknowledged (and so on disk)
 * or answered `SERVER_ERROR persistence failed`, the server keeps serving, and once the filler is
 * removed writes succeed again. The daemon is then shut down and started again on the same tmpfs: every
 * acknowledged write is there, including those after the disk recovered, and nothing else is wrong.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { type Item, readItems, sameItem, showItem, STACK_FRAME, statsOf, useTempDirs } from "../support/persistence.js"
import { freePort } from "../support/servers.js"
import { Connection, openServed } from "../support/wire.js"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..")
const tempDir = useTempDirs()

/** Whether this machine lets an unprivileged-style namespace mount a tmpfs. */
const tmpfsAvailable = ((): boolean => {
  if (process.platform !== "linux") return false
  const probe = fs.mkdtempSync("/tmp/effcached-probe-")
  const tried = spawnSync("unshare", ["-Urm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs \"$1\"", "_", probe], {
    stdio: "ignore"
  })
  fs.rmSync(probe, { recursive: true, force: true })
  if (tried.status === 0) return true
  console.warn(
    "skipping the tmpfs disk-full test: `unshare -Urm` cannot mount a tmpfs here (no user namespaces); " +
      "the injected-failure tests still cover the disk-full path"
  )
  return false
})()

/**
 * Inside the namespace: mount the tmpfs, leave ~300 KB free, serve; when the test creates `free`,
 * remove the filler; after the first server exits, start a second one on the same data dir.
 */
const SCRIPT = `
set -e
mount -t tmpfs -o size=1m tmpfs "$MNT"
mkdir "$MNT/data"
head -c 700000 /dev/zero > "$MNT/filler"
(while [ ! -e "$CTL/free" ]; do sleep 0.05; done; rm -f "$MNT/filler") &
"$NODE" "$MAIN" -p "$P1" -A --data-dir "$MNT/data" --appendfsync always --snapshot-interval 3600 || true
echo "--- second server ---" >&2
touch "$CTL/free"
"$NODE" "$MAIN" -p "$P2" -A --data-dir "$MNT/data"
`

const waitListening = async (port: number, child: ChildProcess, stderr: () => string): Promise<void> => {
  const deadline = Date.now() + 15_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the namespace's script exited: ${stderr()}`)
    const ok = await Connection.open(port).then((c) => (c.close(), true), () => false)
    if (ok) return
    if (Date.now() > deadline) throw new Error(`nothing listening on ${port}: ${stderr()}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

describe.runIf(tmpfsAvailable)("a full disk (a 1 MB tmpfs), --appendfsync always", () => {
  it(
    "answers SERVER_ERROR persistence failed, keeps serving, recovers, and keeps every acknowledged write",
    async () => {
      const mnt = tempDir()
      const ctl = tempDir()
      const [p1, p2] = [await freePort(), await freePort()]
      const child = spawn("unshare", ["-Urm", "sh", "-c", SCRIPT], {
        env: {
          ...process.env,
          MNT: mnt,
          CTL: ctl,
          NODE: process.execPath,
          MAIN: path.join(root, "dist/main.js"),
          P1: `${p1}`,
          P2: `${p2}`
        },
        stdio: ["ignore", "ignore", "pipe"],
        detached: true
      })
      let stderr = ""
      child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()))
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
      const acked = new Map<string, Item>()
      const refused = new Map<string, Item>()
      try {
        await waitListening(p1, child, () => stderr)
        const connection = await openServed(p1)
        const write = async (key: string) => {
          const item = { flags: acked.size, value: `${key}:${"d".repeat(4000)}` }
          const reply = await connection.request(`set ${key} ${item.flags} 0 ${item.value.length}\r\n${item.value}\r\n`)
          if (reply === "STORED\r\n") acked.set(key, item)
          else if (reply === "SERVER_ERROR persistence failed\r\n") refused.set(key, item)
          else throw new Error(`${key}: unexpected reply ${JSON.stringify(reply)}`)
          return reply
        }
        // Until the disk is full: ~300 KB of room, 4 KB values.
        let i = 0
        while (refused.size < 5) {
          if (i > 1000) throw new Error(`no write refused after ${i} sets: ${stderr}`)
          await write(`full${i++}`)
        }
        expect(acked.size).toBeGreaterThan(10)
        expect(await connection.request("version\r\n")).toMatch(/^VERSION /)
        expect(Number((await statsOf(p1)).get("persist_errors"))).toBeGreaterThan(0)
        // Room again: writes succeed again (the server retries; a few more may be refused meanwhile).
        fs.writeFileSync(path.join(ctl, "free"), "")
        const deadline = Date.now() + 10_000
        let after = 0
        for (let j = 0; after < 20; j++) {
          if (Date.now() > deadline) throw new Error(`writes still refused 10 s after the disk had room: ${stderr}`)
          if ((await write(`again${j}`)) === "STORED\r\n") after++
        }
        connection.send("shutdown\r\n")
        await connection.waitForClose()
        await waitListening(p2, child, () => stderr)
        // The operator learns why, at the default verbosity (disk errors are not held back until -v).
        const firstLog = stderr.slice(0, stderr.indexOf("--- second server ---"))
        expect(firstLog).toMatch(/ENOSPC/)
        const found = await readItems(p2, [...acked.keys(), ...refused.keys()])
        const lost = [...acked].filter(([key, item]) => !sameItem(found.get(key), item))
        expect(lost.map(([key, item]) => `${key}: ${showItem(found.get(key))}, acknowledged ${showItem(item)}`))
          .toEqual([])
        // A refused write may or may not have reached the disk, but never as anything else.
        const wrong = [...refused].filter(([key, item]) => found.has(key) && !sameItem(found.get(key), item))
        expect(wrong.map(([key]) => key)).toEqual([])
        const second = await openServed(p2)
        second.send("shutdown\r\n")
        await second.waitForClose()
        expect(await exited).toBe(0)
      } finally {
        if (child.exitCode === null) process.kill(-child.pid!, "SIGKILL")
      }
      expect(stderr).not.toMatch(STACK_FRAME)
    },
    60_000
  )
})
