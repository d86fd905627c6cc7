/**
 * The `stats` command and its groups, answered as memcached 1.6 answers them: general statistics,
 * `reset`, `settings`, `conns`, `detail on|off|dump`; any other group is `ERROR` (the store's groups,
 * `items`, `slabs` and `sizes`, are not implemented yet). Tokens after the ones a group uses are
 * ignored, as memcached ignores them.
 *
 * @module
 */
import { Clock, Effect } from "effect"
import type { Settings } from "../config/ServerConfig.js"
import * as Res from "../domain/Result.js"
import type { Result } from "../domain/Result.js"
import type { StoreShape } from "../store/Store.js"
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

/** Answers `stats <args>`. */
export const statsCommand = (args: ReadonlyArray<string>, sources: StatsSources): Effect.Effect<Result> => {
  const { counters, prefixes, registry, settings, store } = sources
  switch (args[0]) {
    case undefined:
      return Effect.zipWith(store.stats, Clock.currentTimeMillis, (storeStats, now) =>
        Res.StatsReply.make({ entries: generalStats(counters, storeStats, settings, now) }))
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
      return Effect.succeed(Res.StatsReply.make({ entries: settingsStats(settings, port, prefixes.enabled) }))
    }
    case "conns":
      return Effect.map(Clock.currentTimeMillis, (now) => Res.StatsReply.make({ entries: connsStats(registry, now) }))
    case "detail":
      return Effect.sync(() => detail(prefixes, args[1]))
    default:
      return Effect.succeed(Res.results.unknownCommand)
  }
}
