import { describe, expect, test } from "vitest";
import { escapeHelp, escapeLabelValue, formatValue, renderPrometheus } from "../../shared/prometheus.ts";
import { metricFamilies } from "../../shared/schemas.ts";

describe("Prometheus text exposition", () => {
  test("HELP and TYPE precede each family's samples; the body ends with a newline", () => {
    const text = renderPrometheus([
      { name: "sambatan_campaigns", type: "gauge", help: "Campaigns by status.", samples: [
        { labels: { status: "active" }, value: 3 },
        { labels: { status: "locked" }, value: 0 },
      ] },
      { name: "sambatan_slots_sold", type: "gauge", help: "Slots held.", samples: [{ labels: {}, value: 12 }] },
    ]);
    expect(text).toBe([
      "# HELP sambatan_campaigns Campaigns by status.",
      "# TYPE sambatan_campaigns gauge",
      'sambatan_campaigns{status="active"} 3',
      'sambatan_campaigns{status="locked"} 0',
      "# HELP sambatan_slots_sold Slots held.",
      "# TYPE sambatan_slots_sold gauge",
      "sambatan_slots_sold 12",
      "",
    ].join("\n"));
  });

  test("a summary's samples carry their _sum and _count suffixes under one TYPE line", () => {
    const text = renderPrometheus([{ name: "sambatan_job_duration_seconds", type: "summary", help: "Durations.", samples: [
      { suffix: "_count", labels: { job: "sambatan.lifecycle" }, value: 4 },
      { suffix: "_sum", labels: { job: "sambatan.lifecycle" }, value: 0.125 },
    ] }]);
    expect(text.split("\n")).toEqual([
      "# HELP sambatan_job_duration_seconds Durations.",
      "# TYPE sambatan_job_duration_seconds summary",
      'sambatan_job_duration_seconds_count{job="sambatan.lifecycle"} 4',
      'sambatan_job_duration_seconds_sum{job="sambatan.lifecycle"} 0.125',
      "",
    ]);
  });

  test("label values escape backslash, double quote and newline; HELP escapes backslash and newline", () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(escapeHelp('one\\two\nthree "quoted"')).toBe('one\\\\two\\nthree "quoted"');
    const text = renderPrometheus([{ name: "m", type: "counter", help: "x\ny", samples: [{ labels: { job: 'we"ird\\job\n' }, value: 1 }] }]);
    expect(text).toBe('# HELP m x\\ny\n# TYPE m counter\nm{job="we\\"ird\\\\job\\n"} 1\n');
  });

  test("several labels, and the special values by name", () => {
    const text = renderPrometheus([{ name: "m", type: "gauge", help: "h", samples: [{ labels: { job: "a", status: "failed" }, value: Infinity }] }]);
    expect(text).toContain('m{job="a",status="failed"} +Inf');
    expect([NaN, -Infinity, 0, -2.5, 1e21].map(formatValue)).toEqual(["NaN", "-Inf", "0", "-2.5", "1e+21"]);
  });

  test("a family without samples still says what it is", () => {
    expect(renderPrometheus([{ name: "m", type: "counter", help: "h", samples: [] }])).toBe("# HELP m h\n# TYPE m counter\n");
    expect(renderPrometheus([])).toBe("");
  });

  test.each([
    ["a metric name with a dash", { name: "bad-name", labels: {} }],
    ["a label name with a dot", { name: "m", labels: { "job.name": "x" } }],
    ["a reserved label name", { name: "m", labels: { __name__: "x" } }],
  ])("refuses %s (the scrape would not parse)", (_what, { name, labels }) => {
    expect(() => renderPrometheus([{ name, type: "gauge", help: "h", samples: [{ labels, value: 1 }] }])).toThrow();
  });

  test("refuses a family named twice", () => {
    const family = { name: "m", type: "gauge" as const, help: "h", samples: [] };
    expect(() => renderPrometheus([family, family])).toThrow(/twice/);
  });

  test("the RPC's answer is checked before rendering", () => {
    expect(metricFamilies.safeParse([{ name: "m", type: "gauge", help: "h", samples: [{ labels: { a: "b" }, value: 1 }] }]).success).toBe(true);
    expect(metricFamilies.safeParse([{ name: "m", type: "meter", help: "h", samples: [] }]).success).toBe(false);
    expect(metricFamilies.safeParse([{ name: "m", type: "gauge", help: "h", samples: [{ labels: { a: 1 }, value: 1 }] }]).success).toBe(false);
  });
});
