#!/usr/bin/env node
// Restore timing (issue 11): makes a data dir of N x 100-byte items (once, through a server with a
// snapshot), then times `node dist/main.js --data-dir D -m 1024` from spawn to the first successful
// get of a restored key, RUNS times; prints each run and the median.
// Usage: node scripts/restore-bench.mjs [dir] [items] [runs]
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import { performance } from "node:perf_hooks"
import { setTimeout as sleep } from "node:timers/promises"

const dir = process.argv[2] ?? "/tmp/effc-restore-1m"
const items = Number(process.argv[3] ?? 1_000_000)
const runs = Number(process.argv[4] ?? 3)
const port = 22000 + (process.pid % 1000)
const value = "v".repeat(100)

const start = (extra = []) =>
  spawn(process.execPath, ["dist/main.js", "--data-dir", dir, "-m", "1024", "-p", String(port), ...extra], {
    stdio: ["ignore", "ignore", "inherit"]
  })
const stopped = (child) => new Promise((resolve) => child.once("exit", resolve))

/** Sends `text` on a fresh connection and resolves with the reply once `done(reply)` holds. */
const request = (text, done) =>
  new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1")
    let reply = ""
    socket.on("error", reject)
    socket.on("data", (d) => {
      reply += d.toString("latin1")
      if (done(reply)) {
        socket.destroy()
        resolve(reply)
      }
    })
    socket.on("connect", () => socket.write(text))
  })

const connectLoop = async (text, done) => {
  for (;;) {
    try {
      return await request(text, done)
    } catch {
      await sleep(5)
    }
  }
}

const fill = async () => {
  fs.rmSync(dir, { recursive: true, force: true })
  const child = start(["--snapshot-interval", "0"])
  await connectLoop("version\r\n", (r) => r.endsWith("\r\n"))
  const socket = net.connect(port, "127.0.0.1")
  await new Promise((r) => socket.once("connect", r))
  let got = 0
  let tail = ""
  const finished = new Promise((resolve) =>
    socket.on("data", (d) => {
      const s = tail + d.toString("latin1")
      const parts = s.split("\r\n")
      tail = parts.pop()
      got += parts.length
      if (got >= items) resolve()
    })
  )
  const BATCH = 1000
  for (let i = 0; i < items; i += BATCH) {
    let text = ""
    for (let j = i; j < Math.min(items, i + BATCH); j++) text += `set key:${j} 0 0 100 noreply\r\n${value}\r\n`
    if (i + BATCH >= items) text = text.replace(/ noreply\r\n([^\r]*)\r\n$/, "\r\n$1\r\n")
    if (!socket.write(text)) await new Promise((r) => socket.once("drain", r))
  }
  // Only the last set replies; wait for it, then stop, and start once more until a snapshot is on disk.
  got = items - 1
  await finished
  socket.destroy()
  child.kill("SIGTERM")
  await stopped(child)
  const again = start(["--snapshot-interval", "1"])
  for (;;) {
    const stats = await connectLoop("stats\r\n", (r) => r.endsWith("END\r\n"))
    if (/STAT persist_snapshots [1-9]/.test(stats)) break
    await sleep(200)
  }
  again.kill("SIGTERM")
  await stopped(again)
}

const once = async () => {
  const t0 = performance.now()
  const child = start()
  await connectLoop(`get key:${items - 1}\r\n`, (r) => r.endsWith("END\r\n"))
  const ms = performance.now() - t0
  const reply = await request(`get key:0\r\n`, (r) => r.endsWith("END\r\n"))
  if (!reply.startsWith("VALUE")) throw new Error(`key:0 not restored: ${reply}`)
  const stats = await request("stats\r\n", (r) => r.endsWith("END\r\n"))
  const restored = /STAT persist_restored_items (\d+)/.exec(stats)?.[1]
  if (Number(restored) !== items) throw new Error(`restored ${restored} items, not ${items}`)
  const hwm = /VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, "latin1"))?.[1]
  child.kill("SIGTERM")
  await stopped(child)
  return [ms, Number(hwm) / 1024]
}

if (!fs.existsSync(dir) || process.env.REFILL) await fill()
console.log(`files: ${fs.readdirSync(dir).map((f) => `${f} ${fs.statSync(`${dir}/${f}`).size}`).join(", ")}`)
const times = []
for (let i = 0; i < runs; i++) {
  const [ms, peakMb] = await once()
  times.push(ms)
  console.log(`run ${i + 1}: ${ms.toFixed(0)} ms, peak RSS ${peakMb.toFixed(0)} MB`)
}
times.sort((a, b) => a - b)
console.log(`median of ${runs}: ${times[Math.floor(times.length / 2)].toFixed(0)} ms (${items} items)`)
