/**
 * `npm run bench -- [suite ...] [--json]`: runs the named suites (all by
 * default) and prints each row's time, its baseline and the ratio.
 */
import { convBench } from './conv.js';
import { dataBench } from './data.js';
import { imageBench } from './image.js';
import { kernelsBench } from './kernels.js';
import { lossFormsBench } from './loss-forms.js';
import { stepPartsBench } from './step-parts.js';
import { trainBench } from './train.js';
import { print, type BenchRow } from './harness.js';

const SUITES: Record<string, () => Promise<BenchRow[]>> = {
  data: dataBench,
  kernels: kernelsBench,
  train: trainBench,
  parts: stepPartsBench,
  image: imageBench,
  conv: convBench,
  'loss-forms': lossFormsBench,
};

const args = process.argv.slice(2);
const json = args.includes('--json');
const names = args.filter((a) => a !== '--json');
const unknown = names.filter((n) => !(n in SUITES));
if (unknown.length > 0) {
  process.stderr.write(`bench: unknown suite '${unknown[0]}' (suites: ${Object.keys(SUITES).join(', ')})\n`);
  process.exit(2);
}
const rows: BenchRow[] = [];
for (const name of names.length > 0 ? names : Object.keys(SUITES)) rows.push(...(await SUITES[name]!()));
print(rows, json);
