/** `misalign report DIR`: a thin layer over reports/report.ts. */
import type { Command } from 'commander';
import { writeReport } from '../reports/report.js';
import type { CliIo } from './io.js';
import { readSweepTime } from '../sweeps/invocations.js';
import { formatSummary } from './sweep.js';

export function registerReport(program: Command, io: CliIo): void {
  program
    .command('report <dir>')
    .description("a sweep's heatmaps (SVG and PNG), ablation tables and one HTML page, in DIR/report/")
    .action(async (dir: string) => {
      const { dir: out, figures, summary } = await writeReport(dir);
      io.out(formatSummary(summary, dir, await readSweepTime(dir)));
      io.out(`report: ${figures.length} heatmaps (SVG and PNG) and ${out}/index.html\n`);
    });
}
