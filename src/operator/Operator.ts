/**
 * memcached's operator commands, answered as memcached 1.6.18 answers them: the LRU crawler
 * (`lru_crawler enable|disable|sleep|tocrawl|crawl|metadump`), slab rebalancing (`slabs automove`,
 * `slabs reassign`), LRU tuning (`lru tune|mode|temp_ttl`) and `watch`.
 *
 * effcached has no slab allocator, segmented LRU or crawler thread, so most of these change settings
 * that `stats settings` reports and nothing else: what a tool sets, it reads back. `crawl` does what
 * memcached's crawler is for, reclaiming expired items now (a full sweep of the store, in slices, in
 * the background); `metadump` and `watch` stream to the connection that asked. `slabs reassign` has no
 * page to move: it answers as memcached does for a class without a spare page.
 *
 * @module
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { ServerConfig } from "../config/ServerConfig.js"
import type { LruTune, OperatorRequest } from "../domain/OperatorRequest.js"
import * as Res from "../domain/Result.js"
import type { Result } from "../domain/Result.js"
import { Store } from "../store/Store.js"

/** The settings the operator commands change, with memcached 1.6.18's defaults; `stats settings` reports them. */
export interface OperatorSettings {
  /** `lru_crawler`: whether crawl and metadump run (`lru_crawler enable|disable`). */
  crawler: boolean
  /** `lru_crawler_sleep`, µs. */
  crawlerSleep: number
  /** `lru_crawler_tocrawl`: items per class per crawl (0: all). */
  crawlerToCrawl: number
  /** `slab_automove`: 0, 1 or 2. */
  slabAutomove: number
  /** `slab_automove_ratio`. */
  slabAutomoveRatio: number
  /** `lru_segmented`. */
  lruSegmented: boolean
  /** `hot_lru_pct`, `warm_lru_pct`. */
  hotLruPercent: number
  warmLruPercent: number
  /** `hot_max_factor`, `warm_max_factor`. */
  hotMaxFactor: number
  warmMaxFactor: number
  /** `temp_lru`, `temporary_ttl`. */
  temporaryLru: boolean
  temporaryTtl: number
}

/** memcached 1.6.18's defaults. */
export const defaultSettings = (): OperatorSettings => ({
  crawler: true,
  crawlerSleep: 100,
  crawlerToCrawl: 0,
  slabAutomove: 1,
  slabAutomoveRatio: 0.8,
  lruSegmented: true,
  hotLruPercent: 20,
  warmLruPercent: 40,
  hotMaxFactor: 0.2,
  warmMaxFactor: 2,
  temporaryLru: false,
  temporaryTtl: 61
})

/** What the server does with an operator request. */
export type OperatorAction =
  /** Answer at once. */
  | { readonly _tag: "Reply"; readonly result: Result }
  /** Execute the requests before it, then answer with what `run` gives. */
  | { readonly _tag: "Run"; readonly run: Effect.Effect<Result> }

/** The operator commands, as a service. */
export interface OperatorShape {
  readonly settings: OperatorSettings
  /** What to do with an operator request other than `lru_crawler metadump` and `watch`. */
  readonly answer: (
    request: Exclude<OperatorRequest, { readonly _tag: "LruCrawlerMetadump" | "Watch" }>
  ) => OperatorAction
  /**
   * Whether a crawl or metadump may start now: undefined if so, else memcached's reply (crawler
   * disabled, a bad class list, nothing to crawl, or a crawl already running).
   */
  readonly refuse: (request: Extract<OperatorRequest, { readonly _tag: "LruCrawlerCrawl" | "LruCrawlerMetadump" }>) =>
    | Result
    | undefined
}

const reply = (result: Result): OperatorAction => ({ _tag: "Reply", result })
const ok = reply(Res.results.ok)
const silent = reply(Res.results.silent)
const status = (code: Res.StatusLine["status"], message: string) => Res.StatusLine.make({ status: code, message })
const crawlerDisabled = Res.ClientError.make({ message: "lru crawler disabled" })
const badClass = status("BADCLASS", "invalid class id")
const notStarted = status("NOTSTARTED", "no items to crawl")
const busy = status("BUSY", "currently processing crawler request")
const unknownError = status("ERROR", "an unknown error happened")
const cannotStart = reply(status("ERROR", "failed to start lru crawler thread"))
const sameClass = reply(status("SAME", "src and dst class are identical"))
const badReassignClass = reply(status("BADCLASS", "invalid src or dst class id"))
const noSpare = reply(status("NOSPARE", "source class has no spare pages"))

/** memcached's largest slab class with its default settings (`power_largest`), as `slabs reassign` checks it. */
const LARGEST_CLASS = 39

const tune = (settings: OperatorSettings, request: typeof LruTune.Type): void => {
  const s = request.setting
  switch (s._tag) {
    case "Segments":
      settings.hotLruPercent = s.hotPercent
      settings.warmLruPercent = s.warmPercent
      settings.hotMaxFactor = s.hotFactor
      settings.warmMaxFactor = s.warmFactor
      return
    case "Mode":
      settings.lruSegmented = s.segmented
      return
    case "TemporaryTtl":
      settings.temporaryLru = s.seconds >= 0
      if (s.seconds >= 0) settings.temporaryTtl = s.seconds
  }
}

/** The operator commands and their settings (one per server). */
export class Operator extends Context.Tag("effcached/Operator")<Operator, OperatorShape>() {
  /**
   * The operator commands over this server's store; a crawl runs in the layer's scope, in slices of
   * the sweeper's budget, until it has examined every item once.
   */
  static readonly layer: Layer.Layer<Operator, never, Store | ServerConfig> = Layer.scoped(
    Operator,
    Effect.gen(function*() {
      const store = yield* Store
      const config = yield* ServerConfig
      const scope = yield* Effect.scope
      const settings = defaultSettings()
      let crawling = false

      // Every item once: the sweep's cursor goes round all of a partition's records in slices.
      const crawl = Effect.gen(function*() {
        const { curr_items } = yield* store.stats
        const slices = Math.ceil(curr_items / config.sweepBudget) + 1
        for (let i = 0; i < slices; i++) yield* store.sweep(config.sweepBudget)
      }).pipe(Effect.ensuring(Effect.sync(() => (crawling = false))))

      const refuse: OperatorShape["refuse"] = (request) => {
        if (!settings.crawler) return crawlerDisabled
        const classes = request.classes
        if (classes._tag === "BadClassList") return badClass
        if (classes._tag === "HashTable" && request._tag === "LruCrawlerCrawl") return unknownError
        if (classes._tag === "ClassList" && classes.ids.length === 0) return notStarted
        return crawling ? busy : undefined
      }

      const answer: OperatorShape["answer"] = (request) => {
        switch (request._tag) {
          case "LruCrawlerCrawl": {
            const refused = refuse(request)
            if (refused !== undefined) return reply(refused)
            crawling = true
            return {
              _tag: "Run",
              run: Effect.as(Effect.forkIn(crawl, scope), Res.results.ok)
            }
          }
          case "LruCrawlerSwitch":
            if (request.enable && settings.crawler) return cannotStart
            settings.crawler = request.enable
            return ok
          case "LruCrawlerTune":
            if (request.setting === "sleep") settings.crawlerSleep = request.to
            else settings.crawlerToCrawl = request.to
            return ok
          case "SlabsAutomove":
            if (request.ratio !== undefined) settings.slabAutomoveRatio = request.ratio
            else settings.slabAutomove = request.level ?? settings.slabAutomove
            return request.noreply ? silent : ok
          case "SlabsReassign": {
            const { destination, source } = request
            if (source === destination) return sameClass
            // -1 asks memcached to pick a class with a spare page: there is none to pick.
            if (source < 0 || source > LARGEST_CLASS || destination < 0 || destination > LARGEST_CLASS) {
              return badReassignClass
            }
            return noSpare
          }
          case "LruTune":
            tune(settings, request)
            return request.noreply ? silent : ok
        }
      }
      return { settings, answer, refuse }
    })
  )
}
