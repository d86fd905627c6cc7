/**
 * The systemd units in deploy/systemd: checked by systemd's own parser (`systemd-analyze verify`,
 * Debian's systemd package) and against the daemon's command-line parser. No systemd runs as PID 1
 * where the tests run, so the units are not started here.
 */
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"
import * as Cli from "../../src/config/Cli.js"
import { requireTool } from "../support/servers.js"

const unitsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../deploy/systemd")
const plain = readFileSync(path.join(unitsDir, "effcached.service"), "utf8")
const template = readFileSync(path.join(unitsDir, "effcached@.service"), "utf8")

/** A unit's `[Service]` settings, in order (a key may repeat). */
const service = (unit: string): Array<readonly [string, string]> => {
  const body = unit.split(/^\[Service\]$/m)[1]!.split(/^\[/m)[0]!
  return body.split("\n").filter((l) => l !== "" && !l.startsWith("#")).map((l) => {
    const eq = l.indexOf("=")
    return [l.slice(0, eq), l.slice(eq + 1)] as const
  })
}

const setting = (unit: string, key: string) => service(unit).filter(([k]) => k === key).map(([, v]) => v)

const execStart = (unit: string) => setting(unit, "ExecStart")[0]!.split(/\s+/)

const analyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].find((p) => existsSync(p))

describe("the systemd units", () => {
  it("carry memcached's hardening, and not MemoryDenyWriteExecute, which V8's JIT cannot run under", () => {
    for (const unit of [plain, template]) {
      expect(setting(unit, "NoNewPrivileges")).toEqual(["yes"])
      expect(setting(unit, "ProtectSystem")).toEqual(["strict"])
      expect(setting(unit, "PrivateTmp")).toEqual(["yes"])
      expect(setting(unit, "PrivateDevices")).toEqual(["yes"])
      expect(setting(unit, "RestrictAddressFamilies")).toEqual(["AF_INET AF_INET6 AF_UNIX"])
      expect(setting(unit, "CapabilityBoundingSet")).toEqual([""])
      expect(setting(unit, "MemoryDenyWriteExecute")).toEqual([])
    }
  })

  it("the template differs from the plain unit only in the port and the per-instance options", () => {
    const differences = (a: string, b: string) => {
      const other = new Set(service(b).map(([k, v]) => `${k}=${v}`))
      return service(a).map(([k, v]) => `${k}=${v}`).filter((line) => !other.has(line))
    }
    expect(differences(template, plain)).toEqual([
      "EnvironmentFile=-/etc/default/effcached-%i",
      "ExecStart=/usr/local/bin/effcached -p %i $OPTIONS"
    ])
    expect(differences(plain, template)).toEqual(["ExecStart=/usr/local/bin/effcached $OPTIONS"])
  })

  it("start effcached with a command line its parser accepts", () => {
    const options = ["-m", "1024", "-l", "10.0.0.11", "--metrics-port", "9150"]
    const run = (unit: string, instance: string) => {
      const args = execStart(unit).slice(1).flatMap((a) => (a === "$OPTIONS" ? options : [a.replace("%i", instance)]))
      return Cli.parse(args, {})
    }
    const fromPlain = run(plain, "")
    const fromTemplate = run(template, "11311")
    expect(fromPlain._tag === "Run" && fromPlain.settings.port).toBe(11211)
    expect(fromTemplate._tag === "Run" && fromTemplate.settings.port).toBe(11311)
    expect(fromTemplate._tag === "Run" && fromTemplate.settings.metricsPort).toBe(9150)
  })

  describe.runIf(requireTool("systemd-analyze (Debian's systemd package)", analyze !== undefined))(
    "systemd-analyze verify",
    () => {
      const dir = mkdtempSync(path.join(tmpdir(), "effcached-units-"))
      afterAll(() => rmSync(dir, { recursive: true, force: true }))

      // verify also checks that ExecStart's program exists: here it is this test's node, not an install.
      const verify = (name: string, text: string) => {
        const file = path.join(dir, name)
        writeFileSync(file, text.replace("/usr/local/bin/effcached", process.execPath))
        return spawnSync(analyze!, ["verify", file], { encoding: "utf8" })
      }

      it("accepts both units and an instance of the template, with no warning", () => {
        for (
          const [name, text] of [
            ["effcached.service", plain],
            ["effcached@.service", template],
            ["effcached@11311.service", template]
          ] as const
        ) {
          const result = verify(name, text)
          expect(result.status, result.stderr).toBe(0)
          expect(result.stderr.split("\n").filter((l) => l.includes(name)), name).toEqual([])
        }
      })

      it("would report a misspelt setting (so a clean result means something)", () => {
        const result = verify("typo.service", plain.replace(/^ProtectSystem=strict$/m, "ProtectSytem=strict"))
        expect(result.stderr).toMatch(/Unknown key 'ProtectSytem'/)
      })
    }
  )
})
