/**
 * The campaign's report as text: the totals, the differences accepted and why, and every finding with
 * the command that replays it and both servers' replies.
 *
 * @module
 */
import { rules } from "./Allowlist.js"
import type { CampaignReport, Finding } from "./Campaign.js"
import type { Outcome } from "./Exchange.js"
import type { FuzzInput } from "./Generator.js"

const LIMIT = 3000

/** Bytes as a JSON string (escapes show CR, LF, NUL and high bytes), cut at `limit` characters. */
export const show = (bytes: Buffer, limit = LIMIT): string => {
  const text = JSON.stringify(bytes.toString("latin1"))
  return text.length <= limit ? text : `${text.slice(0, limit)}... (${bytes.length} bytes in all)`
}

/** How to run an input again. */
export const replayCommand = (input: FuzzInput): string =>
  `npm run fuzz -- --seed ${input.seed} --replay ${input.index}`

/** An input and what each server answered to it. */
export const describeExchange = (input: FuzzInput, effcached: Outcome, memcached: Outcome, limit = LIMIT): string =>
  [
    `  input ${input.index} (${input.style}, ${input.bytes.length} bytes, written in ${input.cuts.length + 1} pieces` +
    `${input.exclusive ? ", alone" : ""}): ${show(input.bytes, limit)}`,
    `  memcached (${memcached.end}, ${memcached.ms.toFixed(0)} ms): ${show(memcached.bytes, limit)}`,
    `  effcached (${effcached.end}, ${effcached.ms.toFixed(0)} ms): ${show(effcached.bytes, limit)}`
  ].join("\n")

/** One finding, with its replay command. */
export const describeFinding = (finding: Finding, n: number): string => {
  const head = `finding ${n}: ${finding.kind}`
  if (finding.input === undefined) return `${head}\n  ${finding.detail}`
  return [
    `${head} on input ${finding.input.index}`,
    `  replay: ${replayCommand(finding.input)}`,
    describeExchange(finding.input, finding.effcached!, finding.memcached!)
  ].join("\n")
}

/** The whole report. */
export const describeReport = (report: CampaignReport): string => {
  const seconds = report.ms / 1000
  const styles = Object.entries(report.byStyle).map(([style, n]) => `${style} ${n}`).join(", ")
  const lines = [
    `seed ${report.seed}: ${report.inputs} inputs (${styles}), ${report.commands} commands, ` +
    `${(report.bytes / 1024 / 1024).toFixed(1)} MB in ${seconds.toFixed(1)} s ` +
    `(${(report.inputs / Math.max(seconds, 0.001)).toFixed(0)} inputs/s); ` +
    `${report.sentinelChecks} sentinel checks`,
    `identical replies on ${report.same} inputs (${(100 * report.same / Math.max(report.inputs, 1)).toFixed(1)}%)`
  ]
  for (const [names, n] of Object.entries(report.allowed).sort(([, a], [, b]) => b - a)) {
    lines.push(`accepted ${n} x ${names}`)
  }
  const used = rules.filter((rule) =>
    Object.keys(report.allowed).some((names) => names.split(" + ").includes(rule.name))
  )
  for (const rule of used) lines.push(`  ${rule.name}: ${rule.reason}`)
  if (report.unstable.length > 0) {
    lines.push(
      `unstable (differed, then agreed on fresh keys or replayed alone; replay to look): ` +
        report.unstable.map((u) => `${u.index} ${u.kind}`).join(", ")
    )
  }
  for (const crash of report.memcachedCrashes) {
    lines.push(
      `memcached ${crash.exited} while inputs ${crash.inputs.join(", ")} ran; they ran again on a fresh memcached`
    )
  }
  if (report.stopped !== undefined) lines.push(`stopped early: ${report.stopped}`)
  lines.push(`${report.findings.length} finding(s)`)
  report.findings.forEach((f, i) => lines.push(describeFinding(f, i + 1)))
  return lines.join("\n")
}
