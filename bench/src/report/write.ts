// Writes the report files for one results file: docs/benchmarks.md and the chart it shows.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { renderChart } from './chart.js';
import { readCommandRtt } from './command-rtt.js';
import { renderMarkdown } from './markdown.js';
import type { BenchReport } from './model.js';

export type { BenchReport } from './model.js';

/** Writes benchmarks.md and benchmarks.svg into `docsDir`; returns the paths written. */
export function writeReport(report: BenchReport, docsDir: string, resultsFile: string): string[] {
  const md = join(docsDir, 'benchmarks.md');
  const svg = join(docsDir, 'benchmarks.svg');
  // Repository-relative, so the page names its source without a machine path.
  const source = relative(join(docsDir, '..'), resultsFile);
  writeFileSync(svg, renderChart(report));
  const commandRtt = readCommandRtt(join(resultsFile, '..', 'command-rtt.json'));
  writeFileSync(md, renderMarkdown(report, source, 'benchmarks.svg', commandRtt) + '\n' + keptSections(md));
  return [md, svg];
}

/** Sections that separate scenarios (`npm run bench:search`) write between markers: kept as they are. */
export const KEPT_SECTION = /<!-- kept:(\w+) -->[\s\S]*?<!-- \/kept:\1 -->\n?/g;

function keptSections(md: string): string {
  if (!existsSync(md)) return '';
  const kept = readFileSync(md, 'utf8').match(KEPT_SECTION) ?? [];
  return kept.map((k) => `\n${k.trimEnd()}\n`).join('');
}

/** Writes (or replaces) the kept section `name` at the end of docs/benchmarks.md. */
export function writeKeptSection(docsDir: string, name: string, body: string): string {
  const md = join(docsDir, 'benchmarks.md');
  const block = `<!-- kept:${name} -->\n${body.trimEnd()}\n<!-- /kept:${name} -->\n`;
  const current = existsSync(md) ? readFileSync(md, 'utf8') : '';
  const marker = new RegExp(`<!-- kept:${name} -->[\\s\\S]*?<!-- \\/kept:${name} -->\\n?`);
  writeFileSync(md, marker.test(current) ? current.replace(marker, block) : `${current.trimEnd()}\n\n${block}`);
  return md;
}
