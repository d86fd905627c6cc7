import { describe, expect, it } from "@effect/vitest"
import { formatAddress } from "../../src/server/ConnectionRegistry.js"

describe("stats conns addresses", () => {
  it("are printed as memcached prints them (checked against memcached 1.6.18 on 127.0.0.1 and ::1)", () => {
    expect(formatAddress("127.0.0.1", 11211, "IPv4")).toBe("tcp:127.0.0.1:11211")
    expect(formatAddress("::1", 11211, "IPv6")).toBe("tcp6:[::1]:11211")
    expect(formatAddress("::1", 40000)).toBe("tcp6:[::1]:40000")
    expect(formatAddress("10.0.0.1", 40000)).toBe("tcp:10.0.0.1:40000")
  })
})
