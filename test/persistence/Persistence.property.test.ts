import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Logger, LogLevel, TestClock, TestContext } from "effect"
import fc from "fast-check"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { ServerConfig } from "../../src/config/ServerConfig.js"
import { Persistence } from "../../src/persistence/Persistence.js"
import * as Effcached from "../../src/server/Effcached.js"
import { Listener } from "../../src/server/Listener.js"
import { modelKeys, modelSession } from "../support/arbitraries.js"
import { CasMap, type Command, encodeCommand, Model, sendsUnique, splitCas } from "../support/model.js"
import { Connection } from "../support/wire.js"

/** A server over a persistent store in `dir`, keeping the Persistence service visible to the test. */
const server = (dir: string) =>
  Effcached.serve.pipe(
    Layer.provideMerge(Persistence.layer()),
    Layer.provide(ServerConfig.layer({ port: 0, dataDir: dir, partitions: 3 }))
  )

const connect = Effect.flatMap(Listener, (listener) => Effect.promise(() => Connection.open(listener.address.port)))

/** Sends `command` and checks the reply against the model's; learns CAS uniques. */
const step = async (conn: Connection, model: Model, casMap: CasMap, command: Command, unique?: bigint) => {
  const expected = model.apply(command, unique === undefined ? undefined : casMap.modelId(unique))
  const bytes = encodeCommand(command, unique)
  if (expected.text === null) return conn.send(bytes)
  const actual = splitCas(await conn.request(bytes))
  expect(actual.text).toBe(expected.text)
  expected.casIds.forEach((id, i) => expect(casMap.bind(id, actual.uniques[i]!)).toBeUndefined())
}

/** Runs the session's commands, a cas taking the key's current unique (or a bogus one). */
const run = async (conn: Connection, model: Model, casMap: CasMap, commands: ReadonlyArray<Command>) => {
  for (const command of commands) {
    if (!sendsUnique(command)) {
      await step(conn, model, casMap, command)
      continue
    }
    await step(conn, model, casMap, { op: "gets", keys: [command.key] })
    const id = command.unique.kind === "fresh" ? model.casIdOf(command.key) : undefined
    const unique = id === undefined ? undefined : casMap.unique(id)
    await step(conn, model, casMap, command, unique ?? (1n << 63n) + 12345n)
  }
}

/** Every key's remaining lifetime and value, as `mg` reports them. */
const ttls = (conn: Connection) =>
  Effect.promise(async () => {
    const lines: Array<string> = []
    for (const key of modelKeys) lines.push(await conn.request(`mg ${key} t f v\r\n`))
    return lines
  })

describe("Persistence (model)", () => {
  it.live("any text and meta session, then snapshot + log, then restore: the model's items, CAS and expiry", () =>
    Effect.promise(() =>
      fc.assert(
        fc.asyncProperty(modelSession(20), fc.nat(), async (commands, at) => {
          const dir = fs.mkdtempSync(path.join(os.tmpdir(), "effcached-persist-"))
          const model = new Model()
          const casMap = new CasMap()
          const cut = at % (commands.length + 1)
          try {
            const program = Effect.gen(function*() {
              yield* TestClock.setTime(1_700_000_000_000)
              // Before: part of the session, a snapshot, the rest (in the new log).
              const before = yield* Effect.scoped(
                Effect.gen(function*() {
                  const conn = yield* connect
                  yield* Effect.promise(() => run(conn, model, casMap, commands.slice(0, cut)))
                  yield* Effect.flatMap(Persistence, (p) => p.snapshot)
                  yield* Effect.promise(() => run(conn, model, casMap, commands.slice(cut)))
                  yield* Effect.promise(() => step(conn, model, casMap, { op: "gets", keys: [...modelKeys] }))
                  // An mg can change an item too (a stale item's win token goes to the first asker):
                  // the second asker's view is what a restart must show.
                  yield* ttls(conn)
                  const lines = yield* ttls(conn)
                  conn.close()
                  return lines
                }).pipe(Effect.provide(server(dir)))
              )
              // Restarted 100 s later: the same items, the same uniques, lifetimes 100 s shorter.
              yield* TestClock.adjust("100 seconds")
              const after = yield* Effect.scoped(
                Effect.gen(function*() {
                  const conn = yield* connect
                  yield* Effect.promise(() => step(conn, model, casMap, { op: "gets", keys: [...modelKeys] }))
                  const lines = yield* ttls(conn)
                  conn.close()
                  return lines
                }).pipe(Effect.provide(server(dir)))
              )
              expect(after).toEqual(before.map((line) => line.replace(/ t(\d+)/, (_, t) => ` t${Number(t) - 100}`)))
            })
            await Effect.runPromise(
              program.pipe(Logger.withMinimumLogLevel(LogLevel.None), Effect.provide(TestContext.TestContext))
            )
          } finally {
            fs.rmSync(dir, { recursive: true, force: true })
          }
        }),
        { numRuns: 15 }
      )
    ))
})
