/**
 * The campaign's recheck of a difference: one that comes back on fresh keys is replayed alone on
 * emptied caches before it counts as a finding. memcached here sits behind a proxy that spoils the
 * replies of the first few input connections (never the campaign's flushes and sentinel checks), as a
 * reference whose answer depends on the moment would; the input itself agrees on both servers.
 */
import { Effect } from "effect"
import * as net from "node:net"
import { afterEach, describe, expect, it } from "vitest"
import * as Campaign from "../../src/fuzz/Campaign.js"
import { generate } from "../../src/fuzz/Generator.js"
import { describeReport } from "../../src/fuzz/Report.js"
import { memcachedPath, requireTool, startEffcached, startMemcached, useServer } from "../support/servers.js"

/** A proxy to `port` that puts an ERROR line before the replies of the first `spoiled` input connections. */
const spoilingProxy = async (port: number, spoiled: number) => {
  let left = spoiled
  // Half-open both ways: the campaign half-closes after its writes and reads the replies to the end.
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    const upstream = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true })
    let spoil: boolean | undefined
    client.on("data", (chunk: Buffer) => {
      if (spoil === undefined) {
        const text = chunk.toString("latin1")
        spoil = !text.startsWith("flush_all") && !text.includes("fuzz-sentinel") && !text.startsWith("cache_memlimit")
          && left-- > 0
        if (spoil) client.write("ERROR\r\n")
      }
      upstream.write(chunk)
    })
    upstream.on("data", (chunk) => client.write(chunk))
    client.on("end", () => upstream.end())
    upstream.on("end", () => client.end())
    client.on("error", () => upstream.destroy())
    upstream.on("error", () => client.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() }
}

/** An input of seed 16 that runs beside others and answers with plain replies. */
const INDEX = Array.from({ length: 200 }, (_, i) => generate(16, i))
  .find((input) => !input.exclusive && input.style === "commands")!.index

const campaign = (effcachedPort: number, memcachedPort: number) =>
  Effect.runPromise(Campaign.run({
    seed: 16,
    first: INDEX,
    inputs: 1,
    lanes: 4,
    effcachedPort,
    memcachedPort,
    memoryMb: 64,
    deadlineMs: 10_000,
    retries: 2,
    maxFindings: 5,
    sentinelEvery: 500,
    flushEvery: 10_000,
    exited: () => undefined,
    errorLog: () => []
  }))

describe.runIf(requireTool("memcached", memcachedPath !== undefined))("a fuzz campaign's recheck", () => {
  const eff = useServer(() => startEffcached(["-m", "64"]))
  const mem = useServer(() => startMemcached(["-m", "64"]))
  const proxies: Array<{ close: () => void }> = []
  afterEach(() => proxies.splice(0).forEach((proxy) => proxy.close()))

  it("lists a difference that its retries showed but a replay alone does not as unstable", async () => {
    const proxy = await spoilingProxy(mem.port, 3)
    proxies.push(proxy)
    const report = await campaign(eff.port, proxy.port)
    const text = describeReport(report)
    expect(report.findings, text).toEqual([])
    expect(report.unstable, text).toEqual([{ index: INDEX, kind: "reply" }])
  }, 30_000)

  it("reports a difference that the replay alone shows too", async () => {
    const proxy = await spoilingProxy(mem.port, 4)
    proxies.push(proxy)
    const report = await campaign(eff.port, proxy.port)
    expect(report.unstable).toEqual([])
    expect(report.findings.map((f) => [f.input?.index, f.kind])).toEqual([[INDEX, "reply"]])
  }, 30_000)
})
