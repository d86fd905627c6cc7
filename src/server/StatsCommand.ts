/**
 * The `stats` command and its groups, answered as memcached 1.6 answers them: general statistics,
 * `reset`, `settings`, `conns`, `detail on|off|dump`, and the store's per-class groups `items`,
 * `slabs`, `sizes` (`sizes_enable`, `sizes_disable`), `cachedump`; any other group is `ERROR`. Tokens after the
 * ones a group uses are ignored, as memcached ignores them.
 *
 * @module
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type { Settings } from "../config/ServerConfig.js"
import * as Res from "../domain/Result.js"
import type { DumpedItem, Result } from "../domain/Result.js"
import type { OperatorSettings } from "../operator/Operator.js"
import { parseU32 } from "../protocol/Numbers.js"
import { cacheDumpLineLength } from "../protocol/ReplyEncoder.js"
import type { StoreShape } from "../store/Store.js"
import type { TlsShape } from "../tls/Tls.js"
import { itemsStats, sizesStats, slabsStats } from "./ClassStatsReport.js"
import type { Registry } from "./ConnectionRegistry.js"
import type { PrefixTable } from "./PrefixStats.js"
import { resetServerCounters, type ServerCounters } from "./ServerStats.js"
import { connsStats, generalStats, settingsStats } from "./StatsReport.js"

/** What the stats command reads. */
export interface StatsSources {
  readonly store: StoreShape
  readonly counters: ServerCounters
  readonly settings: Settings
  readonly registry: Registry
  readonly prefixes: PrefixTable
  /** With `-Z`: when the certificates in use were loaded (`time_since_server_cert_refresh`). */
  readonly tls?: Pick<TlsShape, "loadedAt">
  readonly operator: OperatorSettings
}

const detailUsage = Res.ClientError.make({ message: "usage: stats detail on|off|dump" })

const detail = (prefixes: PrefixTable, mode: string | undefined): Result => {
  switch (mode) {
    case "on":
    case "off":
      prefixes.enabled = mode === "on"
      return Res.results.ok
    case "dump":
      return Res.PrefixDump.make({ prefixes: prefixes.dump() })
    default:
      return detailUsage
  }
}

const badCommandLine = Res.ClientError.make({ message: "bad command line" })
const illegalSlabId = Res.ClientError.make({ message: "Illegal slab id" })

/** memcached's number of slab classes: `stats cachedump` takes a class id below it. */
const SLAB_CLASSES = 64

/** memcached's bound on a `stats cachedump` reply: 2 MB, END included. */
const CACHEDUMP_BYTES = 2 * 1024 * 1024

/**
 * `stats cachedump <class> <limit>`: the keys of a size class, newest first (limit 0: as many as fit).
 * As memcached, the reply stops before it would exceed 2 MB and leaves out binary keys. The store is
 * scanned a slice at a time and the scan stops once the reply is full, so a dump of a huge cache
 * neither stalls a partition nor holds more than the reply.
 */
const cachedump = (store: StoreShape, args: ReadonlyArray<string>): Effect.Effect<Result> => {
  if (args.length < 3) return Effect.succeed(badCommandLine)
  const sizeClass = parseU32(args[1]!)
  const limit = parseU32(args[2]!)
  if (sizeClass === undefined || limit === undefined) return Effect.succeed(Res.badCommandLine)
  if (sizeClass >= SLAB_CLASSES) return Effect.succeed(illegalSlabId)
  return Effect.gen(function*() {
    const scan = store.scan({ classes: [sizeClass] })
    const items: Array<DumpedItem> = []
    // memcached counts END and its terminating NUL: a line fits while bytes + line + 6 <= 2 MB.
    let bytes = 0
    for (;;) {
      const slice = yield* scan.next
      if (slice === undefined) break
      for (const found of slice) {
        if (found.binaryKey) continue
        const item: DumpedItem = { key: found.key, bytes: found.valueLength, exptime: found.exptime }
        const length = cacheDumpLineLength(item)
        if (bytes + length + 6 > CACHEDUMP_BYTES) return Res.CacheDump.make({ items })
        bytes += length
        items.push(item)
        if (items.length === limit) return Res.CacheDump.make({ items })
      }
    }
    return Res.CacheDump.make({ items })
  })
}

/** Answers `stats <args>`. */
export const statsCommand = (args: ReadonlyArray<string>, sources: StatsSources): Effect.Effect<Result> => {
  const { counters, operator, prefixes, registry, settings, store, tls } = sources
  switch (args[0]) {
    case undefined:
      return Effect.zipWith(
        Effect.zip(store.stats, store.extraStats ?? Effect.succeed([])),
        Clock.currentTimeMillis,
        ([storeStats, extra], now) =>
          Res.StatsReply.make({
            entries: [...generalStats(counters, storeStats, settings, now, tls?.loadedAt()), ...extra]
          })
      )
    case "reset":
      return Effect.as(
        Effect.zipRight(
          store.resetStats,
          Effect.sync(() => {
            resetServerCounters(counters)
            prefixes.clear()
          })
        ),
        Res.results.statsReset
      )
    case "settings": {
      const port = registry.listening?.port ?? settings.port
      return Effect.map(
        store.stats,
        (storeStats) =>
          Res.StatsReply.make({
            entries: settingsStats(settings, port, prefixes.enabled, storeStats.limit_maxbytes, operator)
          })
      )
    }
    case "conns":
      return Effect.map(Clock.currentTimeMillis, (now) => Res.StatsReply.make({ entries: connsStats(registry, now) }))
    case "detail":
      return Effect.sync(() => detail(prefixes, args[1]))
    case "items":
      return Effect.zipWith(
        store.classStats,
        Clock.currentTimeMillis,
        (snapshot, now) => Res.StatsReply.make({ entries: itemsStats(snapshot, Math.floor(now / 1000)) })
      )
    case "slabs":
      return Effect.zipWith(
        store.classStats,
        store.stats,
        (snapshot, storeStats) => Res.StatsReply.make({ entries: slabsStats(snapshot, storeStats.total_malloced) })
      )
    case "sizes":
      return Effect.map(store.classStats, (snapshot) => Res.StatsReply.make({ entries: sizesStats(snapshot) }))
    case "cachedump":
      return cachedump(store, args)
    case "sizes_enable":
    case "sizes_disable": {
      // memcached answers these with one STAT line and no END.
      const on = args[0] === "sizes_enable"
      return Effect.as(
        store.trackSizes(on),
        Res.StatsReply.make({ entries: [["sizes_status", on ? "enabled" : "disabled"]], terminated: false })
      )
    }
    default:
      return Effect.succeed(Res.results.unknownCommand)
  }
}
