/** `misalign report DIR`: a thin layer over reports/report.ts (a sweep folder) and reports/run-report.ts (a run folder). */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { MisalignError } from '../common/errors.js';
import { FILES } from '../experiments/run-dir.js';
import { writeReport } from '../reports/report.js';
import { runReport } from '../reports/run-report.js';
import type { CliIo } from './io.js';
import { readSweepTime } from '../sweeps/invocations.js';
import { SWEEP_FILES } from '../sweeps/sweep.js';
import { formatSummary } from './sweep.js';

const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );

/** What `dir` holds: a sweep (a grids/ folder), one run (a config.json), or neither. */
export async function reportKind(dir: string): Promise<'sweep' | 'run' | null> {
  if (await exists(join(dir, SWEEP_FILES.grids))) return 'sweep';
  if (await exists(join(dir, FILES.config))) return 'run';
  return null;
}

export function registerReport(program: Command, io: CliIo): void {
  program
    .command('report <dir>')
    .description(
      "a sweep's heatmaps (SVG and PNG), ablation tables and one HTML page, in DIR/report/; " +
        "for one run's folder, its loss curve and factor scores (SVG and PNG) and DIR/index.html",
    )
    .action(async (dir: string) => {
      const kind = await reportKind(dir);
      if (kind === null) throw new MisalignError('FILE_MISSING', `${dir} holds no sweep (no ${SWEEP_FILES.grids}/ folder) and no run (no ${FILES.config})`);
      if (kind === 'run') {
        const { figures, finished, page } = await runReport(dir);
        io.out(
          `report: ${figures.length === 0 ? 'no figures' : `${figures.join(' and ')} (SVG and PNG)`}${finished ? '' : ' of an unfinished run'} and ${page}\n`,
        );
        return;
      }
      const { dir: out, figures, summary } = await writeReport(dir);
      io.out(formatSummary(summary, dir, await readSweepTime(dir)));
      io.out(`report: ${figures.length} heatmaps (SVG and PNG) and ${out}/index.html\n`);
    });
}
