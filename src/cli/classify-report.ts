/**
 * The `eval:classify` report: one JSON object for scripts (keys `accuracy`, `macroF1`, `perClass`,
 * `confusions`, `ece`, plus baselines) and the same numbers as a self-contained HTML page.
 */
import { escapeHtml } from '../mail/html.js';
import type { Evaluation } from '../models/classifier/index.js';

const round = (value: number, digits = 4) => Number(value.toFixed(digits));

export interface Scores {
  accuracy: number;
  macroF1: number;
}

export function scores(report: Evaluation): Scores {
  return { accuracy: round(report.accuracy), macroF1: round(report.macroF1) };
}

/** The JSON keys the issue tracker, CI and the docs rely on. */
export function reportJson(report: Evaluation) {
  return {
    ...scores(report),
    ece: round(report.ece),
    n: report.n,
    perClass: Object.fromEntries(
      report.perLabel.map((m) => [
        m.label,
        {
          precision: round(m.precision),
          recall: round(m.recall),
          f1: round(m.f1),
          support: m.support,
        },
      ]),
    ),
    confusions: report.confusedPairs.map((pair) => ({ ...pair })),
    unknownLabels: report.unknownLabels,
  };
}

const pct = (value: number) => `${(value * 100).toFixed(1)}%`;

export function reportHtml(input: {
  title: string;
  field: string;
  report: Evaluation;
  baselines: Record<string, Scores>;
  timing: { trainMs: number; predictP50Us: number };
}): string {
  const { report } = input;
  const baselineRows = Object.entries(input.baselines)
    .map(
      ([name, s]) =>
        `<tr><td>${escapeHtml(name)}</td><td>${pct(s.accuracy)}</td><td>${s.macroF1.toFixed(3)}</td></tr>`,
    )
    .join('');
  const classRows = [...report.perLabel]
    .sort((a, b) => a.f1 - b.f1)
    .map(
      (m) =>
        `<tr><td>${escapeHtml(m.label)}</td><td>${pct(m.precision)}</td><td>${pct(m.recall)}</td><td>${m.f1.toFixed(3)}</td><td>${m.support}</td></tr>`,
    )
    .join('');
  const confusionRows = report.confusedPairs
    .map(
      (p) =>
        `<tr><td>${escapeHtml(p.gold)}</td><td>${escapeHtml(p.predicted)}</td><td>${p.count}</td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(input.title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2rem;max-width:60rem}table{border-collapse:collapse;margin:1rem 0}
td,th{border:1px solid #ccc;padding:.25rem .6rem;text-align:left}th{background:#f4f4f4}</style></head>
<body><h1>${escapeHtml(input.title)}</h1>
<p>Field <b>${escapeHtml(input.field)}</b> · ${report.n} held-out examples · accuracy <b>${pct(report.accuracy)}</b> ·
macro-F1 <b>${report.macroF1.toFixed(3)}</b> · calibration error (ECE) ${report.ece.toFixed(3)} ·
trained in ${input.timing.trainMs} ms · predict p50 ${input.timing.predictP50Us} µs</p>
<h2>Against baselines</h2>
<table><tr><th>predictor</th><th>accuracy</th><th>macro-F1</th></tr>
<tr><td>model</td><td>${pct(report.accuracy)}</td><td>${report.macroF1.toFixed(3)}</td></tr>${baselineRows}</table>
<h2>Per class (weakest first)</h2>
<table><tr><th>label</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>${classRows}</table>
<h2>Most confused pairs</h2>
<table><tr><th>gold</th><th>predicted</th><th>count</th></tr>${confusionRows}</table>
</body></html>
`;
}
