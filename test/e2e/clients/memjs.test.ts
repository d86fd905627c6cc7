/**
 * memjs (npm, binary protocol only; the client hosted memcached services document) against the built
 * daemon and, the same script, against memcached 1.6.18: every call it has (set, get, add, replace,
 * delete, increment, decrement, append, prepend, touch, flush, stats), values of every byte, a
 * too-large value, many gets pipelined on its one connection, and SASL PLAIN with the right password,
 * a wrong one and none; on effcached, a password rotated in the pwdb file and SIGHUP. memjs 1.3.2 (the newest published) has no getMulti: its pipelined gets stand
 * for it (one connection, requests told apart by their opaque).
 */
import { Client } from "memjs"
import * as fs from "node:fs"
import { afterAll, describe, expect, it } from "vitest"
import { type BinaryTarget, binaryTargets, effcachedTarget } from "../../support/binaryServers.js"
import { pollUntil } from "../../support/poll.js"
import { hasSaslpasswd2, makeSaslUsers } from "../../support/sasl.js"
import { requireTool, useServer } from "../../support/servers.js"

/** A memjs client for `port`: generous timeouts (a shared 2-core machine), its log kept for messages. */
const connect = (port: number, credentials?: { readonly username: string; readonly password: string }) => {
  const log: Array<string> = []
  const client = Client.create(`127.0.0.1:${port}`, {
    retries: 1,
    timeout: 5,
    conntimeout: 5,
    logger: { log: (...args) => log.push(args.map(String).join(" ")) },
    ...credentials
  })
  return { client, log }
}

/** One server's `stats` (memjs calls back once per server). */
const stats = (client: Client, key = ""): Promise<Readonly<Record<string, string>>> =>
  new Promise((resolve, reject) =>
    client.statsWithKey(key, (err, _server, values) => (err !== null ? reject(err) : resolve(values ?? {})))
  )

/** The text of a rejection (memjs rejects SASL failures with a string, other failures with an Error). */
const failure = async (promise: Promise<unknown>): Promise<string> => {
  try {
    await promise
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  }
  throw new Error("expected the call to fail")
}

const suite = (target: BinaryTarget) => {
  describe(`${target.name} without SASL`, () => {
    const server = useServer(() => target.start())

    it("sets, gets, adds, replaces, deletes, appends and prepends", async () => {
      const { client } = connect(server.port)
      try {
        expect(await client.set("memjs:a", "alpha")).toBe(true)
        const hit = await client.get("memjs:a")
        expect(hit.value?.toString()).toBe("alpha")
        expect(hit.flags).toEqual(Buffer.alloc(4))
        expect(await client.get("memjs:missing")).toEqual({ value: null, flags: null })
        expect(await client.add("memjs:a", "again")).toBe(false)
        expect(await client.add("memjs:b", "beta")).toBe(true)
        expect(await client.replace("memjs:b", "BETA")).toBe(true)
        expect(await client.replace("memjs:c", "gamma")).toBe(false)
        expect((await client.get("memjs:b")).value?.toString()).toBe("BETA")
        expect(await client.append("memjs:a", "+end")).toBe(true)
        expect(await client.prepend("memjs:a", "start+")).toBe(true)
        // memcached answers NOT_STORED (5) to an append to nothing, which memjs reports as an error.
        expect(await failure(client.append("memjs:c", "x"))).toBe("MemJS APPEND: Item not stored")
        // memjs 1.3.2's prepend sends the append opcode (0x0e, not 0x0f): the server appends.
        expect((await client.get("memjs:a")).value?.toString()).toBe("alpha+endstart+")
        expect(await client.delete("memjs:a")).toBe(true)
        expect(await client.delete("memjs:a")).toBe(false)
        expect((await client.get("memjs:a")).value).toBeNull()
      } finally {
        client.close()
      }
    })

    it("increments and decrements, creating from the initial value", async () => {
      const { client } = connect(server.port)
      try {
        expect(await client.increment("memjs:n", 5, { initial: 10 })).toEqual({ success: true, value: 10 })
        expect(await client.increment("memjs:n", 5, {})).toEqual({ success: true, value: 15 })
        expect(await client.decrement("memjs:n", 20, {})).toEqual({ success: true, value: 0 })
        expect(await client.decrement("memjs:m", 1, { initial: 7 })).toEqual({ success: true, value: 7 })
        // As in the text protocol, memcached rewrites a shorter number in place, padded with spaces.
        expect((await client.get("memjs:n")).value?.toString()).toBe("0 ")
        await client.set("memjs:text", "not a number")
        expect(await failure(client.increment("memjs:text", 1, {}))).toBe(
          "MemJS INCREMENT: Incr/Decr on non-numeric value"
        )
      } finally {
        client.close()
      }
    })

    it("touches, flushes, and keeps values of every byte and size", async () => {
      const { client } = connect(server.port)
      try {
        await client.set("memjs:t", "touched")
        expect(await client.touch("memjs:t", 100)).toBe(true)
        expect(await client.touch("memjs:absent", 100)).toBe(false)
        const blob = Buffer.from(Array.from({ length: 500_000 }, (_, i) => (i * 2654435761) >>> 24))
        expect(await client.set("memjs:blob", blob)).toBe(true)
        expect((await client.get("memjs:blob")).value?.equals(blob)).toBe(true)
        expect(await client.set("memjs:empty", Buffer.alloc(0))).toBe(true)
        expect((await client.get("memjs:empty")).value).toEqual(Buffer.alloc(0))
        // Over the 1 MB item limit: refused, and the connection goes on.
        expect(await failure(client.set("memjs:huge", Buffer.alloc(2 * 1024 * 1024)))).toBe(
          "MemJS SET: Value too large"
        )
        expect((await client.get("memjs:t")).value?.toString()).toBe("touched")
        expect(Object.values(await client.flush())).toEqual([true])
        expect((await client.get("memjs:t")).value).toBeNull()
        expect((await client.get("memjs:blob")).value).toBeNull()
      } finally {
        client.close()
      }
    })

    it("pipelines 200 gets on its one connection, each answered by its own opaque", async () => {
      const { client } = connect(server.port)
      try {
        const keys = Array.from({ length: 200 }, (_, i) => `memjs:many:${i}`)
        await Promise.all(keys.filter((_, i) => i % 3 !== 0).map((key) => client.set(key, `value of ${key}`)))
        const values = await Promise.all(keys.map((key) => client.get(key)))
        values.forEach((got, i) =>
          expect(got.value?.toString() ?? null, keys[i]).toBe(i % 3 === 0 ? null : `value of ${keys[i]}`)
        )
      } finally {
        client.close()
      }
    })

    it("reads stats, which count binary gets as memcached's counters do", async () => {
      const { client } = connect(server.port)
      try {
        await client.set("memjs:s", "x")
        const before = await stats(client)
        expect(before["version"]).toBe("1.6.18")
        expect(Number(before["pid"])).toBeGreaterThan(0)
        await client.get("memjs:s")
        await client.get("memjs:s")
        await client.get("memjs:nothing")
        await client.touch("memjs:s", 0)
        const after = await stats(client)
        const delta = (name: string) => Number(after[name]) - Number(before[name])
        expect([delta("cmd_get"), delta("get_hits"), delta("get_misses"), delta("cmd_touch")]).toEqual([3, 2, 1, 1])
        const settings = await stats(client, "settings")
        expect(settings["binding_protocol"]).toBe("auto-negotiate")
      } finally {
        client.close()
      }
    })
  })

  describe.runIf(requireTool("saslpasswd2 (sasl2-bin)", hasSaslpasswd2))(`${target.name} with SASL PLAIN`, () => {
    const users = makeSaslUsers({ alice: "wonderland", bob: "builder" })
    afterAll(() => users.remove())
    const server = useServer(() => target.start(users))

    it("serves a client with the right password and counts its authentication", async () => {
      const { client } = connect(server.port, { username: "alice", password: "wonderland" })
      try {
        expect(await client.set("memjs:sasl", "secret value")).toBe(true)
        expect((await client.get("memjs:sasl")).value?.toString()).toBe("secret value")
        expect((await client.increment("memjs:sasl:n", 1, { initial: 1 })).value).toBe(1)
        const values = await stats(client)
        expect(Number(values["auth_cmds"])).toBeGreaterThanOrEqual(1)
      } finally {
        client.close()
      }
      const other = connect(server.port, { username: "bob", password: "builder" }).client
      try {
        expect((await other.get("memjs:sasl")).value?.toString()).toBe("secret value")
      } finally {
        other.close()
      }
    })

    it("refuses a wrong password, an unknown user and no credentials", async () => {
      for (
        const credentials of [
          { username: "alice", password: "builder" },
          { username: "mallory", password: "wonderland" },
          undefined
        ]
      ) {
        const { client } = connect(server.port, credentials)
        try {
          expect(await failure(client.get("memjs:sasl")), JSON.stringify(credentials)).toBe(
            "Memcached server authentication failed!"
          )
        } finally {
          client.close()
        }
      }
      const { client } = connect(server.port, { username: "alice", password: "wonderland" })
      try {
        const values = await stats(client)
        // memjs lists the mechanisms, then authenticates; memcached counts the authentications (alice and
        // bob before, the wrong password and the unknown user, this one; none without credentials).
        expect([values["auth_cmds"], values["auth_errors"]]).toEqual(["5", "2"])
      } finally {
        client.close()
      }
    })

    // effcached's pwdb file is re-read on SIGHUP (memcached's Cyrus sasldb is read at every attempt).
    if (target !== effcachedTarget) return
    it("takes a rotated password after SIGHUP, and refuses the old one", async () => {
      fs.writeFileSync(users.pwdb, "alice:looking-glass\nbob:builder\n")
      server.process.kill("SIGHUP")
      const attempt = async () => {
        const { client } = connect(server.port, { username: "alice", password: "looking-glass" })
        try {
          return (await client.get("memjs:sasl")).value?.toString() ?? "miss"
        } catch (error) {
          return error instanceof Error ? error.message : String(error)
        } finally {
          client.close()
        }
      }
      await pollUntil(attempt, (got) => got === "secret value", { deadlineMs: 10_000, what: "the new password" })
      const old = connect(server.port, { username: "alice", password: "wonderland" }).client
      try {
        expect(await failure(old.get("memjs:sasl"))).toBe("Memcached server authentication failed!")
      } finally {
        old.close()
      }
    })
  })
}

describe("memjs", () => {
  for (const target of binaryTargets) suite(target)
})
