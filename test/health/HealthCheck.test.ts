import * as net from "node:net"
import { describe, expect, it } from "vitest"
import { connectHost, isDaemon, probe, targetOf } from "../../src/health/HealthCheck.js"

describe("HealthCheck", () => {
  it("finds the address in the daemon's flags and environment, as the daemon does", () => {
    expect(targetOf([], {})).toEqual({ host: "127.0.0.1", port: 11211 })
    expect(targetOf(["-m", "64", "-p", "11311"], {})).toEqual({ host: "127.0.0.1", port: 11311 })
    // The image sets EFFCACHED_LISTEN=0.0.0.0: the check goes to the loopback address.
    expect(targetOf([], { EFFCACHED_LISTEN: "0.0.0.0", EFFCACHED_PORT: "11400" })).toEqual({
      host: "127.0.0.1",
      port: 11400
    })
    // A flag wins over the environment, as in the daemon.
    expect(targetOf(["--port=11500"], { EFFCACHED_PORT: "11400" })).toEqual({ host: "127.0.0.1", port: 11500 })
    expect(targetOf(["-l", "::"], {})).toEqual({ host: "::1", port: 11211 })
    expect(targetOf(["-l", "10.1.2.3"], {})).toEqual({ host: "10.1.2.3", port: 11211 })
  })

  it("reports a command line that runs no server", () => {
    expect(targetOf(["--version"], {})).toEqual({
      error: "the daemon's command line does not run a server (Version)"
    })
    expect("error" in targetOf(["-p", "nope"], {})).toBe(true)
  })

  it("recognises the daemon's command line, however it was started", () => {
    expect(isDaemon(["node", "/app/dist/main.js", "-p", "1"])).toBe(true)
    expect(isDaemon(["node", "dist/main.js"])).toBe(true)
    expect(isDaemon(["node", "/usr/local/bin/effcached", "-m", "64"])).toBe(true)
    expect(isDaemon(["node", "/app/dist/healthcheck.js"])).toBe(false)
    expect(isDaemon(["memcached", "-p", "11211"])).toBe(false)
    expect(connectHost("0.0.0.0")).toBe("127.0.0.1")
  })

  it("is healthy when the server answers VERSION, and says why not otherwise", async () => {
    const replies = ["VERSION 1.6.18\r\n", "ERROR\r\n"]
    const server = net.createServer((socket) => socket.once("data", () => socket.write(replies.shift()!)))
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const { port } = server.address() as net.AddressInfo
    try {
      expect(await probe("127.0.0.1", port)).toBeUndefined()
      expect(await probe("127.0.0.1", port)).toBe(`unexpected answer "ERROR\\r\\n"`)
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
    expect(await probe("127.0.0.1", port)).toMatch(/ECONNREFUSED/)
  })
})
