import { describe, expect, it } from "@effect/vitest"
import * as Cli from "../../src/config/Cli.js"
import { formatListenSpec, isLoopback, parseListen } from "../../src/config/ListenAddresses.js"

describe("ListenAddresses", () => {
  it("reads one address, on -p unless it names its port", () => {
    expect(parseListen("127.0.0.1", 11211, false)).toEqual([{ host: "127.0.0.1", port: 11211, tls: false }])
    expect(parseListen("127.0.0.1:4000", 11211, false)).toEqual([{ host: "127.0.0.1", port: 4000, tls: false }])
    expect(parseListen("*", 5, false)).toEqual([{ host: null, port: 5, tls: false }])
  })

  it("reads lists separated by commas or semicolons, with memcached's notls: prefix under TLS", () => {
    expect(parseListen("notls:127.0.0.1:4000,127.0.0.1:4001;[::1]:4002", 11211, true)).toEqual([
      { host: "127.0.0.1", port: 4000, tls: false },
      { host: "127.0.0.1", port: 4001, tls: true },
      { host: "::1", port: 4002, tls: true }
    ])
  })

  it("takes an IPv6 address without brackets as having no port", () => {
    expect(parseListen("::1", 7, false)).toEqual([{ host: "::1", port: 7, tls: false }])
    expect(parseListen("[::1]", 7, false)).toEqual([{ host: "::1", port: 7, tls: false }])
  })

  it("refuses notls: without TLS, bad ports and brackets, and listener options it does not have", () => {
    expect(parseListen("notls:127.0.0.1", 1, false)).toBe("'notls' option is valid only when SSL is enabled")
    expect(parseListen("127.0.0.1:http", 1, false)).toMatch(/^Invalid port number/)
    expect(parseListen("127.0.0.1:70000", 1, false)).toMatch(/^Invalid port number/)
    expect(parseListen("[::1:80", 1, false)).toMatch(/^Invalid IPV6 address/)
    expect(parseListen("proto[ascii]:127.0.0.1", 1, false)).toMatch(/not supported/)
    expect(parseListen(",", 1, false)).toMatch(/expected an address/)
    expect(parseListen(":80", 1, false)).toMatch(/expected an address/)
  })

  it("formats addresses for logs, and knows loopback interfaces", () => {
    expect(formatListenSpec({ host: "::1", port: 1, tls: true })).toBe("[::1]:1")
    expect(formatListenSpec({ host: null, port: 2, tls: false })).toBe("*:2")
    expect(isLoopback("127.0.0.9")).toBe(true)
    expect(isLoopback("::1")).toBe(true)
    expect(isLoopback("0.0.0.0")).toBe(false)
    expect(isLoopback(null)).toBe(false)
  })

  it("-l repeated adds to the list (memcached's inter), replacing the environment's", () => {
    const settings = (argv: Array<string>, env: Record<string, string> = {}) => {
      const command = Cli.parse(argv, env)
      if (command._tag !== "Run") throw new Error(JSON.stringify(command))
      return command.settings
    }
    expect(settings(["-l", "127.0.0.1:1", "-l", "127.0.0.2:2"]).host).toBe("127.0.0.1:1,127.0.0.2:2")
    expect(settings(["-l", "127.0.0.1:1", "-l", "127.0.0.1:1"]).host).toBe("127.0.0.1:1")
    expect(settings(["-l", "127.0.0.3"], { EFFCACHED_LISTEN: "0.0.0.0" }).host).toBe("127.0.0.3")
    expect(Cli.parse(["-l", "notls:127.0.0.1"])).toEqual({
      _tag: "Invalid",
      message: "invalid -l/--listen \"notls:127.0.0.1\": 'notls' option is valid only when SSL is enabled"
    })
    expect(settings(["-Z", "-l", "notls:127.0.0.1:1,127.0.0.1:2"]).host).toBe("notls:127.0.0.1:1,127.0.0.1:2")
  })
})
