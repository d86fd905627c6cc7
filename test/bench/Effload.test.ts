import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import type * as net from "node:net"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { createCeiling } from "../../src/bench/ceiling/Ceiling.js"
import { which } from "../../src/bench/Command.js"
import * as Effload from "../../src/bench/Effload.js"
import type { RunSettings, Workload } from "../../src/bench/Workload.js"
import { requireTool } from "../support/servers.js"
import { type Faults, startFakeServer } from "./fake-server.js"
import { settings, workload } from "./fixtures.js"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..")

// As effload prints it.
const jsonLine = `{"loadgen":"effload","conns":50,"depth":16,"duration_s":5,"ratio":"1:10","keys":100000,` +
  `"value_size":100,"mget":1,"prefill":true,"verify":true,"seed":3,"prefill_s":0.248,"ops":498647,` +
  `"ops_per_s":99729.4,"gets":453430,"sets":45217,"hits":453430,"misses":0,"avg_us":500.9,"p50_us":443.4,` +
  `"p99_us":1077.2,"p999_us":2760.7,"max_us":5705.0,"errors":0,"verify_errors":2,"conn_errors":0,` +
  `"proto_errors":0,"server_errors":0,"timeouts":0}`

describe("effload (arguments and output)", () => {
  it("passes the workload as effload's flags", () => {
    expect(Effload.argsFor(settings, workload).join(" ")).toBe(
      "-s 127.0.0.1 -p 22600 -c 50 -P 16 -d 5 -r 1:10 -k 100000 -v 100 -m 1 --seed 3 --fill-depth 32 --prefill --verify"
    )
    const plain = Effload.argsFor({ ...settings, prefill: false, verify: false }, { ...workload, multiGet: 10 })
    expect(plain).not.toContain("--verify")
    expect(plain).not.toContain("--prefill")
    expect(plain.join(" ")).toContain("-m 10")
  })

  it("reads its JSON line, stderr as diagnostics, and the prefill's seconds", () => {
    const stderr = "effload: connection 3: verify error on key:17: expected version 2, got version 1\n" +
      "effload: FAIL: 0 errors, 2 verify errors\n"
    expect(Effload.parseOutput(jsonLine + "\n", stderr, settings)).toEqual({
      prefillS: 0.248,
      result: {
        opsPerSec: 99729.4,
        ops: 498647,
        gets: 453430,
        sets: 45217,
        hits: 453430,
        misses: 0,
        avgUs: 500.9,
        p50Us: 443.4,
        p99Us: 1077.2,
        p999Us: 2760.7,
        maxUs: 5705,
        errors: 0,
        verifyErrors: 2,
        diagnostics: [
          "effload: connection 3: verify error on key:17: expected version 2, got version 1",
          "effload: FAIL: 0 errors, 2 verify errors"
        ]
      }
    })
  })

  it("reports verify errors as not measured without --verify, and no result without every figure", () => {
    expect(Effload.parseOutput(jsonLine, "", { verify: false })?.result.verifyErrors).toBeNull()
    expect(Effload.parseOutput("", "effload: connection 0 to 127.0.0.1:1 failed: Connection refused", settings))
      .toBeUndefined()
    expect(Effload.parseOutput("{not json", "", settings)).toBeUndefined()
    expect(Effload.parseOutput(jsonLine.replace("\"p99_us\":1077.2,", ""), "", settings)).toBeUndefined()
  })

  it("gives the server's CPU per request of the window when it measured it (--server-pid), else none", () => {
    expect(Effload.argsFor({ ...settings, serverPid: 4242 }, workload).join(" ")).toMatch(/--server-pid 4242$/)
    expect(Effload.argsFor(settings, workload)).not.toContain("--server-pid")
    const measured = jsonLine.replace("\"timeouts\":0}", "\"timeouts\":0,\"server_cpu_s\":2.493}")
    expect(Effload.parseOutput(measured, "", settings)?.result.serverCpuUs).toBeCloseTo(2.493e6 / 498647, 9)
    const unread = jsonLine.replace("\"timeouts\":0}", "\"timeouts\":0,\"server_cpu_s\":-1.000}")
    expect(Effload.parseOutput(unread, "", settings)?.result.serverCpuUs).toBeUndefined()
    expect(Effload.parseOutput(jsonLine, "", settings)?.result.serverCpuUs).toBeUndefined()
  })

  it("says where its source is and how it is compiled", () => {
    expect(Effload.compileArgs("a.c", "out/effload")).toEqual(["-O2", "-Wall", "-o", "out/effload", "a.c"])
    expect(path.resolve(root, Effload.SOURCE)).toMatch(/tools\/effload\/effload\.c$/)
  })
})

describe.runIf(requireTool("cc (Debian's build-essential)", which("cc") !== undefined))(
  "effload (built with cc)",
  () => {
    let dir = ""
    let binary = ""
    let ceiling: net.Server
    let ceilingPort = 0

    beforeAll(async () => {
      dir = mkdtempSync(path.join(tmpdir(), "effload-test-"))
      binary = await Effect.runPromise(Effload.build(path.resolve(root, Effload.SOURCE), path.join(dir, "effload")))
      ceiling = createCeiling()
      await new Promise<void>((resolve) => ceiling.listen(0, "127.0.0.1", resolve))
      ceilingPort = (ceiling.address() as net.AddressInfo).port
    })
    afterAll(async () => {
      await new Promise<void>((resolve) => ceiling.close(() => resolve()))
      rmSync(dir, { recursive: true, force: true })
    })

    const small: Workload = { conns: 4, depth: 4, setWeight: 1, getWeight: 3, keys: 400, valueSize: 100, multiGet: 1 }
    const at = (port: number, extra: Partial<RunSettings> = {}): RunSettings => ({
      ...settings,
      port,
      durationS: 0.3,
      ...extra
    })

    const againstFake = (faults: Faults, shape: Partial<Workload> = {}) =>
      Effect.acquireUseRelease(
        Effect.promise(() => startFakeServer(faults)),
        (server) => Effload.make(binary).run(at(server.port), { ...small, ...shape }),
        (server) => Effect.promise(() => server.close())
      )

    it.live("drives a correct server (the node ceiling) with every value verified and none wrong", () =>
      Effect.gen(function*() {
        for (const shape of [{}, { depth: 1 }, { multiGet: 5 }, { valueSize: 70_000, keys: 40 }]) {
          const result = yield* Effload.make(binary).run(at(ceilingPort), { ...small, ...shape })
          expect(result.ops, JSON.stringify(shape)).toBeGreaterThan(0)
          expect(result.gets + result.sets).toBe(result.ops)
          expect(result.errors).toBe(0)
          expect(result.verifyErrors).toBe(0)
          expect(result.misses).toBe(0)
          expect(result.p99Us).toBeGreaterThanOrEqual(result.p50Us)
        }
        // The ceiling runs in this process: its CPU over the window is this process's.
        const timed = yield* Effload.make(binary).run(at(ceilingPort, { durationS: 1, serverPid: process.pid }), small)
        expect(timed.serverCpuUs).toBeGreaterThan(0)
      }))

    it.live("counts sets the server lost and keys it forgot as verify errors", () =>
      Effect.gen(function*() {
        // After the 400 prefill sets, every fifth set is dropped though STORED is replied.
        const lost = yield* againstFake({ keepSet: (_, count) => count <= 400 || count % 5 !== 0 })
        expect(lost.verifyErrors).toBeGreaterThan(0)
        expect(lost.diagnostics.join("\n")).toMatch(/expected version \d+, got version \d+/)
        const forgot = yield* againstFake({ findKey: (_, count) => count % 7 !== 0 })
        expect(forgot.verifyErrors).toBeGreaterThan(0)
        expect(forgot.diagnostics.join("\n")).toMatch(/unexpected miss on key:\d+/)
      }))

    it.live("counts error replies as errors and fails on a server that answers nonsense", () =>
      Effect.gen(function*() {
        const refused = yield* againstFake({ setReply: "SERVER_ERROR out of memory\r\n" }, {
          setWeight: 1,
          getWeight: 0
        })
        expect(refused.errors).toBeGreaterThan(0)
        expect(refused.diagnostics.join("\n")).toMatch(/answered SERVER_ERROR out of memory/)
        const nonsense = yield* againstFake({ setReply: "WHAT\r\n" })
        expect(nonsense.errors).toBeGreaterThan(0)
        expect(nonsense.diagnostics.join("\n")).toMatch(/invalid reply to a set: WHAT/)
      }))

    it.live("counts connections the server resets as errors, and still reports", () =>
      Effect.acquireUseRelease(
        Effect.promise(() =>
          new Promise<net.Server>((resolve) => {
            // Reads a request, then resets the connection.
            const server = createServer((socket) => socket.once("data", () => socket.resetAndDestroy()))
            server.listen(0, "127.0.0.1", () => resolve(server))
          })
        ),
        (server) =>
          Effect.gen(function*() {
            const port = (server.address() as net.AddressInfo).port
            const result = yield* Effload.make(binary).run(at(port, { prefill: false }), small)
            expect(result.errors).toBeGreaterThan(0)
            expect(result.diagnostics.join("\n")).toMatch(/connection \d+: (closed by the server|Connection reset)/)
          }),
        (server) => Effect.promise(() => new Promise<void>((resolve) => server.close(() => resolve())))
      ))

    it.live("fills every key for the memory steps and says how long it took", () =>
      Effect.acquireUseRelease(
        Effect.promise(() => startFakeServer()),
        (server) =>
          Effect.gen(function*() {
            const seconds = yield* Effload.make(binary).fill!(at(server.port), { ...small, keys: 1000 })
            expect(seconds).toBeGreaterThanOrEqual(0)
            expect(server.store.size).toBe(1000)
            expect(server.store.get("key:999")!.subarray(0, 7).toString()).toBe("<999.0>")
          }),
        (server) => Effect.promise(() => server.close())
      ))
  }
)
