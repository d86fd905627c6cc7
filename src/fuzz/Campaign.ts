/**
 * A fuzzing campaign: the same generated inputs sent to effcached and to memcached, several at a time,
 * each on a fresh connection to each server; every pair of outcomes judged. Between inputs it checks
 * that effcached is alive and logged no error, and every so often that the sentinel writes it
 * acknowledged are all still there. An input that acts on the whole cache runs alone, and after it
 * the memory limit is put back; a difference is run again with fresh keys, then alone on emptied
 * caches (as `--replay` runs it), and one that does not come back is reported as unstable, not as a
 * finding. memcached 1.6.18 itself crashes now and then under this traffic (SIGSEGV, a few 600-input
 * runs of seed 16 in a hundred): when it does, the crash is recorded, a fresh memcached is started,
 * both caches are emptied and the group of inputs runs again, so the reference's bug neither hides
 * effcached's nor counts as one.
 *
 * @module
 */
import * as Effect from "effect/Effect"
import { cutAt, exchange, type Outcome } from "./Exchange.js"
import { type FuzzInput, generate, type Style } from "./Generator.js"
import { judge, type Kind, SENTINEL, type Verdict } from "./Judge.js"

/** What the campaign runs against, and for how long. */
export interface CampaignOptions {
  readonly seed: number
  /** The first input's index (inputs are numbered from 0 for a seed). */
  readonly first: number
  /** How many inputs at most. */
  readonly inputs: number
  /** Stop after this many seconds, whatever is left of `inputs`. */
  readonly seconds?: number
  /** Inputs in flight at once. */
  readonly lanes: number
  readonly effcachedPort: number
  readonly memcachedPort: number
  /** Why the memcached on `memcachedPort` is gone, or undefined while it runs (never gone when absent). */
  readonly memcachedExited?: () => string | undefined
  /** Starts a fresh memcached after one crashed; without it a crash stops the campaign. */
  readonly restartMemcached?: Effect.Effect<Reference, Error>
  /** Both servers' `-m`, restored after an input that may have changed it with cache_memlimit. */
  readonly memoryMb: number
  /** How long a server may take to answer one input and close. */
  readonly deadlineMs: number
  /** How many times a difference is run again (with fresh keys) before it counts. */
  readonly retries: number
  /** Stop after this many findings. */
  readonly maxFindings: number
  /** Check the sentinel writes every this many inputs. */
  readonly sentinelEvery: number
  /** flush_all both servers every this many inputs, so a long run stays within memory. */
  readonly flushEvery: number
  /** Why effcached is gone (it exited), or undefined while it runs. */
  readonly exited: () => string | undefined
  /** Error lines effcached logged since the last call. */
  readonly errorLog: () => ReadonlyArray<string>
  /** Called after every group of inputs. */
  readonly onProgress?: (report: CampaignReport) => void
}

/** A running memcached: where it listens, and why it is gone once it is. */
export interface Reference {
  readonly port: number
  readonly exited: () => string | undefined
}

/** How many times memcached may crash before the campaign gives up on it. */
const MAX_MEMCACHED_CRASHES = 5

/** Something wrong with effcached. */
export interface Finding {
  readonly kind: Kind | "crash" | "error-logged" | "lost-write"
  /** The input that showed it (replay it with the campaign's seed), when one did. */
  readonly input?: FuzzInput
  readonly effcached?: Outcome
  readonly memcached?: Outcome
  readonly detail: string
}

/** The campaign's results so far. */
export interface CampaignReport {
  readonly seed: number
  inputs: number
  /** Inputs both servers answered identically (the rest were accepted, unstable or findings). */
  same: number
  commands: number
  bytes: number
  ms: number
  readonly byStyle: Record<Style, number>
  /** Differences the allowlist accepted, by rule. */
  readonly allowed: Record<string, number>
  /** Differences that did not come back when run again (index and kind). */
  readonly unstable: Array<{ readonly index: number; readonly kind: Kind }>
  readonly findings: Array<Finding>
  sentinelChecks: number
  /** Times memcached crashed, and the inputs that were running (they ran again on a fresh one). */
  readonly memcachedCrashes: Array<{ readonly exited: string; readonly inputs: ReadonlyArray<number> }>
  stopped?: string
}

/** The bytes an input sends: its own, then the sentinel, cut into its writes. */
export const writesOf = (input: FuzzInput): Array<Buffer> => cutAt(Buffer.concat([input.bytes, SENTINEL]), input.cuts)

/** Runs one input against both servers. */
export const runInput = (
  input: FuzzInput,
  options: Pick<CampaignOptions, "effcachedPort" | "memcachedPort" | "deadlineMs">
): Effect.Effect<{ readonly verdict: Verdict; readonly effcached: Outcome; readonly memcached: Outcome }> =>
  Effect.map(
    Effect.all([
      exchange(options.effcachedPort, writesOf(input), options.deadlineMs),
      exchange(options.memcachedPort, writesOf(input), options.deadlineMs)
    ], { concurrency: 2 }),
    ([effcached, memcached]) => ({
      verdict: judge(Buffer.concat([input.bytes, SENTINEL]), effcached, memcached),
      effcached,
      memcached
    })
  )

/** Sends one command line to a server and returns everything it answered before closing. */
const command = (port: number, line: string, deadlineMs: number) =>
  Effect.map(exchange(port, [Buffer.from(line, "latin1")], deadlineMs), (o) => o.bytes.toString("latin1"))

/** Empties both caches: an exclusive input starts from there (its replay too). */
export const prepare = (options: Pick<CampaignOptions, "effcachedPort" | "memcachedPort" | "deadlineMs">) =>
  Effect.all(
    [options.effcachedPort, options.memcachedPort].map((port) => command(port, "flush_all\r\n", options.deadlineMs)),
    { concurrency: 2, discard: true }
  )

/**
 * Puts back what an exclusive input may have changed: the memory limit, and a delayed flush_all it
 * left pending (a mutated delay), which would empty both caches later, sentinels included; an
 * immediate flush cancels it on both servers.
 */
const restoreAfter = (
  input: FuzzInput,
  options: Pick<CampaignOptions, "effcachedPort" | "memcachedPort" | "deadlineMs" | "memoryMb">
) => {
  const ports = [options.effcachedPort, options.memcachedPort]
  const memlimit = input.bytes.includes("cache_memlimit")
    ? Effect.all(ports.map((port) => command(port, `cache_memlimit ${options.memoryMb}\r\n`, options.deadlineMs)), {
      concurrency: 2,
      discard: true
    })
    : Effect.void
  return Effect.zipRight(memlimit, input.bytes.includes("flush_all") ? prepare(options) : Effect.void)
}

/** What one input came to, recorded once its group of inputs is known to have run on a live memcached. */
interface Tally {
  readonly input: FuzzInput
  readonly verdict: Verdict
  readonly effcached: Outcome
  readonly memcached: Outcome
  /** Set when the difference did not come back on fresh keys. */
  readonly unstable?: Kind
}

/** A reply difference (or lost sentinel) that its retries on fresh keys all showed again. */
const survivedRetries = (
  tally: Tally
): tally is Tally & { readonly verdict: Extract<Verdict, { readonly _tag: "Differs" }> } =>
  tally.verdict._tag === "Differs" && tally.unstable === undefined &&
  (tally.verdict.kind === "reply" || tally.verdict.kind === "lost-sentinel")

/** Runs the campaign to its end, its time limit or its last finding. */
export const run = (options: CampaignOptions): Effect.Effect<CampaignReport> =>
  Effect.gen(function*() {
    const report: CampaignReport = {
      seed: options.seed,
      inputs: 0,
      same: 0,
      commands: 0,
      bytes: 0,
      ms: 0,
      byStyle: { commands: 0, mutated: 0, meta: 0, tokens: 0, bytes: 0, framing: 0 },
      allowed: {},
      unstable: [],
      findings: [],
      sentinelChecks: 0,
      memcachedCrashes: []
    }
    const started = performance.now()
    const end = options.first + options.inputs
    const deadline = options.seconds === undefined ? Infinity : started + options.seconds * 1000
    let memcached: Reference = { port: options.memcachedPort, exited: options.memcachedExited ?? (() => undefined) }
    // Where the inputs go: memcached's port changes when a crashed one is replaced.
    const target = () => ({
      effcachedPort: options.effcachedPort,
      memcachedPort: memcached.port,
      deadlineMs: options.deadlineMs,
      memoryMb: options.memoryMb
    })
    // Sentinel writes acknowledged by both servers since the last flush.
    const sentinels = new Map<string, string>()
    let sentinelCount = 0

    const finding = (f: Finding) => report.findings.push(f)

    const one = (input: FuzzInput) =>
      Effect.gen(function*() {
        const first = yield* runInput(input, target())
        const tally: Tally = { input, ...first }
        if (first.verdict._tag !== "Differs") return tally
        const kind = first.verdict.kind
        if (kind === "reply" || kind === "lost-sentinel") {
          for (let attempt = 1; attempt <= options.retries; attempt++) {
            const again = yield* runInput(generate(input.seed, input.index, attempt), target())
            if (again.verdict._tag !== "Differs") return { ...tally, unstable: kind }
          }
        }
        return tally
      })

    const record = ({ effcached, input, memcached, unstable, verdict }: Tally) => {
      report.inputs++
      report.commands += input.commands
      report.bytes += input.bytes.length
      report.byStyle[input.style]++
      if (verdict._tag === "Same") report.same++
      if (verdict._tag === "Allowed") report.allowed[verdict.rule] = (report.allowed[verdict.rule] ?? 0) + 1
      if (verdict._tag !== "Differs") return
      if (unstable !== undefined) report.unstable.push({ index: input.index, kind: unstable })
      else finding({ kind: verdict.kind, input, effcached, memcached, detail: verdict.kind })
    }

    const checkHealth = (window: ReadonlyArray<FuzzInput>) => {
      const where = `while inputs ${window.map((i) => i.index).join(", ")} ran (replay them one by one)`
      const errors = options.errorLog()
      if (errors.length > 0) finding({ kind: "error-logged", detail: `${errors.join("\n")}\n${where}` })
      const exited = options.exited()
      if (exited !== undefined) {
        finding({ kind: "crash", detail: `effcached ${exited} ${where}` })
        report.stopped = "effcached is gone"
      }
    }

    /** A new sentinel on both servers, then every sentinel read back from effcached. */
    const checkSentinels = Effect.gen(function*() {
      report.sentinelChecks++
      const key = `fuzz-sentinel:${options.seed}:${sentinelCount++}`
      const value = `${options.seed}-${sentinelCount}-${report.inputs}`
      const stored = yield* Effect.all(
        [options.effcachedPort, memcached.port].map((port) =>
          command(port, `set ${key} 0 0 ${value.length}\r\n${value}\r\n`, options.deadlineMs)
        ),
        { concurrency: 2 }
      )
      if (stored.every((reply) => reply === "STORED\r\n")) sentinels.set(key, value)
      else if (stored[0] !== "STORED\r\n") finding({ kind: "lost-write", detail: `set ${key}: ${stored[0]}` })
      const keys = [...sentinels.keys()]
      for (let i = 0; i < keys.length; i += 100) {
        const batch = keys.slice(i, i + 100)
        const expected = batch.map((k) => `VALUE ${k} 0 ${sentinels.get(k)!.length}\r\n${sentinels.get(k)}\r\n`)
          .join("") + "END\r\n"
        const got = yield* command(options.effcachedPort, `get ${batch.join(" ")}\r\n`, options.deadlineMs)
        if (got !== expected) {
          finding({ kind: "lost-write", detail: `acknowledged sentinels read back as ${JSON.stringify(got)}` })
          batch.forEach((k) => sentinels.delete(k))
        }
      }
    })

    const flush = Effect.gen(function*() {
      yield* prepare(target())
      sentinels.clear()
    })

    /**
     * After memcached died under `window`: a fresh one, and effcached emptied to match (its sentinels
     * checked first). False when memcached cannot be replaced, or has crashed too often to go on.
     */
    const replaceMemcached = (exited: string, window: ReadonlyArray<FuzzInput>) =>
      Effect.gen(function*() {
        report.memcachedCrashes.push({ exited, inputs: window.map((i) => i.index) })
        if (options.restartMemcached === undefined || report.memcachedCrashes.length > MAX_MEMCACHED_CRASHES) {
          report.stopped =
            `memcached ${exited} (${report.memcachedCrashes.length} time(s)); no reference to compare with`
          return false
        }
        const fresh = yield* Effect.either(options.restartMemcached)
        if (fresh._tag === "Left") {
          report.stopped = `memcached ${exited} and could not be restarted: ${fresh.left.message}`
          return false
        }
        memcached = fresh.right
        if (sentinels.size > 0) yield* checkSentinels
        yield* flush
        return true
      })

    let next = options.first
    let pending: FuzzInput | undefined
    let sinceSentinel = 0
    let sinceFlush = 0
    while (
      next < end && performance.now() < deadline && report.findings.length < options.maxFindings &&
      report.stopped === undefined
    ) {
      // A group of inputs that may run together, or one that must run alone.
      const window: Array<FuzzInput> = []
      while (next < end && window.length < options.lanes * 8) {
        const input = pending ?? generate(options.seed, next)
        pending = undefined
        if (input.exclusive && window.length > 0) {
          pending = input
          break
        }
        window.push(input)
        next++
        if (input.exclusive) break
      }
      const alone = window.length === 1 && window[0]!.exclusive ? window[0] : undefined
      if (alone !== undefined) {
        // It may use keys any input could have touched: it starts from an empty cache, as its replay does.
        if (sentinels.size > 0) yield* checkSentinels
        yield* flush
      }
      const tallies = yield* Effect.forEach(window, one, { concurrency: options.lanes })
      if (alone !== undefined) yield* restoreAfter(alone, target())
      checkHealth(window)
      const gone = memcached.exited()
      if (gone !== undefined) {
        // The group's replies are not comparable: it runs again, on a fresh memcached and an empty effcached.
        if (!(yield* replaceMemcached(gone, window))) break
        next = window[0]!.index
        pending = undefined
        continue
      }
      // A difference that came back on fresh keys is replayed alone on emptied caches, as `--replay`
      // does: only one that comes back there too is a finding (memcached's clock and LRU make a few
      // replies depend on what ran beside them and when).
      for (const [i, tally] of tallies.entries()) {
        if (!survivedRetries(tally) || memcached.exited() !== undefined) continue
        if (sentinels.size > 0) yield* checkSentinels
        yield* flush
        const replay = yield* runInput(tally.input, target())
        yield* restoreAfter(tally.input, target())
        if (replay.verdict._tag !== "Differs") tallies[i] = { ...tally, unstable: tally.verdict.kind }
      }
      tallies.forEach(record)
      sinceSentinel += window.length
      sinceFlush += window.length
      if (report.stopped === undefined && sinceSentinel >= options.sentinelEvery) {
        sinceSentinel = 0
        yield* checkSentinels
      }
      if (report.stopped === undefined && sinceFlush >= options.flushEvery) {
        sinceFlush = 0
        yield* flush
      }
      report.ms = performance.now() - started
      options.onProgress?.(report)
    }
    if (report.stopped === undefined) {
      yield* checkSentinels
      checkHealth([])
    }
    if (report.findings.length >= options.maxFindings) report.stopped ??= `${options.maxFindings} findings`
    report.ms = performance.now() - started
    return report
  })
