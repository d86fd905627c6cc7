/**
 * effcached as a pool, the two ways memcached is scaled past one machine (docs/deployment.md):
 * three instances behind twemproxy (nutcracker, ketama), and the same three given directly to the
 * memcached npm client's consistent-hash ring. Each writes 10,000 keys and reads them back through
 * the proxy or the ring, checks on the instances themselves that every key lives on exactly one and
 * that the spread is fair, then stops one instance and shows what the proxy or the client does.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Entry, getAll, requestOnce, setAll } from "../support/bulk.js"
import { PromisedMemcached, settle } from "../support/nodeMemcached.js"
import { nutcrackerPath, type Pool, type RunningProxy, startNutcracker } from "../support/nutcracker.js"
import { pollUntil } from "../support/poll.js"
import { freePort, requireTool, type RunningServer, startEffcached } from "../support/servers.js"
import { exchange } from "../support/wire.js"

const entries: ReadonlyArray<Entry> = Array.from({ length: 10_000 }, (_, i) => [`pool:${i}`, `value-${i}`])
const keys = entries.map(([key]) => key)
const valueOf = new Map(entries)

/** For each key, the indexes of the instances holding it, read directly from each instance. */
const holders = async (
  ports: ReadonlyArray<number>,
  wanted: ReadonlyArray<string>
): Promise<Map<string, Array<number>>> => {
  const found = new Map(wanted.map((key) => [key, [] as Array<number>]))
  const contents = await Promise.all(ports.map((port) => getAll(port, wanted)))
  contents.forEach((content, index) => content.forEach((_, key) => found.get(key)!.push(index)))
  return found
}

/** Checks that every key is on exactly one instance with its value, and that each holds 20% to 47% of them. */
const expectOnePlaceEachFairlySpread = async (ports: ReadonlyArray<number>): Promise<Array<number>> => {
  const placed = await holders(ports, keys)
  const misplaced = [...placed].filter(([, where]) => where.length !== 1)
  expect(misplaced.slice(0, 5), `${misplaced.length} keys not on exactly one instance`).toEqual([])
  const owner = keys.map((key) => placed.get(key)![0]!)
  const counts = ports.map((_, index) => owner.filter((o) => o === index).length)
  for (const count of counts) {
    expect(count, `keys per instance: ${counts.join(", ")}`).toBeGreaterThanOrEqual(0.2 * keys.length)
    expect(count, `keys per instance: ${counts.join(", ")}`).toBeLessThanOrEqual(0.47 * keys.length)
  }
  return owner
}

/** The stored values of `wanted`, as written. */
const expected = (wanted: ReadonlyArray<string>) => new Map(wanted.map((key) => [key, valueOf.get(key)!]))

describe.runIf(requireTool("nutcracker (twemproxy)", nutcrackerPath !== undefined))(
  "pool: three effcached behind nutcracker",
  () => {
    const names = ["effcached-1", "effcached-2", "effcached-3"]
    const instances: Array<RunningServer> = []
    let ports: Array<number> = []
    let proxy: RunningProxy | undefined
    let fixed: Pool
    let ejecting: Pool
    /** Keys by the instance that held them before it stopped (index 1), and the others. */
    let deadKeys: Array<string> = []
    let liveKeys: Array<string> = []

    beforeAll(async () => {
      instances.push(...(await Promise.all(names.map(() => startEffcached()))))
      ports = instances.map((instance) => instance.port)
      const backends = names.map((name, i) => ({ name, port: ports[i]! }))
      const common = { backends, timeoutMs: 2000, serverFailureLimit: 2, serverRetryTimeoutMs: 2000 }
      fixed = { name: "fixed", port: await freePort(), autoEjectHosts: false, ...common }
      ejecting = { name: "ejecting", port: await freePort(), autoEjectHosts: true, ...common }
      proxy = await startNutcracker([fixed, ejecting])
    })
    afterAll(async () => {
      await proxy?.stop()
      await Promise.all(instances.map((instance) => instance.stop()))
    })

    it("10,000 keys written through the proxy are read back through it (both pools place keys alike)", async () => {
      const replies = await setAll(fixed.port, entries)
      expect(replies.filter((reply) => reply !== "STORED")).toEqual([])
      expect(await getAll(fixed.port, keys)).toEqual(valueOf)
      expect(await getAll(ejecting.port, keys)).toEqual(valueOf)
    })

    it("each key lives on exactly one instance, and each instance holds a fair share", async () => {
      const owner = await expectOnePlaceEachFairlySpread(ports)
      deadKeys = keys.filter((_, i) => owner[i] === 1)
      liveKeys = keys.filter((_, i) => owner[i] !== 1)
    })

    it("flush_all and stats are not proxied: nutcracker closes the connection", async () => {
      expect((await exchange(fixed.port, "flush_all\r\n", { timeoutMs: 3000 })).toString()).toBe("")
      expect((await exchange(fixed.port, "stats\r\n", { timeoutMs: 3000 })).toString()).toBe("")
    })

    it("an instance stopped, auto_eject_hosts false: its keys get SERVER_ERROR, the rest are served", async () => {
      await instances[1]!.stop()
      for (const key of deadKeys.slice(0, 10)) {
        expect(await requestOnce(fixed.port, `get ${key}\r\n`)).toMatch(
          /^SERVER_ERROR /
        )
      }
      expect(await requestOnce(fixed.port, `set ${deadKeys[0]} 0 0 1\r\nx\r\n`)).toMatch(/^SERVER_ERROR /)
      expect(await getAll(fixed.port, liveKeys)).toEqual(expected(liveKeys))
      // A multi-key get that needs the stopped instance fails as a whole.
      expect(await requestOnce(fixed.port, `get ${liveKeys[0]} ${deadKeys[0]}\r\n`)).toMatch(/^SERVER_ERROR /)
    })

    it("auto_eject_hosts true: after server_failure_limit errors its keys go to the others; the rest stay", async () => {
      const attempts = await pollUntil(
        () => requestOnce(ejecting.port, `set ${deadKeys[0]} 0 0 5\r\nmoved\r\n`),
        (reply) => reply === "STORED\r\n",
        { deadlineMs: 10_000, intervalMs: 5, what: "the stopped instance is ejected" }
      )
      // Clients see at most server_failure_limit errors (unless server_retry_timeout passes meanwhile):
      // the count also takes the proxy's own connection to the instance, closed when it stopped (this
      // pool had one open from the reads above), so here one error is enough to eject it.
      const failures = attempts.slice(0, -1)
      expect(failures.length).toBeGreaterThanOrEqual(1)
      expect(failures.filter((reply) => !reply.startsWith("SERVER_ERROR "))).toEqual([])
      // While it is out (server_retry_timeout), a multi-key get including its keys is served.
      const multi = await requestOnce(ejecting.port, `get ${liveKeys[0]} ${deadKeys[0]}\r\n`)
      expect(multi).toContain(`VALUE ${liveKeys[0]} 0 `)
      expect(multi).toContain(`VALUE ${deadKeys[0]} 0 5\r\nmoved\r\n`)
      const placed = await holders([ports[0]!, ports[2]!], [deadKeys[0]!])
      expect(placed.get(deadKeys[0]!)).toHaveLength(1)
      // Ketama: taking one instance out of the ring moves only its keys.
      expect(await getAll(ejecting.port, liveKeys)).toEqual(expected(liveKeys))
    })

    it("the instance restarted (empty): used again at once without ejection, after server_retry_timeout with it", async () => {
      instances[1] = await startEffcached([], ports[1])
      const fixedAttempts = await pollUntil(
        () => requestOnce(fixed.port, `get ${deadKeys[1]}\r\n`),
        (reply) => !reply.startsWith("SERVER_ERROR "),
        { deadlineMs: 10_000, what: "the fixed pool reaches the restarted instance" }
      )
      expect(fixedAttempts.at(-1)).toBe("END\r\n")
      await pollUntil(
        async () => {
          await requestOnce(ejecting.port, `set ${deadKeys[0]} 0 0 4\r\nback\r\n`)
          return requestOnce(ports[1]!, `get ${deadKeys[0]}\r\n`)
        },
        (reply) => reply.includes("\r\nback\r\n"),
        { deadlineMs: 10_000, what: "the ejecting pool puts the restarted instance back" }
      )
      // What was written while it was out stays on the stand-in instance: a stale copy that reappears
      // if the instance is ejected again (docs/deployment.md).
      const placed = await holders(ports, [deadKeys[0]!])
      expect(placed.get(deadKeys[0]!)).toHaveLength(2)
    })
  }
)

describe("pool: three effcached on the memcached npm client's hash ring", () => {
  const instances: Array<RunningServer> = []
  let ports: Array<number> = []
  let servers: Array<string> = []
  /** Keeps a failed server in the ring and retries it (remove: false, the package's default). */
  let keeping: PromisedMemcached
  /** Takes a server that failed `failures` times out of the ring (remove: true). */
  let removing: PromisedMemcached
  let deadKeys: Array<string> = []
  let liveKeys: Array<string> = []

  beforeAll(async () => {
    instances.push(...(await Promise.all([0, 1, 2].map(() => startEffcached()))))
    ports = instances.map((instance) => instance.port)
    servers = ports.map((port) => `127.0.0.1:${port}`)
    // failures is kept high for the keeping client: once they are used up, the package checks the host
    // with the system `ping` command, which a test machine may not have (docs/deployment.md).
    keeping = new PromisedMemcached(servers, { retries: 0, timeout: 1000, retry: 100, failures: 100 })
    removing = new PromisedMemcached(servers, { retries: 0, timeout: 1000, retry: 100, failures: 2, remove: true })
    // One connection to each server first: with retries 0, a burst of requests before any connection
    // is up finds the package's pool "full" of pending connections.
    await Promise.all([keeping.version(), removing.version()])
  })
  afterAll(async () => {
    keeping?.end()
    removing?.end()
    await Promise.all(instances.map((instance) => instance.stop()))
  })

  const readAll = async (client: PromisedMemcached, wanted: ReadonlyArray<string>): Promise<Map<string, unknown>> => {
    const found = new Map<string, unknown>()
    for (let start = 0; start < wanted.length; start += 500) {
      const part = await client.getMulti(wanted.slice(start, start + 500))
      for (const [key, value] of Object.entries(part)) found.set(key, value)
    }
    return found
  }

  it("10,000 keys written through the ring are read back through it", async () => {
    for (let start = 0; start < entries.length; start += 1000) {
      const stored = await Promise.all(
        entries.slice(start, start + 1000).map(([key, value]) => keeping.set(key, value))
      )
      expect(stored.every((ok) => ok)).toBe(true)
    }
    expect(await readAll(keeping, keys)).toEqual(valueOf)
  })

  it("each key lives on exactly the instance the ring names, and each holds a fair share", async () => {
    const owner = await expectOnePlaceEachFairlySpread(ports)
    keys.forEach((key, i) => {
      if (keeping.client.HashRing.get(key) !== servers[owner[i]!]) expect.fail(`${key} is not where the ring puts it`)
    })
    deadKeys = keys.filter((_, i) => owner[i] === 1)
    liveKeys = keys.filter((_, i) => owner[i] !== 1)
  })

  it("an instance stopped: its keys fail, the rest are served, getMulti gives what it can with an error", async () => {
    await instances[1]!.stop()
    await expect(keeping.get(deadKeys[0]!)).rejects.toThrow()
    expect(await keeping.get(liveKeys[0]!)).toBe(valueOf.get(liveKeys[0]!))
    const multi = await settle<Record<string, unknown>>((cb) =>
      keeping.client.getMulti([liveKeys[0]!, deadKeys[0]!, liveKeys[1]!], cb)
    )
    expect(multi.error).toBeDefined()
    expect(multi.data).toEqual({ [liveKeys[0]!]: valueOf.get(liveKeys[0]!), [liveKeys[1]!]: valueOf.get(liveKeys[1]!) })
  })

  it("remove: true takes it out of the ring after `failures` failures; only its keys move", async () => {
    await pollUntil(
      () => settle((cb) => removing.client.get(deadKeys[0]!, cb)),
      () => removing.client.HashRing.get(deadKeys[0]!) !== servers[1],
      { deadlineMs: 10_000, what: "the removing client drops the stopped instance" }
    )
    expect(await removing.set(deadKeys[0]!, "moved")).toBe(true)
    expect((await holders([ports[0]!, ports[2]!], [deadKeys[0]!])).get(deadKeys[0]!)).toHaveLength(1)
    const moved = liveKeys.filter((key) => removing.client.HashRing.get(key) !== keeping.client.HashRing.get(key))
    expect(moved).toEqual([])
    expect(await readAll(removing, liveKeys)).toEqual(expected(liveKeys))
  })

  it("the instance restarted (empty): the keeping client uses it again, the removing one never", async () => {
    instances[1] = await startEffcached([], ports[1])
    const attempts = await pollUntil(
      () => settle((cb) => keeping.client.get(deadKeys[1]!, cb)),
      (result) => result.error === undefined,
      { deadlineMs: 10_000, what: "the keeping client reaches the restarted instance" }
    )
    expect(attempts.at(-1)?.data).toBeUndefined()
    expect(await keeping.set(deadKeys[1]!, "again")).toBe(true)
    expect(await requestOnce(ports[1]!, `get ${deadKeys[1]}\r\n`)).toContain("\r\nagain\r\n")
    expect(removing.client.HashRing.get(deadKeys[1]!)).not.toBe(servers[1])
  })
})
