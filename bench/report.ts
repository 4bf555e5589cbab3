/**
 * The bench report: bench/results/report.html, one bar chart (SVG) per figure — Airlock next
 * to its anchor from the same run — with the goal and whether it was met. Written after every
 * full run from that day's results file; no scripts, no external assets.
 */
import type { BenchFigure } from './harness'

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en') : n.toPrecision(3))

function chart(f: BenchFigure): string {
  const rows = [
    { label: 'Airlock', value: f.airlock.value, unit: f.airlock.unit, color: '#2563eb' },
    ...(f.anchor
      ? [{ label: f.anchor.name, value: f.anchor.value, unit: f.anchor.unit, color: '#9ca3af' }]
      : [])
  ]
  const max = Math.max(...rows.map((r) => r.value), 1e-9)
  const width = 560
  const bars = rows
    .map((r, i) => {
      const w = Math.max(2, (r.value / max) * (width - 10))
      const y = 8 + i * 44
      return `<rect x="0" y="${y}" width="${w.toFixed(1)}" height="18" fill="${r.color}" rx="3"/>
<text x="0" y="${y + 32}" font-size="12" fill="#111">${esc(r.label)}: ${esc(fmt(r.value))} ${esc(r.unit)}</text>`
    })
    .join('\n')
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${rows.length * 44 + 8}" role="img" aria-label="${esc(f.name)}">${bars}</svg>`
}

/** The HTML page for one results file. */
export function renderReport(
  date: string,
  machine: string,
  results: Record<string, BenchFigure[]>
): string {
  const sections = Object.entries(results)
    .map(
      ([bench, figures]) =>
        `<h2>${esc(bench)}</h2>\n` +
        figures
          .map(
            (f) => `<figure>
<figcaption><b>${esc(f.name)}</b> — goal ${esc(f.goal)}: <span class="${f.pass ? 'pass' : 'short'}">${f.pass ? 'met' : 'short'}</span>${f.ratio === undefined ? '' : ` · ratio ${f.ratio.toFixed(2)}× (> 1: Airlock better)`}</figcaption>
${chart(f)}
</figure>`
          )
          .join('\n')
    )
    .join('\n')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Airlock benchmarks ${esc(date.slice(0, 10))}</title>
<style>body{font:14px system-ui,sans-serif;max-width:760px;margin:2em auto;color:#111}
figure{margin:1.2em 0;padding:.6em .8em;border:1px solid #e5e7eb;border-radius:6px}
.pass{color:#15803d;font-weight:600}.short{color:#b91c1c;font-weight:600}</style></head>
<body><h1>Airlock benchmarks</h1>
<p>${esc(date)} · ${esc(machine)}. Every figure is measured side by side with its anchor in the same run
(<code>npm run bench</code>); medians of repeated runs where repeated.</p>
${sections}
</body></html>
`
}
