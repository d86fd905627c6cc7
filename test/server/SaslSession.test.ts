import { describe, expect, it } from "@effect/vitest"
import { AuthTable } from "../../src/auth/AuthFile.js"
import { BinaryReader } from "../../src/protocol/binary/BinaryReader.js"
import { Status } from "../../src/protocol/binary/Opcodes.js"
import { SaslSession } from "../../src/server/BinaryConnection.js"
import { newServerCounters } from "../../src/server/ServerStats.js"

const table = AuthTable.parse(Buffer.from("alice:secret\nbob:pa:ss\r\n")) as AuthTable
const setup = () => {
  const counters = newServerCounters(0)
  const reader = new BinaryReader({ maxItemSize: 1 << 20, sasl: true })
  const session = new SaslSession((u, p) => table.check(u, p), counters)
  const auth = (data: string, mechanism = "PLAIN", step = false) =>
    session.answer(reader, { _tag: "SaslAuth", step, mechanism, data: Buffer.from(data, "latin1") })
  return { counters, reader, auth }
}

describe("SaslSession (PLAIN)", () => {
  it("authenticates `authzid NUL user NUL password` against the pwdb, counting auth_cmds", () => {
    const { auth, counters, reader } = setup()
    expect(auth("\0alice\0secret")).toEqual({ _tag: "SaslReply", status: Status.Success, body: "Authenticated" })
    expect(reader.authenticated).toBe(true)
    expect(counters).toMatchObject({ authCmds: 1, authErrors: 0 })
    // The password runs to the end of its line (a CR is not part of it), colons included.
    expect(auth("bob\0bob\0pa:ss").status).toBe(Status.Success)
  })

  it("fails a wrong password, user, mechanism, authorization identity or malformed data", () => {
    const { auth, counters, reader } = setup()
    for (
      const [data, mechanism] of [
        ["\0alice\0wrong", "PLAIN"],
        ["\0carol\0secret", "PLAIN"],
        ["\0alice\0secret", "CRAM-MD5"],
        ["bob\0alice\0secret", "PLAIN"],
        ["alice:secret", "PLAIN"],
        ["\0alice", "PLAIN"]
      ] as const
    ) {
      expect(auth(data, mechanism)).toEqual({ _tag: "SaslReply", status: Status.AuthError, body: "Auth failure." })
    }
    expect(reader.authenticated).toBe(false)
    expect(counters).toMatchObject({ authCmds: 6, authErrors: 6 })
  })

  it("asks for the data when an auth has none, takes it in the step; a step alone fails", () => {
    const { auth, reader } = setup()
    expect(auth("\0alice\0secret", "PLAIN", true).status).toBe(Status.AuthError)
    expect(auth("")).toEqual({ _tag: "SaslReply", status: Status.AuthContinue, body: "" })
    expect(auth("\0alice\0secret", "PLAIN", true).status).toBe(Status.Success)
    expect(reader.authenticated).toBe(true)
  })

  it("a failed attempt after a success leaves the connection unauthenticated (as memcached)", () => {
    const { auth, reader } = setup()
    auth("\0alice\0secret")
    auth("\0alice\0nope")
    expect(reader.authenticated).toBe(false)
  })
})
