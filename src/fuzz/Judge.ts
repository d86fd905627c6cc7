/**
 * The verdict on one input: the same replies from both servers, a difference the allowlist accepts,
 * or a finding (effcached hung, lost the sentinel that follows every input, or answered differently).
 *
 * @module
 */
import { explain } from "./Allowlist.js"
import type { Outcome } from "./Exchange.js"
import { parseReplies, sameReplies } from "./Replies.js"

/** Appended to every input: whether its reply comes back shows whether the connection is still reading commands. */
export const SENTINEL = Buffer.from("\r\nmn\r\n", "latin1")

/** What kind of finding. */
export type Kind = "hang" | "refused" | "lost-sentinel" | "reply"

/** The verdict on one input. */
export type Verdict =
  | { readonly _tag: "Same" }
  | { readonly _tag: "Allowed"; readonly rule: string }
  | { readonly _tag: "Differs"; readonly kind: Kind }

const same: Verdict = { _tag: "Same" }

const answeredSentinel = (units: ReadonlyArray<string>) => units[units.length - 1] === "MN"

/** Compares effcached's outcome with memcached's for the bytes sent (sentinel included). */
export const judge = (sent: Buffer, eff: Outcome, mem: Outcome): Verdict => {
  if (eff.end === "refused") return { _tag: "Differs", kind: "refused" }
  if (eff.end === "timeout" && mem.end !== "timeout") return { _tag: "Differs", kind: "hang" }
  const e = parseReplies(eff.bytes)
  const m = parseReplies(mem.bytes)
  if (sameReplies(e, m)) return same
  const rules = explain({ input: sent, effcached: eff, memcached: mem })
  if (rules !== undefined) return { _tag: "Allowed", rule: rules.map((r) => r.name).join(" + ") }
  return { _tag: "Differs", kind: answeredSentinel(e.units) !== answeredSentinel(m.units) ? "lost-sentinel" : "reply" }
}
