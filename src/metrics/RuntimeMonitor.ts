/**
 * What the Node runtime costs the cache, as effcached's own metrics: event-loop delay (how late the
 * loop runs a timer: the time every request waits behind whatever is running), garbage-collection
 * pauses by kind, and the process's memory. The monitors run only while the metrics endpoint is on:
 * a 10 ms timer for the delay and a GC observer, neither on the request path.
 *
 * @module
 */
import * as Effect from "effect/Effect"
import { constants, monitorEventLoopDelay, type NodeGCPerformanceDetail, PerformanceObserver } from "node:perf_hooks"
import { type Family, family, histogramSamples, type Sample, single } from "./Exposition.js"

/** The delay monitor's sampling interval, in milliseconds. */
const RESOLUTION_MS = 10

/** The quantiles of the event-loop delay summary. */
const QUANTILES = [0.5, 0.9, 0.99] as const

/** Upper bounds of the GC pause histogram, in seconds. */
const GC_BOUNDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1] as const

const GC_KINDS: ReadonlyArray<readonly [number, string]> = [
  [constants.NODE_PERFORMANCE_GC_MINOR, "minor"],
  [constants.NODE_PERFORMANCE_GC_MAJOR, "major"],
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL, "incremental"],
  [constants.NODE_PERFORMANCE_GC_WEAKCB, "weakcb"]
]

/** GC pauses of one kind. */
interface GcPauses {
  readonly counts: Array<number>
  sum: number
}

/** The runtime's monitors: their families as of now. */
export interface RuntimeMonitor {
  /**
   * The runtime families. The delay quantiles cover the time since the previous call (so each scrape
   * sees the delays since the last one); the delay's sum and count, and the GC histograms, accumulate.
   */
  readonly families: () => Array<Family>
}

/** Starts the monitors; they stop when the scope closes. */
export const make = Effect.gen(function*() {
  const delay = yield* Effect.acquireRelease(
    Effect.sync(() => {
      const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS })
      histogram.enable()
      return histogram
    }),
    (histogram) => Effect.sync(() => histogram.disable())
  )
  const gc = new Map<string, GcPauses>(GC_KINDS.map(([, kind]) => [kind, { counts: GC_BOUNDS.map(() => 0), sum: 0 }]))
  for (const pauses of gc.values()) pauses.counts.push(0)
  yield* Effect.acquireRelease(
    Effect.sync(() => {
      const observer = new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) {
          // A gc entry's detail is a NodeGCPerformanceDetail (the type does not say so).
          const kindCode = (entry as unknown as { readonly detail?: NodeGCPerformanceDetail }).detail?.kind
          const kind = GC_KINDS.find(([code]) => code === kindCode)?.[1]
          const pauses = kind === undefined ? undefined : gc.get(kind)
          if (pauses === undefined) continue
          const seconds = entry.duration / 1000
          let bucket = GC_BOUNDS.findIndex((bound) => seconds <= bound)
          if (bucket < 0) bucket = GC_BOUNDS.length
          pauses.counts[bucket]!++
          pauses.sum += seconds
        }
      })
      observer.observe({ entryTypes: ["gc"] })
      return observer
    }),
    (observer) => Effect.sync(() => observer.disconnect())
  )

  // The monitor records the time between its timer's runs, resolution included: the delay is the excess.
  const resolutionNs = RESOLUTION_MS * 1e6
  const lag = (ns: number) => Math.max(0, ns - resolutionNs) / 1e9
  let delaySum = 0
  let delayCount = 0

  const families = (): Array<Family> => {
    const count = delay.count
    const quantiles: Array<Sample> = QUANTILES.map((q) => ({
      labels: { quantile: String(q) },
      value: count === 0 ? NaN : lag(delay.percentile(q * 100))
    }))
    const max = count === 0 ? 0 : lag(delay.max)
    delayCount += count
    delaySum += count === 0 ? 0 : Math.max(0, delay.mean - resolutionNs) / 1e9 * count
    delay.reset()
    const memory = process.memoryUsage()
    return [
      family(
        "effcached_event_loop_delay_seconds",
        "summary",
        "How late the event loop ran a timer: quantiles since the previous scrape.",
        [...quantiles, { suffix: "_sum", value: delaySum }, { suffix: "_count", value: delayCount }]
      ),
      single(
        "effcached_event_loop_delay_max_seconds",
        "gauge",
        "The longest event-loop delay since the previous scrape.",
        max
      ),
      family(
        "effcached_gc_duration_seconds",
        "histogram",
        "Garbage-collection pauses, by kind.",
        [...gc].flatMap(([kind, pauses]) => histogramSamples(GC_BOUNDS, pauses.counts, pauses.sum, { kind }))
      ),
      single("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", memory.rss),
      single(
        "process_start_time_seconds",
        "gauge",
        "Start time of the process since unix epoch in seconds.",
        Math.round(Date.now() / 1000 - process.uptime())
      ),
      single("effcached_heap_used_bytes", "gauge", "V8 heap in use, in bytes.", memory.heapUsed),
      single("effcached_heap_total_bytes", "gauge", "V8 heap allocated, in bytes.", memory.heapTotal)
    ]
  }
  return { families } satisfies RuntimeMonitor
})
