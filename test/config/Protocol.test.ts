import { describe, expect, it } from "@effect/vitest"
import * as Cli from "../../src/config/Cli.js"
import { protocolName, resolveProtocol } from "../../src/config/Protocol.js"

const parsed = (argv: Array<string>, env: Record<string, string> = {}) => Cli.parse(argv, env)

describe("-B, -S and --sasl-pwdb", () => {
  it("-B takes auto, ascii or binary (auto by default); stats settings names them as memcached", () => {
    expect(parsed([])).toMatchObject({ _tag: "Run", settings: { protocol: "auto", sasl: false, saslPwdb: null } })
    expect(parsed(["-B", "binary"])).toMatchObject({ settings: { protocol: "binary" } })
    expect(parsed(["--protocol=ascii"])).toMatchObject({ settings: { protocol: "ascii" } })
    expect(parsed(["-B", "udp"])).toMatchObject({ _tag: "Invalid" })
    expect(protocolName("auto")).toBe("auto-negotiate")
    expect(protocolName("binary")).toBe("binary")
  })

  it("-S makes the server binary-only, reads users from --sasl-pwdb or MEMCACHED_SASL_PWDB", () => {
    expect(parsed(["-S", "--sasl-pwdb", "/etc/pw"])).toMatchObject({
      settings: { protocol: "binary", sasl: true, saslPwdb: "/etc/pw" }
    })
    expect(parsed(["-S"], { MEMCACHED_SASL_PWDB: "/etc/env-pw" })).toMatchObject({
      settings: { sasl: true, saslPwdb: "/etc/env-pw" }
    })
    expect(parsed(["-S", "-B", "binary", "--sasl-pwdb", "x"])).toMatchObject({ settings: { protocol: "binary" } })
    expect(parsed(["-S"])).toEqual({ _tag: "Invalid", message: "-S needs --sasl-pwdb or MEMCACHED_SASL_PWDB" })
  })

  it("refuses the combinations memcached refuses", () => {
    expect(parsed(["-S", "-B", "auto", "--sasl-pwdb", "x"])).toEqual({
      _tag: "Invalid",
      message: "You cannot allow the ASCII protocol while using SASL."
    })
    expect(parsed(["-Y", "/f", "-B", "binary"])).toEqual({
      _tag: "Invalid",
      message: "You cannot allow the BINARY protocol while using ascii authentication tokens."
    })
    expect(parsed(["-Y", "/f"])).toMatchObject({ settings: { protocol: "ascii" } })
    expect(resolveProtocol("auto", false, true, true)).toHaveProperty("error")
  })
})
