import type { RunReport } from '../simulations/simulate.js';

/** What `simulate` and the baselines both print: a per-site table, and with --json one JSON line last. */
export function printReport(report: RunReport, json: boolean): void {
  const rows = report.sites.map((s) => [s.site, String(s.n_train), String(s.n_test), s.accuracy.toFixed(4)]);
  rows.push(['mean of sites', '', '', report.mean_site_accuracy.toFixed(4)]);
  rows.push(['pooled test', String(sum(report.sites, 'n_train')), String(sum(report.sites, 'n_test')), report.pooled_accuracy.toFixed(4)]);
  const header = ['site', 'train', 'test', 'accuracy'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log([line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n'));
  if (json) console.log(JSON.stringify(report));
}

function sum(sites: RunReport['sites'], key: 'n_train' | 'n_test'): number {
  return sites.reduce((n, s) => n + s[key], 0);
}
