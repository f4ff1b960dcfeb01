import type { RunReport, SimulationReport } from '../simulations/simulate.js';

/** What `simulate` and the baselines both print: a per-site table, and with --json one JSON line last. */
export function printReport(report: RunReport & Partial<SimulationReport>, json: boolean): void {
  // Differentially private runs add each clinic's total epsilon (its ledger, at its cap's delta).
  const spent = report.privacy_spent && new Map(report.privacy_spent.map((p) => [p.site, p]));
  const privacy = (site: string) => (spent ? [`${spent.get(site)!.epsilon.toFixed(4)} (${spent.get(site)!.delta})`] : []);
  const metric = (value: number | null | undefined) => (value === null || value === undefined ? 'n/a' : value.toFixed(4));
  const rows = report.sites.map((s) => [s.site, String(s.n_train), String(s.n_test), metric(s[report.metric]), ...privacy(s.site)]);
  rows.push(['mean of sites', '', '', metric(report.mean_site_metric), ...(spent ? [''] : [])]);
  rows.push(['pooled test', String(sum(report.sites, 'n_train')), String(sum(report.sites, 'n_test')), metric(report.pooled_metric), ...(spent ? [''] : [])]);
  const header = ['site', 'train', 'test', report.metric === 'c_index' ? 'C-index' : 'accuracy', ...(spent ? ['epsilon (delta)'] : [])];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log([line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n'));
  if (report.coefficients) console.log(`\n${coefficientLines(report.coefficients).join('\n')}`);
  if (json) console.log(JSON.stringify(report));
}

/** A Cox fit's coefficients as a table: estimate, standard error, hazard ratio and its 95% interval. */
export function coefficientLines(rows: NonNullable<SimulationReport['coefficients']>): string[] {
  const header = ['covariate', 'coef', 'se', 'hazard ratio', '95% CI'];
  const cells = rows.map((r) => [r.name, r.coef.toFixed(6), r.se.toFixed(6), r.hazard_ratio.toFixed(4), `${r.ci_low.toFixed(4)} to ${r.ci_high.toFixed(4)}`]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (row: string[]) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)];
}

function sum(sites: RunReport['sites'], key: 'n_train' | 'n_test'): number {
  return sites.reduce((n, s) => n + s[key], 0);
}
