/**
 * Consistent hashing compatible key for key: three effcached instances, keys written by pylibmc
 * (libmemcached's weighted ketama, md5) and by twemproxy (ketama, md5), each key found on the instance
 * that holds it, and the client's choice compared with theirs, with equal and unequal weights.
 */
import { Effect } from "effect"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type ClientOptions, MemcachedClient, type ServerOptions } from "../../src/client/index.js"
import { type Entry, getAll, setAll } from "../support/bulk.js"
import { requestOnce } from "../support/bulk.js"
import { nutcrackerPath, startNutcracker } from "../support/nutcracker.js"
import { describeOutcome, pythonHas, runProgram, systemPython } from "../support/processes.js"
import { freePort, requireTool, type RunningServer, startEffcached } from "../support/servers.js"

const clientsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../support/clients")
const COUNT = 2000

/** Where each key landed: the index of the instance holding it (each must be on exactly one). */
const placement = async (ports: ReadonlyArray<number>, keys: ReadonlyArray<string>): Promise<Array<number>> => {
  const contents = await Promise.all(ports.map((port) => getAll(port, keys)))
  return keys.map((key) => {
    const holders = contents.flatMap((content, i) => (content.has(key) ? [i] : []))
    expect(holders, `instances holding ${key}`).toHaveLength(1)
    return holders[0]!
  })
}

/** Where the client would put each key, as an instance index. */
const clientPlacement = (
  servers: ClientOptions["servers"],
  ports: ReadonlyArray<number>,
  keys: ReadonlyArray<string>
) =>
  Effect.runPromise(
    Effect.scoped(Effect.map(MemcachedClient.make({ servers }), (client) =>
      keys.map((key) =>
        ports.indexOf(client.serverFor(key)!.port)
      )))
  )

const flushAll = (ports: ReadonlyArray<number>) => Promise.all(ports.map((port) => requestOnce(port, "flush_all\r\n")))

describe("ketama placement shared with pylibmc and twemproxy", () => {
  const instances: Array<RunningServer> = []
  let ports: Array<number> = []
  beforeAll(async () => {
    instances.push(...(await Promise.all([0, 1, 2].map(() => startEffcached()))))
    ports = instances.map((instance) => instance.port)
  })
  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.stop()))
  })

  const pylibmc = requireTool("pylibmc (python3-pylibmc)", pythonHas("pylibmc"))
  for (const weights of [[1, 1, 1], [1, 2, 5]]) {
    it.runIf(pylibmc)(`every key where pylibmc (ketama_weighted, md5) puts it, weights ${weights}`, async () => {
      await flushAll(ports)
      const specs = ports.map((port, i) => `127.0.0.1:${port}:${weights[i]}`)
      const prefix = `py${weights.join("")}:`
      const outcome = await runProgram(
        systemPython,
        [path.join(clientsDir, "pylibmc_place.py"), prefix, String(COUNT), ...specs],
        { timeoutMs: 60_000 }
      )
      expect(outcome.code, describeOutcome("pylibmc_place.py", outcome)).toBe(0)
      const keys = Array.from({ length: COUNT }, (_, i) => `${prefix}${i}`)
      const theirs = await placement(ports, keys)
      const ours = await clientPlacement(specs, ports, keys)
      const differing = keys.filter((_, i) => theirs[i] !== ours[i])
      expect(differing.slice(0, 5), `${differing.length} keys placed differently`).toEqual([])
      // The weights show: each instance's share follows its weight, roughly.
      const shares = [0, 1, 2].map((i) => theirs.filter((owner) => owner === i).length / COUNT)
      const total = weights.reduce((a, b) => a + b, 0)
      shares.forEach((share, i) => expect(Math.abs(share - weights[i]! / total)).toBeLessThan(0.12))
    }, 90_000)
  }

  const nutcracker = requireTool("nutcracker (twemproxy)", nutcrackerPath !== undefined)
  it.runIf(nutcracker)("every key where twemproxy (ketama, md5, named servers, weights) puts it", async () => {
    await flushAll(ports)
    const weights = [3, 1, 2]
    const backends = ports.map((port, i) => ({ port, name: `cache-${i + 1}`, weight: weights[i]! }))
    const pool = {
      name: "ketama",
      port: await freePort(),
      backends,
      hash: "md5",
      autoEjectHosts: false,
      serverFailureLimit: 2,
      serverRetryTimeoutMs: 2000,
      timeoutMs: 2000
    }
    const proxy = await startNutcracker([pool])
    try {
      const entries: Array<Entry> = Array.from({ length: COUNT }, (_, i) => [`tw:${i}`, `v${i}`])
      expect((await setAll(pool.port, entries)).filter((reply) => reply !== "STORED")).toEqual([])
      const keys = entries.map(([key]) => key)
      const theirs = await placement(ports, keys)
      const servers: Array<ServerOptions> = backends.map((b) => ({
        host: "127.0.0.1",
        port: b.port,
        weight: b.weight,
        name: b.name
      }))
      const ours = await clientPlacement(servers, ports, keys)
      const differing = keys.filter((_, i) => theirs[i] !== ours[i])
      expect(differing.slice(0, 5), `${differing.length} keys placed differently`).toEqual([])
    } finally {
      await proxy.stop()
    }
  }, 90_000)
})
