import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { modelKeys, modelSession } from "../support/arbitraries.js"
import { CasMap, type Command, encodeCommand, Model, sendsUnique, splitCas } from "../support/model.js"
import { startEffcached, useServer } from "../support/servers.js"
import { Connection } from "../support/wire.js"

const server = useServer(() => startEffcached())

const show = (c: Command): string => JSON.stringify(c, (_, v) => (typeof v === "bigint" ? `${v}n` : v))

/**
 * Runs one session against the server and the model side by side: every reply must equal the
 * model's (CAS uniques aside, which must map one-to-one onto the model's item versions).
 */
const runSession = async (commands: ReadonlyArray<Command>): Promise<void> => {
  const conn = await Connection.open(server.port)
  const model = new Model()
  const casMap = new CasMap()
  const seen: Array<bigint> = []
  const trace: Array<string> = []
  try {
    expect(await conn.request("flush_all\r\n")).toBe("OK\r\n")

    const step = async (command: Command, unique?: bigint): Promise<void> => {
      const casId = unique === undefined ? undefined : casMap.modelId(unique)
      const expected = model.apply(command, casId)
      const bytes = encodeCommand(command, unique)
      trace.push(bytes.toString("latin1"))
      const context = () => `after:\n${trace.map((t) => "  " + JSON.stringify(t)).join("\n")}`
      if (expected.text === null) {
        conn.send(bytes)
        return
      }
      const reply = await conn.request(bytes)
      const actual = splitCas(reply)
      if (actual.text !== expected.text || actual.uniques.length !== expected.casIds.length) {
        expect.fail(
          `reply differs from the model\n  model:  ${JSON.stringify(expected.text)}\n  server: ${
            JSON.stringify(reply)
          }\n${context()}`
        )
      }
      expected.casIds.forEach((id, i) => {
        const problem = casMap.bind(id, actual.uniques[i]!)
        if (problem !== undefined) expect.fail(`${problem}\n${context()}`)
      })
      seen.push(...actual.uniques)
    }

    for (const command of commands) {
      if (!sendsUnique(command)) {
        await step(command)
        continue
      }
      let unique: bigint | undefined
      switch (command.unique.kind) {
        case "fresh": {
          // Read the key's current unique from the server, as a client doing check-and-set would.
          await step({ op: "gets", keys: [command.key] })
          const id = model.casIdOf(command.key)
          unique = id === undefined ? undefined : casMap.unique(id)
          break
        }
        case "seen":
          unique = seen.length === 0 ? undefined : seen[command.unique.index % seen.length]
          break
        case "bogus":
          unique = command.unique.value
      }
      await step(command, unique ?? (1n << 63n) + 12345n)
    }
    // The final state, which also flushes out the effect of trailing noreply commands.
    await step({ op: "gets", keys: [...modelKeys] })
  } catch (error) {
    throw new Error(`${(error as Error).message}\nsession: ${commands.map(show).join("\n  ")}`, { cause: error })
  } finally {
    conn.close()
  }
}

describe("effcached against the reference model", () => {
  it.effect.prop(
    "every reply matches the model over random command sessions",
    [modelSession(30)],
    ([commands]) => Effect.promise(() => runSession(commands)),
    { timeout: 120_000, fastCheck: { numRuns: 50, seed: 4242 } }
  )

  it.effect("incr/decr pad in place and grow as memcached does", () =>
    Effect.promise(() =>
      runSession([
        { op: "set", key: "k0", flags: 7, exptime: 0, value: "100", noreply: false },
        { op: "decr", key: "k0", delta: 1n, noreply: false },
        { op: "get", keys: ["k0"] },
        { op: "decr", key: "k0", delta: 90n, noreply: false },
        { op: "incr", key: "k0", delta: 991n, noreply: false },
        { op: "get", keys: ["k0"] },
        { op: "set", key: "k1", flags: 0, exptime: 0, value: "18446744073709551615", noreply: false },
        { op: "incr", key: "k1", delta: 2n, noreply: true },
        { op: "set", key: "k2", flags: 0, exptime: 0, value: "-5", noreply: false },
        { op: "incr", key: "k2", delta: 1n, noreply: false },
        { op: "cas", key: "k0", flags: 1, exptime: 0, value: "x", noreply: false, unique: { kind: "fresh" } },
        { op: "cas", key: "k0", flags: 1, exptime: 0, value: "y", noreply: false, unique: { kind: "seen", index: 0 } }
      ])
    ))

  it.effect("the recache flow: md I, the winning mg, Z for the rest, ms I with an older CAS, then a fresh value", () =>
    Effect.promise(() =>
      runSession([
        {
          op: "ms",
          key: "k0",
          value: "v1",
          flags: ["c"],
          clientFlags: 0,
          exptime: 0,
          mode: "S",
          opaque: "",
          unique: { kind: "fresh" }
        },
        { op: "md", key: "k0", flags: ["I", "k"], opaque: "", unique: { kind: "fresh" } },
        { op: "mg", key: "k0", flags: ["v", "c", "h"], opaque: "" },
        { op: "mg", key: "k0", flags: ["c", "h", "k"], opaque: "" },
        // The unique seen first is the one before md I bumped it: older, so I stores a stale value.
        {
          op: "ms",
          key: "k0",
          value: "v2",
          flags: ["I", "C", "c"],
          clientFlags: 0,
          exptime: 0,
          mode: "S",
          opaque: "",
          unique: { kind: "seen", index: 0 }
        },
        { op: "mg", key: "k0", flags: ["v", "c"], opaque: "" },
        {
          op: "ms",
          key: "k0",
          value: "v3",
          flags: ["C", "q"],
          clientFlags: 0,
          exptime: 0,
          mode: "S",
          opaque: "",
          unique: { kind: "fresh" }
        },
        { op: "mg", key: "k1", flags: ["N", "s", "q", "O"], opaque: "x1" },
        { op: "mg", key: "k1", flags: ["k", "q"], opaque: "" },
        {
          op: "ma",
          key: "k2",
          flags: ["N", "J", "v", "q"],
          initial: 99n,
          delta: 1n,
          decr: false,
          opaque: "",
          unique: { kind: "fresh" }
        },
        {
          op: "ma",
          key: "k2",
          flags: ["v", "c"],
          initial: 0n,
          delta: 1n,
          decr: false,
          opaque: "",
          unique: { kind: "fresh" }
        },
        { op: "mn" }
      ])
    ))
})
