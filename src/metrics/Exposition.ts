/**
 * The Prometheus text exposition format (version 0.0.4), written by hand: metric families in, text
 * out. It is a small, stable format (HELP and TYPE lines, one sample per line, three escapes), and
 * effcached renders a snapshot per scrape rather than keeping live metric objects, so a client library
 * (prom-client: mutable metrics in a global registry, collected asynchronously) would be more machinery
 * than the format itself. The tests parse the output with Prometheus's own Python client parser.
 *
 * @module
 */

/** The Content-Type of the text format. */
export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

/** The metric types of the text format. */
export type MetricType = "counter" | "gauge" | "histogram" | "summary" | "untyped"

/** Label names and values of one sample. */
export type Labels = Readonly<Record<string, string>>

/** One sample of a family: `suffix` is appended to the family name (`_bucket`, `_sum`, `_count`). */
export interface Sample {
  readonly suffix?: string
  readonly labels?: Labels
  readonly value: number
}

/** A metric family: a name, its help text, its type and its samples. */
export interface Family {
  readonly name: string
  readonly help: string
  readonly type: MetricType
  readonly samples: ReadonlyArray<Sample>
}

/** A family, for building families tersely. */
export const family = (name: string, type: MetricType, help: string, samples: ReadonlyArray<Sample>): Family => ({
  name,
  type,
  help,
  samples
})

/** One unlabelled sample. */
export const single = (name: string, type: MetricType, help: string, value: number): Family =>
  family(name, type, help, [{ value }])

const escapeHelp = (text: string): string => text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")

const escapeLabel = (value: string): string => value.replace(/\\/g, "\\\\").replace(/"/g, "\\\"").replace(/\n/g, "\\n")

/** A sample value as the format writes it: Go's float syntax, with NaN and +Inf/-Inf spelled out. */
export const formatValue = (value: number): string => {
  if (Number.isNaN(value)) return "NaN"
  if (value === Infinity) return "+Inf"
  if (value === -Infinity) return "-Inf"
  return String(value)
}

const formatLabels = (labels: Labels | undefined): string => {
  if (labels === undefined) return ""
  const names = Object.keys(labels)
  if (names.length === 0) return ""
  return `{${names.map((name) => `${name}="${escapeLabel(labels[name]!)}"`).join(",")}}`
}

/** The text of some families; a family without samples is left out. */
export const render = (families: ReadonlyArray<Family>): string => {
  const lines: Array<string> = []
  for (const f of families) {
    if (f.samples.length === 0) continue
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`)
    for (const s of f.samples) lines.push(`${f.name}${s.suffix ?? ""}${formatLabels(s.labels)} ${formatValue(s.value)}`)
  }
  lines.push("")
  return lines.join("\n")
}

/**
 * The samples of a histogram: one cumulative `_bucket` per upper bound, then `+Inf`, `_sum` and
 * `_count`. `counts[i]` is the number of observations in bucket i alone (not cumulative); the last
 * entry, past the bounds, is the overflow.
 */
export const histogramSamples = (
  bounds: ReadonlyArray<number>,
  counts: ArrayLike<number>,
  sum: number,
  labels: Labels = {}
): Array<Sample> => {
  const samples: Array<Sample> = []
  let cumulative = 0
  for (let i = 0; i < bounds.length; i++) {
    cumulative += counts[i]!
    samples.push({ suffix: "_bucket", labels: { ...labels, le: formatValue(bounds[i]!) }, value: cumulative })
  }
  cumulative += counts[bounds.length] ?? 0
  samples.push(
    { suffix: "_bucket", labels: { ...labels, le: "+Inf" }, value: cumulative },
    { suffix: "_sum", labels, value: sum },
    { suffix: "_count", labels, value: cumulative }
  )
  return samples
}
