import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { runProgram } from "../support/processes.js"
import { startEffcached } from "../support/servers.js"
import { Connection } from "../support/wire.js"

const root = path.resolve(import.meta.dirname, "../..")

const statsOf = (reply: string): Map<string, string> =>
  new Map(
    reply.split("\r\n").filter((l) => l.startsWith("STAT ")).map((l) => {
      const [, name, ...value] = l.split(" ")
      return [name!, value.join(" ")]
    })
  )

describe("persistence (daemon)", () => {
  it("--data-dir: writes survive SIGTERM and a restart, with the same gets CAS; a second server on the dir is refused", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "effcached-e2e-persist-"))
    try {
      const first = await startEffcached(["--data-dir", dir, "--appendfsync", "always"])
      const conn = await Connection.open(first.port)
      expect(await conn.request("set a 5 0 3\r\nabc\r\n")).toBe("STORED\r\n")
      expect(await conn.request("set b 0 3600 2\r\nxy\r\n")).toBe("STORED\r\n")
      expect(await conn.request("set gone 0 0 1\r\nz\r\n")).toBe("STORED\r\n")
      expect(await conn.request("delete gone\r\n")).toBe("DELETED\r\n")
      expect(await conn.request("ms c 2 F9 T0\r\n42\r\n")).toBe("HD\r\n")
      expect(await conn.request("incr c 8\r\n")).toBe("50\r\n")
      const before = await conn.request("gets a b c gone\r\n")
      const stats = statsOf(await conn.request("stats\r\n"))
      expect(stats.get("persist_appendfsync")).toBe("always")
      expect(Number(stats.get("persist_fsyncs"))).toBeGreaterThan(0)
      conn.close()

      const second = await runProgram(
        process.execPath,
        [path.join(root, "dist/main.js"), "-p", "0", "--data-dir", dir],
        {
          timeoutMs: 10_000
        }
      )
      expect(second.code).not.toBe(0)
      expect(second.stderr).toBe(`effcached: data dir ${dir} is locked by process ${first.process.pid}\n`)

      expect(await first.stop()).toBe(0)
      const restarted = await startEffcached(["--data-dir", dir])
      const again = await Connection.open(restarted.port)
      expect(await again.request("gets a b c gone\r\n")).toBe(before)
      expect(before).toContain("VALUE c 9 2 ")
      const restoredStats = statsOf(await again.request("stats\r\n"))
      expect(restoredStats.get("persist_restored_items")).toBe("3")
      expect(restoredStats.get("persist_restore_dropped")).toBe("0")
      again.close()
      expect(await restarted.stop()).toBe(0)
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  it("without --data-dir: no persist_ stats lines", async () => {
    const server = await startEffcached()
    const conn = await Connection.open(server.port)
    expect(await conn.request("stats\r\n")).not.toContain("persist_")
    conn.close()
    await server.stop()
  })
})
