/**
 * Parsing the Prometheus text format with a real parser: the official Python client's
 * `text_string_to_metric_families` (Debian's python3-prometheus-client), run as a child process.
 */
import { spawnSync } from "node:child_process"
import { pythonHas, systemPython } from "./processes.js"
import { requireTool } from "./servers.js"

/** One parsed sample. */
export interface ParsedSample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

/** One parsed family: the parser's name (a counter's without `_total`), type, help and samples. */
export interface ParsedFamily {
  readonly name: string
  readonly type: string
  readonly help: string
  readonly samples: ReadonlyArray<ParsedSample>
}

// Values go out as strings so NaN and infinities survive JSON.
const script = `
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for f in text_string_to_metric_families(sys.stdin.read()):
    out.append({"name": f.name, "type": f.type, "help": f.documentation,
                "samples": [{"name": s.name, "labels": s.labels, "value": repr(float(s.value))} for s in f.samples]})
print(json.dumps(out))
`

/** Whether the parser is installed; under CI=true its absence fails the suite. */
export const hasPrometheusParser = (): boolean =>
  requireTool(`prometheus_client (python3-prometheus-client for ${systemPython})`, pythonHas("prometheus_client"))

const toNumber = (raw: string): number => (raw === "inf" ? Infinity : raw === "-inf" ? -Infinity : Number(raw))

/** Parses exposition text; throws with the parser's error when it rejects the text. */
export const parsePrometheus = (text: string): Array<ParsedFamily> => {
  const run = spawnSync(systemPython, ["-c", script], { input: text, encoding: "utf8" })
  if (run.status !== 0) throw new Error(`prometheus_client rejected the text: ${run.stderr}`)
  type Raw = Omit<ParsedFamily, "samples"> & { samples: Array<Omit<ParsedSample, "value"> & { value: string }> }
  const families = JSON.parse(run.stdout) as Array<Raw>
  return families.map((f) => ({ ...f, samples: f.samples.map((s) => ({ ...s, value: toNumber(s.value) })) }))
}

/** The value of the sample named `name` with exactly these labels, or undefined. */
export const sampleValue = (
  families: ReadonlyArray<ParsedFamily>,
  name: string,
  labels: Readonly<Record<string, string>> = {}
): number | undefined => {
  const wanted = JSON.stringify(Object.entries(labels).sort())
  for (const f of families) {
    for (const s of f.samples) {
      if (s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === wanted) return s.value
    }
  }
  return undefined
}
