/**
 * Command-line and environment parsing, memcached style: short flags with long forms
 * (`-p 11211`, `-p11211`, `--port 11211`, `--port=11211`), each also settable by an `EFFCACHED_*`
 * environment variable (a flag wins over the environment).
 *
 * The flags themselves are the table in `Flags`. Parsing is pure: it returns what to do, and `main`
 * does it (an invalid value exits 64, EX_USAGE).
 *
 * @module
 */
import { Invalid, MAX_VERBOSITY, type Mutable, name, type Option, options } from "./Flags.js"
import { isLoopback, parseListen } from "./ListenAddresses.js"
import { resolveProtocol } from "./Protocol.js"
import { defaults, type Settings } from "./ServerConfig.js"

/** What the command line asks for. */
export type Command =
  | { readonly _tag: "Run"; readonly settings: Settings; readonly warnings: ReadonlyArray<string> }
  | { readonly _tag: "Help" }
  | { readonly _tag: "Version" }
  | { readonly _tag: "Invalid"; readonly message: string }

/** The `--help` text. */
export const usage = (): string =>
  [
    "Usage: effcached [options]",
    "",
    "A memcached-compatible cache server. Every option can also be set with the environment variable shown.",
    "",
    ...options.map((o) => {
      const flag = `${o.short !== undefined ? `-${o.short}, ` : "    "}--${o.long}${
        o.arg !== undefined ? ` ${o.arg}` : ""
      }`
      return `  ${flag.padEnd(30)} ${o.help}${o.env !== undefined ? ` [${o.env}]` : ""}`
    }),
    `  ${"-h, --help".padEnd(30)} show this help`,
    `  ${"-V, --version".padEnd(30)} show the version`
  ].join("\n")

/** Parses the arguments (without `node` and the script) and the environment. */
export const parse = (argv: ReadonlyArray<string>, env: Readonly<Record<string, string | undefined>> = {}): Command => {
  const settings: Mutable = { ...defaults }
  const warnings: Array<string> = []
  let current: Option | undefined
  let currentValue: string | undefined
  const given = new Set<Option>()
  try {
    for (const option of options) {
      const value = option.env !== undefined ? env[option.env] : undefined
      if (value !== undefined && value !== "") {
        current = option
        currentValue = value
        try {
          option.apply(value, settings, warnings, false)
        } catch (e) {
          if (e instanceof Invalid) throw new Invalid(`${e.message} (from ${option.env})`)
          throw e
        }
      }
    }
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i]!
      if (arg === "-h" || arg === "--help") return { _tag: "Help" }
      if (arg === "-V" || arg === "--version") return { _tag: "Version" }
      let option: Option | undefined
      let inline: string | undefined
      if (arg.startsWith("--")) {
        const eq = arg.indexOf("=")
        const long = eq < 0 ? arg.slice(2) : arg.slice(2, eq)
        inline = eq < 0 ? undefined : arg.slice(eq + 1)
        option = options.find((o) => o.long === long)
      } else if (/^-vv+$/.test(arg)) {
        settings.verbosity = Math.min(MAX_VERBOSITY, settings.verbosity + arg.length - 1)
        continue
      } else if (arg.startsWith("-") && arg.length >= 2) {
        option = options.find((o) => o.short === arg[1])
        inline = arg.length > 2 ? arg.slice(2) : undefined
      }
      if (option === undefined) return { _tag: "Invalid", message: `unknown option ${arg} (see --help)` }
      current = option
      currentValue = undefined
      if (option.arg === undefined) {
        if (inline !== undefined) throw new Invalid(`${name(option)} takes no value`)
        option.apply("", settings, warnings, given.has(option))
        given.add(option)
        continue
      }
      const value = inline ?? argv[++i]
      currentValue = value
      if (value === undefined) throw new Invalid(`missing value`)
      option.apply(value, settings, warnings, given.has(option))
      given.add(option)
    }
    current = undefined
    const specified = env["EFFCACHED_PROTOCOL"] !== undefined || argv.some((a) => /^(-B|--protocol)/.test(a))
    const protocol = resolveProtocol(settings.protocol, specified, settings.sasl, settings.authFile !== null)
    if (typeof protocol !== "string") throw new Invalid(protocol.error)
    settings.protocol = protocol
    if (settings.sasl && settings.saslPwdb === null) throw new Invalid("-S needs --sasl-pwdb or MEMCACHED_SASL_PWDB")
    const listen = parseListen(settings.host, settings.port, settings.tls.enabled)
    if (typeof listen === "string") throw new Invalid(`invalid -l/--listen ${JSON.stringify(settings.host)}: ${listen}`)
    if (settings.authFile !== null && listen.some((l) => !l.tls && !isLoopback(l.host))) {
      warnings.push("-Y on a listener without TLS: passwords cross the network in clear text (see docs/security.md)")
    }
    if (settings.maxItemSize > settings.memoryLimit / 2) {
      throw new Invalid(
        `cannot set the item size limit (${settings.maxItemSize} bytes) higher than half the memory limit (-m)`
      )
    }
  } catch (e) {
    if (!(e instanceof Invalid)) throw e
    if (current === undefined) return { _tag: "Invalid", message: e.message }
    const given = currentValue !== undefined ? ` ${JSON.stringify(currentValue)}` : ""
    return { _tag: "Invalid", message: `invalid ${name(current)}${given}: ${e.message}` }
  }
  return { _tag: "Run", settings, warnings }
}
