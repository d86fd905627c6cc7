/**
 * Line charts as hand-written SVG (no dependency): several series on the same axes, a legend, ticks
 * at round numbers. Used for throughput and p99 latency against connections, one line per server.
 *
 * @module
 */

/** One line of a chart: its name in the legend and its (x, y) points. */
export interface ChartSeries {
  readonly name: string
  readonly points: ReadonlyArray<readonly [x: number, y: number]>
}

/** What to draw. */
export interface ChartSpec {
  readonly title: string
  /** A smaller line under the title: how the figures were measured. */
  readonly subtitle?: string
  readonly xLabel: string
  readonly yLabel: string
  readonly series: ReadonlyArray<ChartSeries>
}

const WIDTH = 720
const HEIGHT = 420
const MARGIN = { left: 80, right: 150, top: 60, bottom: 56 } as const
const PALETTE: Record<string, string> = { effcached: "#1f77b4", memcached: "#ff7f0e", nodeceiling: "#7f7f7f" }
const FALLBACK = ["#2ca02c", "#d62728", "#9467bd", "#8c564b"]

/** Escapes text for XML content and attribute values. */
export const escapeXml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&apos;" })[c]!)

/** A round step (1, 2, 2.5 or 5 times a power of ten) giving about `count` intervals over `span`. */
export const niceStep = (span: number, count: number): number => {
  if (!(span > 0)) return 1
  const raw = span / count
  const power = 10 ** Math.floor(Math.log10(raw))
  const f = raw / power
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * power
}

/** Tick values from `low` to at least `high`, at a round step. */
export const ticks = (low: number, high: number, count: number): ReadonlyArray<number> => {
  const step = niceStep(high - low, count)
  const first = Math.floor(low / step) * step
  const out: Array<number> = []
  for (let v = first; v < high + step / 2; v += step) out.push(Number(v.toPrecision(12)))
  if (out[out.length - 1]! < high) out.push(Number((out[out.length - 1]! + step).toPrecision(12)))
  return out
}

/** A short label for a tick: 1.5k, 2M, 250. */
export const tickLabel = (v: number): string => {
  const abs = Math.abs(v)
  const short = (n: number, unit: string) => `${Number(n.toFixed(2))}${unit}`
  return abs >= 1e6 ? short(v / 1e6, "M") : abs >= 1e3 ? short(v / 1e3, "k") : short(v, "")
}

const f = (n: number) => Number(n.toFixed(1))

/** Renders the chart as a standalone SVG document. */
export const lineChart = (spec: ChartSpec): string => {
  const all = spec.series.flatMap((s) => s.points)
  const xs = all.map(([x]) => x)
  const ys = all.map(([, y]) => y).filter(Number.isFinite)
  let xMin = xs.length > 0 ? Math.min(...xs) : 0
  let xMax = xs.length > 0 ? Math.max(...xs) : 1
  if (xMin === xMax) [xMin, xMax] = [xMin - 1, xMax + 1]
  const yTicks = ticks(0, ys.length > 0 ? Math.max(...ys, Number.MIN_VALUE) : 1, 5)
  const yMax = yTicks[yTicks.length - 1]!
  const xTicks = [...new Set(xs)].sort((a, b) => a - b)
  const plotW = WIDTH - MARGIN.left - MARGIN.right
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom
  const px = (x: number) => f(MARGIN.left + ((x - xMin) / (xMax - xMin)) * plotW)
  const py = (y: number) => f(MARGIN.top + plotH - (y / yMax) * plotH)
  const bottom = MARGIN.top + plotH
  const right = MARGIN.left + plotW

  const lines: Array<string> = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(spec.title)}</title>`,
    `<rect x="0" y="0" width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${
      escapeXml(spec.title)
    }</text>`
  ]
  if (spec.subtitle !== undefined) {
    lines.push(`<text x="${WIDTH / 2}" y="42" text-anchor="middle" fill="#555555">${escapeXml(spec.subtitle)}</text>`)
  }
  for (const y of yTicks) {
    lines.push(`<line x1="${MARGIN.left}" y1="${py(y)}" x2="${right}" y2="${py(y)}" stroke="#e0e0e0"/>`)
    lines.push(`<text x="${MARGIN.left - 8}" y="${py(y) + 4}" text-anchor="end">${escapeXml(tickLabel(y))}</text>`)
  }
  for (const x of xTicks) {
    lines.push(`<line x1="${px(x)}" y1="${bottom}" x2="${px(x)}" y2="${bottom + 5}" stroke="#333333"/>`)
    lines.push(`<text x="${px(x)}" y="${bottom + 20}" text-anchor="middle">${escapeXml(tickLabel(x))}</text>`)
  }
  lines.push(`<line x1="${MARGIN.left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="#333333"/>`)
  lines.push(`<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${bottom}" stroke="#333333"/>`)
  lines.push(
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 14}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`
  )
  lines.push(
    `<text x="18" y="${MARGIN.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 18 ${
      MARGIN.top + plotH / 2
    })">${escapeXml(spec.yLabel)}</text>`
  )
  spec.series.forEach((series, i) => {
    const color = PALETTE[series.name] ?? FALLBACK[i % FALLBACK.length]!
    const points = series.points.filter(([, y]) => Number.isFinite(y))
    const name = escapeXml(series.name)
    lines.push(`<g class="series" data-name="${name}">`)
    lines.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2" points="${
        points.map(([x, y]) => `${px(x)},${py(y)}`).join(" ")
      }"/>`
    )
    for (const [x, y] of points) {
      lines.push(
        `<circle cx="${px(x)}" cy="${py(y)}" r="3.5" fill="${color}"><title>${name}: ${
          escapeXml(tickLabel(y))
        } at ${x}</title></circle>`
      )
    }
    lines.push(`</g>`)
    const ly = MARGIN.top + 10 + i * 20
    lines.push(`<line x1="${right + 16}" y1="${ly}" x2="${right + 40}" y2="${ly}" stroke="${color}" stroke-width="3"/>`)
    lines.push(`<text x="${right + 46}" y="${ly + 4}">${name}</text>`)
  })
  lines.push(`</svg>`)
  return lines.join("\n") + "\n"
}
