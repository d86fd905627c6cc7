import { describe, expect, it } from "@effect/vitest"
import { classSelection } from "../../src/protocol/OperatorCommand.js"
import { decodeLine } from "../../src/protocol/TextCommand.js"

const decode = (line: string) => decodeLine(line.split(" ").filter((t) => t.length > 0))
const error = { _tag: "UnknownCommand" }
const silent = { _tag: "Silent" }
const badFormat = { _tag: "ClientError", message: "bad command line format" }
const statusLine = (status: string, message: string) => ({ _tag: "StatusLine", status, message })

// Expected replies are memcached 1.6.18's, as measured (the differential tests compare them).
describe("OperatorCommand", () => {
  it("reads class selections as lru_crawler does: all, hash, ids 1 to 63 separated by commas", () => {
    expect(classSelection("all")).toEqual({ _tag: "AllClasses" })
    expect(classSelection("hash")).toEqual({ _tag: "HashTable" })
    expect(classSelection("1,5,63")).toEqual({ _tag: "ClassList", ids: [1, 5, 63] })
    expect(classSelection("1,,2,")).toEqual({ _tag: "ClassList", ids: [1, 2] })
    expect(classSelection(",")).toEqual({ _tag: "ClassList", ids: [] })
    for (const bad of ["0", "64", "1,99", "x", "ALL", "-1"]) {
      expect(classSelection(bad)).toEqual({ _tag: "BadClassList" })
    }
  })

  it("decodes lru_crawler's subcommands, with memcached's errors for the rest", () => {
    expect(decode("lru_crawler metadump all")).toEqual({ _tag: "LruCrawlerMetadump", classes: { _tag: "AllClasses" } })
    expect(decode("lru_crawler crawl 1,2")).toEqual({
      _tag: "LruCrawlerCrawl",
      classes: { _tag: "ClassList", ids: [1, 2] }
    })
    expect(decode("lru_crawler enable")).toEqual({ _tag: "LruCrawlerSwitch", enable: true })
    expect(decode("lru_crawler disable")).toEqual({ _tag: "LruCrawlerSwitch", enable: false })
    expect(decode("lru_crawler sleep 1000000")).toEqual({ _tag: "LruCrawlerTune", setting: "sleep", to: 1_000_000 })
    expect(decode("lru_crawler tocrawl 0")).toEqual({ _tag: "LruCrawlerTune", setting: "tocrawl", to: 0 })
    expect(decode("lru_crawler sleep 1000001")).toEqual({
      _tag: "ClientError",
      message: "sleep must be one second or less"
    })
    expect(decode("lru_crawler sleep x")).toEqual(badFormat)
    expect(decode("lru_crawler tocrawl -1")).toEqual(badFormat)
    for (const line of ["lru_crawler", "lru_crawler foo", "lru_crawler metadump", "lru_crawler metadump all x"]) {
      expect(decode(line)).toEqual(error)
    }
    // No noreply here: a fifth token is just a wrong count.
    expect(decode("lru_crawler crawl all noreply")).toEqual(error)
    expect(decode("lru_crawler enable now")).toEqual(error)
  })

  it("decodes slabs automove and reassign", () => {
    expect(decode("slabs automove 2")).toEqual({ _tag: "SlabsAutomove", level: 2, noreply: false })
    expect(decode("slabs automove 1 2")).toEqual({ _tag: "SlabsAutomove", level: 1, noreply: false })
    expect(decode("slabs automove ratio 0.5")).toEqual({ _tag: "SlabsAutomove", ratio: 0.5, noreply: false })
    expect(decode("slabs automove 0 noreply")).toEqual({ _tag: "SlabsAutomove", level: 0, noreply: true })
    expect(decode("slabs automove invalid")).toEqual(badFormat)
    expect(decode("slabs automove -1")).toEqual(badFormat)
    expect(decode("slabs automove 3")).toEqual(error)
    expect(decode("slabs automove ratio x")).toEqual(error)
    expect(decode("slabs automove ratio")).toEqual(error)
    expect(decode("slabs automove")).toEqual(error)
    expect(decode("slabs automove noreply")).toEqual(silent)
    expect(decode("slabs reassign -1 5")).toEqual({ _tag: "SlabsReassign", source: -1, destination: 5 })
    expect(decode("slabs reassign x 1")).toEqual(badFormat)
    for (const line of ["slabs", "slabs foo", "slabs reassign 1", "slabs reassign 1 2 noreply"]) {
      expect(decode(line)).toEqual(error)
    }
  })

  it("decodes lru tune, mode and temp_ttl, checking what memcached checks", () => {
    expect(decode("lru tune 10 20 0.1 2.0")).toEqual({
      _tag: "LruTune",
      setting: { _tag: "Segments", hotPercent: 10, warmPercent: 20, hotFactor: 0.1, warmFactor: 2 },
      noreply: false
    })
    expect(decode("lru mode flat")).toEqual({
      _tag: "LruTune",
      setting: { _tag: "Mode", segmented: false },
      noreply: false
    })
    expect(decode("lru temp_ttl -1 noreply")).toEqual({
      _tag: "LruTune",
      setting: { _tag: "TemporaryTtl", seconds: -1 },
      noreply: true
    })
    expect(decode("lru tune 50 40 0.1 2.0")).toEqual(statusLine("ERROR", "hot and warm pcts must not exceed 80"))
    expect(decode("lru tune 10 10 0 2.0")).toEqual(statusLine("ERROR", "hot/warm age factors must be greater than 0"))
    expect(decode("lru tune 10 10 1e999 2")).toEqual(error)
    expect(decode("lru tune 10 10 0x1p-2 inf")).toMatchObject({ setting: { hotFactor: 0.25, warmFactor: Infinity } })
    for (const line of ["lru", "lru foo", "lru tune 10 10 0.1", "lru mode foo", "lru mode", "lru temp_ttl x"]) {
      expect(decode(line)).toEqual(error)
    }
    expect(decode("lru tune 50 40 0.1 2.0 noreply")).toEqual(silent)
    expect(decode("lru mode foo noreply")).toEqual(silent)
  })

  it("decodes watch with its streams, fetchers by default", () => {
    expect(decode("watch")).toEqual({ _tag: "Watch", streams: ["fetchers"] })
    expect(decode("watch mutations evictions connevents")).toEqual({
      _tag: "Watch",
      streams: ["mutations", "evictions", "connevents"]
    })
    expect(decode("watch fetchers bogus")).toEqual(error)
    expect(decode("watch fetchers noreply")).toEqual(silent)
  })
})
