/**
 * `misalign probe` at scale: time and peak memory of probing a large
 * embeddings file (default 1,000,000 × 512 float32, 2 GB, with a 1M-row
 * factors CSV), against the baseline of the same command on files that hold
 * only the rows it reads (--max-rows, default 40,960). The ratio is what the
 * large files cost over the probes' own work; the two runs must give the same
 * metrics (same rows, same seed).
 *
 *   npm run build && npx tsx bench/probe-large.ts [--rows N] [--dim D] [--dir DIR]
 *
 * The files are generated once into DIR (default $TMPDIR/misalign-probe-large,
 * about 2.1 GB; not removed). Each row: a ~ N(0,1) and shape ∈ 0..4 spread over
 * all D columns by fixed random weights, plus noise; colour (text) and b
 * (continuous) are in the factors but not in the embedding; id is ignored.
 * Each probe runs as its own process (the built CLI), which reports its wall
 * time, CPU time and peak resident memory (getrusage's maxrss).
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, rename, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { encodeNpyHeader } from '../src/common/npy.js';
import { Rng } from '../src/common/rng.js';
import { DEFAULT_MAX_ROWS, rowsToRead } from '../src/probes/embedding-files.js';

const { values: args } = parseArgs({
  options: { rows: { type: 'string', default: '1000000' }, dim: { type: 'string', default: '512' }, dir: { type: 'string' } },
});
const N = Number(args.rows);
const D = Number(args.dim);
const dir = args.dir ?? join(tmpdir(), 'misalign-probe-large');
const SEED = 0;

/** The large files and the baseline's (the rows the probe reads), generated in one pass, each written to .tmp and renamed. */
async function generate(): Promise<void> {
  await mkdir(dir, { recursive: true });
  const rng = Rng.fromSeed(11);
  const u = Float64Array.from({ length: D }, () => rng.normal() / Math.sqrt(D));
  const v = Float64Array.from({ length: D }, () => rng.normal() / Math.sqrt(D));
  const read = rowsToRead(N, DEFAULT_MAX_ROWS, SEED);
  const CHUNK = 10_000;
  const header = 'id,a,shape,colour,b\n';
  const emb = createWriteStream(join(dir, 'emb.npy.tmp'));
  const sub = createWriteStream(join(dir, 'emb-read.npy.tmp'));
  const csv = createWriteStream(join(dir, 'factors.csv.tmp'));
  const subCsv = createWriteStream(join(dir, 'factors-read.csv.tmp'));
  const put = (s: ReturnType<typeof createWriteStream>, chunk: Uint8Array | string) =>
    new Promise<void>((resolve, reject) => s.write(chunk, (e) => (e ? reject(e) : resolve())));
  await put(emb, encodeNpyHeader('<f4', [N, D]));
  await put(sub, encodeNpyHeader('<f4', [Math.min(N, read.length), D]));
  await put(csv, header);
  await put(subCsv, header);
  let next = 0;
  const t0 = performance.now();
  for (let start = 0; start < N; start += CHUNK) {
    const rows = Math.min(CHUNK, N - start);
    const block = new Float32Array(rows * D);
    let lines = '';
    let subLines = '';
    const picked: number[] = [];
    for (let i = 0; i < rows; i++) {
      const a = rng.normal();
      const shape = Math.floor(rng.uniform() * 5);
      const colour = ['red', 'green', 'blue'][Math.floor(rng.uniform() * 3)]!;
      const b = rng.uniform();
      for (let j = 0; j < D; j++) block[i * D + j] = 4 * u[j]! * a + 4 * v[j]! * (shape - 2) + 0.5 * rng.normal();
      const line = `${start + i},${a},${shape},${colour},${b}\n`;
      lines += line;
      if (read[next] === start + i) {
        subLines += line;
        picked.push(i);
        next++;
      }
    }
    await put(emb, new Uint8Array(block.buffer));
    await put(csv, lines);
    for (const i of picked) await put(sub, new Uint8Array(block.buffer, i * D * 4, D * 4));
    await put(subCsv, subLines);
    if (start % 100_000 === 0) process.stderr.write(`generating: ${start + rows} of ${N} rows, ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
  }
  for (const s of [emb, sub, csv, subCsv]) await new Promise<void>((resolve, reject) => s.end((e?: Error | null) => (e ? reject(e) : resolve())));
  for (const f of ['emb-read.npy', 'factors-read.csv', 'factors.csv', 'emb.npy']) await rename(join(dir, `${f}.tmp`), join(dir, f));
}

interface Measured {
  wall: number;
  cpu: number;
  maxRssMb: number;
  metrics: unknown;
}

/** Runs the built CLI's probe in its own process; it reports getrusage at exit. */
async function probe(emb: string, factors: string, out: string): Promise<Measured> {
  const hook = 'data:text/javascript,process.on("exit",()=>process.stderr.write("\\nRUSAGE "+JSON.stringify(process.resourceUsage())+"\\n"))';
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    ['--import', hook, 'bin/misalign.js', 'probe', '--embeddings', emb, '--factors', factors, '--ignore', 'id', '--seed', String(SEED), '--out', out],
    { stdio: ['ignore', 'inherit', 'pipe'] },
  );
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  const wall = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`probe exited with ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`);
  const usage = JSON.parse(/RUSAGE (.*)/.exec(err)![1]!) as NodeJS.ResourceUsage;
  const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8')) as { rows: unknown };
  return { wall, cpu: (usage.userCPUTime + usage.systemCPUTime) / 1e6, maxRssMb: usage.maxRSS / 1024, metrics: metrics.rows };
}

if (
  !existsSync(join(dir, 'emb.npy')) ||
  !existsSync(join(dir, 'factors.csv')) ||
  !existsSync(join(dir, 'emb-read.npy')) ||
  !existsSync(join(dir, 'factors-read.csv'))
)
  await generate();
const size = async (f: string) => (await stat(join(dir, f))).size / 2 ** 20;
process.stderr.write(`probing ${N} × ${D} (${(await size('emb.npy')).toFixed(0)} MB of embeddings, ${(await size('factors.csv')).toFixed(0)} MB of factors)\n`);
const large = await probe(join(dir, 'emb.npy'), join(dir, 'factors.csv'), join(dir, 'out-large'));
process.stderr.write(`probing the baseline: the ${Math.min(N, DEFAULT_MAX_ROWS)} rows read, alone\n`);
const base = await probe(join(dir, 'emb-read.npy'), join(dir, 'factors-read.csv'), join(dir, 'out-read'));
const same = JSON.stringify(large.metrics) === JSON.stringify(base.metrics);
const fmt = (m: Measured) => `wall ${m.wall.toFixed(1)} s, CPU ${m.cpu.toFixed(1)} s, peak RSS ${m.maxRssMb.toFixed(0)} MB`;
console.log(`probe ${N} × ${D} float32:        ${fmt(large)}`);
console.log(`baseline (the rows read, alone): ${fmt(base)}`);
console.log(
  `ratio large / baseline: wall ${(large.wall / base.wall).toFixed(2)}, CPU ${(large.cpu / base.cpu).toFixed(2)}, peak RSS ${(large.maxRssMb / base.maxRssMb).toFixed(2)}; same metrics: ${same ? 'yes' : 'NO'}`,
);
if (!same) process.exitCode = 1;
