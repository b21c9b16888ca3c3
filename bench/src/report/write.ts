// Writes the report files for one results file: docs/benchmarks.md and the chart it shows.
import { writeFileSync } from 'node:fs';
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
  writeFileSync(md, renderMarkdown(report, source, 'benchmarks.svg', commandRtt) + '\n');
  return [md, svg];
}
