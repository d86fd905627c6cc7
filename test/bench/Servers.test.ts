import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
import * as net from "node:net"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import * as Servers from "../../src/bench/Servers.js"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..")

// Sends one request and resolves with the first bytes of the reply.
const ask = (port: number, request: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(request))
    socket.once("data", (data) => {
      socket.destroy()
      resolve(data.toString("latin1"))
    })
    socket.once("error", reject)
  })

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe("Servers", () => {
  it.live("starts effcached from dist on a free port and stops it when the scope closes", () =>
    Effect.gen(function*() {
      const spec = Servers.specs(root).effcached
      if (spec._tag !== "Available") throw new Error(`effcached: ${spec.reason} (npm test builds first)`)
      const scope = yield* Scope.make()
      const server = yield* Scope.extend(Servers.start(spec, 64), scope)
      expect(server.port).toBeGreaterThan(0)
      expect(isAlive(server.pid)).toBe(true)
      expect(Servers.residentBytes(server.pid)).toBeGreaterThan(1024 * 1024)
      yield* Scope.close(scope, Exit.void)
      expect(isAlive(server.pid)).toBe(false)
    }))

  it.live("says why a server cannot start", () =>
    Effect.gen(function*() {
      const spec = {
        _tag: "Available",
        name: "memcached",
        command: process.execPath,
        args: () => ["-e", "process.exit(3)"]
      } as const
      const exit = yield* Effect.exit(Effect.scoped(Servers.start(spec, 64)))
      expect(exit).toMatchObject({ _tag: "Failure" })
      expect(String(Exit.isFailure(exit) && exit.cause.toString())).toMatch(/memcached did not start: exited \(3\)/)
    }))

  it.live("starts the project's node ceiling from dist as nodeceiling, or the script $NODECEILING names", () =>
    Effect.gen(function*() {
      const spec = Servers.specs(root).nodeceiling
      if (spec._tag !== "Available") throw new Error(`nodeceiling: ${spec.reason} (npm test builds first)`)
      expect(spec.args(1234, 64)).toEqual([path.join(root, "dist/bench/ceiling/main.js"), "-p", "1234"])
      const reply = yield* Effect.scoped(
        Effect.flatMap(Servers.start(spec, 64), (server) => Effect.promise(() => ask(server.port, "version\r\n")))
      )
      expect(reply).toBe("VERSION nodeceiling\r\n")
      const saved = process.env["NODECEILING"]
      process.env["NODECEILING"] = "/nowhere/bare-server.cjs"
      try {
        expect(Servers.specs(root).nodeceiling).toMatchObject({
          _tag: "Missing",
          reason: /\/nowhere\/bare-server\.cjs/
        })
      } finally {
        if (saved === undefined) delete process.env["NODECEILING"]
        else process.env["NODECEILING"] = saved
      }
    }))

  it("has no RSS for a process that does not exist", () => {
    expect(Servers.residentBytes(2 ** 30)).toBeUndefined()
  })
})
