// Prometheus text exposition format (version 0.0.4) for metric families computed
// elsewhere (the `metrics` RPC). Escaping follows the format's rules: label values
// escape backslash, double quote and newline; HELP text escapes backslash and newline.

export type MetricType = "counter" | "gauge" | "summary" | "histogram" | "untyped";

export interface Sample {
  labels: Record<string, string>;
  value: number;
  /** Appended to the family's name: `_sum` and `_count` for a summary's parts. */
  suffix?: string;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help: string;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function escapeLabelValue(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

export function escapeHelp(text: string): string {
  return text.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
}

/** Go's float formatting as Prometheus parses it: integers plain, and the three specials by name. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

function sampleLine(family: MetricFamily, sample: Sample): string {
  const name = family.name + (sample.suffix ?? "");
  if (!METRIC_NAME.test(name)) throw new Error(`invalid metric name ${JSON.stringify(name)}`);
  const labels = Object.entries(sample.labels).map(([key, value]) => {
    // A bad name would make the whole scrape unparsable, so it is a bug to stop at, not to escape.
    if (!LABEL_NAME.test(key) || key.startsWith("__")) throw new Error(`invalid label name ${JSON.stringify(key)} on ${name}`);
    return `${key}="${escapeLabelValue(value)}"`;
  });
  return `${name}${labels.length ? `{${labels.join(",")}}` : ""} ${formatValue(sample.value)}`;
}

/** The families as one scrape body: HELP and TYPE before each family's samples, ending in a newline. */
export function renderPrometheus(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const family of families) {
    if (!METRIC_NAME.test(family.name)) throw new Error(`invalid metric name ${JSON.stringify(family.name)}`);
    // The format allows one HELP/TYPE block per name; a repeat would be rejected by the scraper.
    if (seen.has(family.name)) throw new Error(`metric family ${family.name} appears twice`);
    seen.add(family.name);
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) lines.push(sampleLine(family, sample));
  }
  return lines.length ? `${lines.join("\n")}\n` : "";
}
