/**
 * The commands the command-line client knows: their forms (the friendly one for people, the raw
 * protocol for experts), what they do, and the words TAB completes.
 *
 * @module
 */

/** One command's help. */
export interface CommandHelp {
  readonly name: string
  readonly forms: ReadonlyArray<string>
  readonly summary: string
}

const storage = (name: string, what: string): CommandHelp => ({
  name,
  forms: [
    `${name} KEY VALUE [TTL] [FLAGS]`,
    `${name} KEY FLAGS EXPTIME BYTES [noreply]    (raw: the data follows on the next line)`
  ],
  summary: what
})

/** Every command, in the order `help` lists them. */
export const COMMANDS: ReadonlyArray<CommandHelp> = [
  {
    name: "get",
    forms: ["get KEY [KEY...]"],
    summary: "print the value (one key), or each key with its value or NOT_FOUND"
  },
  {
    name: "gets",
    forms: ["gets KEY [KEY...]"],
    summary: "the items with their CAS uniques, as the protocol shows them"
  },
  { name: "gat", forms: ["gat EXPTIME KEY [KEY...]"], summary: "get and set a new expiry time" },
  { name: "gats", forms: ["gats EXPTIME KEY [KEY...]"], summary: "gets and set a new expiry time" },
  storage("set", "store the value: STORED"),
  storage("add", "store if the key does not exist: STORED or NOT_STORED"),
  storage("replace", "store if the key exists: STORED or NOT_STORED"),
  storage("append", "add to the end of an existing value"),
  storage("prepend", "add to the start of an existing value"),
  {
    name: "cas",
    forms: [
      "cas KEY VALUE CAS [TTL] [FLAGS]",
      "cas KEY FLAGS EXPTIME BYTES CAS [noreply]    (raw: data on the next line)"
    ],
    summary: "store if the CAS unique (from gets) still matches: STORED, EXISTS or NOT_FOUND"
  },
  { name: "delete", forms: ["delete KEY"], summary: "DELETED or NOT_FOUND" },
  {
    name: "incr",
    forms: ["incr KEY [DELTA]"],
    summary: "add DELTA (default 1) to a decimal value; print the new value"
  },
  { name: "decr", forms: ["decr KEY [DELTA]"], summary: "subtract DELTA (default 1), stopping at 0" },
  { name: "touch", forms: ["touch KEY EXPTIME"], summary: "set a new expiry time: TOUCHED or NOT_FOUND" },
  { name: "flush_all", forms: ["flush_all [DELAY]"], summary: "invalidate every item, on every server" },
  { name: "stats", forms: ["stats [GROUP]"], summary: "statistics as a table (groups: TAB to list them)" },
  { name: "version", forms: ["version"], summary: "each server's version" },
  { name: "verbosity", forms: ["verbosity LEVEL"], summary: "the servers' logging level" },
  { name: "cache_memlimit", forms: ["cache_memlimit MEGABYTES"], summary: "change the servers' memory limit" },
  {
    name: "mg",
    forms: ["mg KEY [FLAG...]"],
    summary:
      "meta get; flags: v value, c cas, f flags, t ttl, s size, k key, T<ttl> touch, N<ttl> vivify, R<ttl> recache, q, O<opaque>"
  },
  {
    name: "ms",
    forms: ["ms KEY VALUE [FLAG...]", "ms KEY DATALEN [FLAG...]    (raw: the data follows on the next line)"],
    summary: "meta set; flags: T<ttl>, F<flags>, C<cas>, I, M<mode: S E A P R>, c, k, q, O<opaque>"
  },
  {
    name: "md",
    forms: ["md KEY [FLAG...]"],
    summary: "meta delete; flags: C<cas>, I invalidate, T<ttl>, q, k, O<opaque>"
  },
  {
    name: "ma",
    forms: ["ma KEY [FLAG...]"],
    summary: "meta arithmetic; flags: M<I|D>, D<delta>, N<ttl> J<initial> create, v, t, c, q, k, O<opaque>"
  },
  { name: "mn", forms: ["mn"], summary: "meta no-op: MN" },
  { name: "me", forms: ["me KEY"], summary: "an item's internal metadata" },
  { name: "shutdown", forms: ["shutdown [graceful]"], summary: "stop the servers (if started with -A)" },
  {
    name: "lru_crawler",
    forms: ["lru_crawler crawl <all|IDS>", "lru_crawler enable|disable", "lru_crawler sleep|tocrawl N"],
    summary: "the LRU crawler (metadump streams its reply: not supported here)"
  },
  {
    name: "slabs",
    forms: ["slabs automove <0|1|2>", "slabs automove ratio R", "slabs reassign SRC DST"],
    summary: "slab page rebalancing"
  },
  {
    name: "lru",
    forms: ["lru tune HOT% WARM% HOT_FACTOR WARM_FACTOR", "lru mode <flat|segmented>", "lru temp_ttl SECONDS"],
    summary: "LRU tuning"
  },
  {
    name: "watch",
    forms: ["watch [STREAM...]"],
    summary: "log streams: they take over a connection, so not supported here"
  },
  { name: "help", forms: ["help [COMMAND]"], summary: "this list, or one command's forms" },
  { name: "quit", forms: ["quit", "exit"], summary: "leave (Ctrl-D too)" }
]

/** The `stats` groups memcached and effcached know. */
export const STATS_GROUPS: ReadonlyArray<string> = [
  "items",
  "slabs",
  "sizes",
  "settings",
  "conns",
  "detail",
  "reset",
  "cachedump",
  "sizes_enable",
  "sizes_disable"
]

/** Names TAB completes as the first word. */
export const COMMAND_NAMES: ReadonlyArray<string> = [...COMMANDS.map((c) => c.name), "exit"]

/** The help text: every command, or one. */
export const helpText = (topic?: string): string => {
  if (topic !== undefined) {
    const command = COMMANDS.find((c) => c.name === topic || (topic === "exit" && c.name === "quit"))
    if (command === undefined) return `no command ${JSON.stringify(topic)}; "help" lists them`
    return [...command.forms, "", `  ${command.summary}`].join("\n")
  }
  const width = Math.max(...COMMANDS.map((c) => c.forms[0]!.length))
  return [
    ...COMMANDS.map((c) => `${c.forms[0]!.padEnd(width)}  ${c.summary.split(";")[0]}`),
    "",
    "TTL and EXPTIME are seconds (0: never; over 30 days: a Unix time). Quote values with spaces:",
    "set greeting \"hello world\". \"help COMMAND\" shows a command's raw protocol form too."
  ].join("\n")
}

/**
 * What TAB completes at the end of `line`: command names for the first word, stats groups after
 * `stats`, command names after `help`. Returns the candidates and the word they complete.
 */
export const complete = (line: string): readonly [ReadonlyArray<string>, string] => {
  const words = line.trimStart().split(/\s+/)
  const last = words[words.length - 1] ?? ""
  const choose = (candidates: ReadonlyArray<string>) => [candidates.filter((c) => c.startsWith(last)), last] as const
  if (words.length <= 1) return choose(COMMAND_NAMES)
  if (words.length === 2 && words[0] === "stats") return choose(STATS_GROUPS)
  if (words.length === 2 && words[0] === "help") return choose(COMMAND_NAMES)
  return [[], last]
}
