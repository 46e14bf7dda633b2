/**
 * Image-text training speed (`npm run bench -- image`): one quick-preset
 * step of the image-text experiments on the WebAssembly engine, one thread,
 * for MPI3D (selection level 3) and Causal3DIdent (selection levels 4 and 7),
 * against the same step in PyTorch on the same machine, one thread
 * (bench/peers/torch_image_step.py; bench/peers/README.md sets it up).
 *
 *   images  (B, S, S, 3), S = 32 → f_img: conv 4×4 s2 p1 ×3 (16, 32, 64 filters) → 100 → d
 *   tokens  (B, 1, L, V) one-hot → f_txt: conv 1×3 64 → conv 1×3 64 → mean over positions → d
 *   loss    cosine InfoNCE in the config's form at its τ, in-batch negatives (B = 128)
 *   then    clip to global norm `clip`, Adam at `lr`
 *
 *   mpi3d-sel3     L 8,  V 19,  d 3, τ 0.1
 *   causal3d-sel4  L 21, V 47,  d 5, τ 0.02
 *   causal3d-sel7  L 40, V 123, d 7, τ 0.02
 *
 * Each row twice: `image-step-<name>` is a training step as training takes
 * it, the batch's rendering (images and captions drawn for step s) included;
 * `-nodata` is the network alone on batches rendered beforehand. The PyTorch
 * step draws its random inputs before its clock starts, so it is the
 * baseline of both (ratio = PyTorch ms / ours). Medians over 40 steps after
 * 5 (ours) or 20 (PyTorch) warm-up steps, from initialisation.
 *
 * Run pinned to one core (`taskset -c 0 npm run bench -- image`): the peer
 * is pinned to the same core when `taskset` exists (to core 0 if this
 * process is not pinned). Its python is
 * $MISALIGN_PEER_PYTHON, else .venv-peers/bin/python in the repository; if
 * it is missing or cannot import torch, the baseline is n/a and the reason
 * goes to stderr.
 */
import { netForwardMacs } from '../src/encoders/net.js';
import type { BaseConfig } from '../src/experiments/experiment.js';
import type { ImageTextModelConfig, PairBatch, PairData } from '../src/experiments/image-text/model.js';
import { createEngine, resolveConfig } from '../src/experiments/lifecycle.js';
import { experimentOf } from '../src/experiments/registry.js';
import { Kernels } from '../src/kernels/module.js';
import type { StepBatch } from '../src/training/engine.js';
import { row, time, type BenchRow } from './harness.js';
import { cpuModel, runPeer, type PeerResult } from './peers.js';

const STEPS = 40;
const WARMUP = 5;
const PEER_WARMUP = 20;
/** Batches rendered ahead for the `-nodata` rows, cycled. */
const POOL = 4;

interface Case {
  name: string;
  experiment: 'mpi3d' | 'causal3d';
  selectionLevel: number;
}

/** What this suite reads of a resolved MPI3D or Causal3D config. */
type ImageTextConfig = BaseConfig & ImageTextModelConfig & { imageFilters: readonly number[] };

const CASES: Case[] = [
  { name: 'mpi3d-sel3', experiment: 'mpi3d', selectionLevel: 3 },
  { name: 'causal3d-sel4', experiment: 'causal3d', selectionLevel: 4 },
  { name: 'causal3d-sel7', experiment: 'causal3d', selectionLevel: 7 },
];

/** What the peer needs to build the same step. */
interface PeerShape {
  batch: number;
  length: number;
  vocab: number;
  dim: number;
  tau: number;
  form: string;
  clip: number;
  lr: number;
  filters: readonly number[];
  imageSize: number;
}

/** The PyTorch step's median ms and its version, or null (and why on stderr) if it cannot run. */
function peerStep(name: string, s: PeerShape): PeerResult | null {
  return runPeer(`PyTorch peer, ${name}`, 'torch_image_step.py', [
    ...['--batch', s.batch, '--length', s.length, '--vocab', s.vocab, '--dim', s.dim, '--tau', s.tau, '--form', s.form],
    ...['--clip', s.clip, '--lr', s.lr, '--filters', s.filters.join(','), '--image-size', s.imageSize],
    ...['--steps', STEPS, '--warmup', PEER_WARMUP],
  ]);
}

async function measure(c: Case): Promise<BenchRow[]> {
  const config = resolveConfig({ experiment: c.experiment, selectionLevel: c.selectionLevel, threads: 1 }) as ImageTextConfig;
  const ex = experimentOf(config);
  const k = await Kernels.load({ threads: 1 });
  const world: PairData<PairBatch> = await ex.world(config);
  const model = ex.model(config, world);
  const engine = await createEngine(model, config, k);
  const batches = ex.batches(config, world, k);

  // With rendering: step s's batch is drawn as training draws it, then the step.
  let s = 0;
  const withData = await time(async () => engine.step((await batches(++s)) as StepBatch, config.lr, config.tau), { warmup: WARMUP, runs: STEPS });
  // The network alone: batches rendered beforehand.
  const pool: StepBatch[] = [];
  for (let i = 0; i < POOL; i++) pool.push((await batches(++s)) as StepBatch);
  let p = 0;
  const noData = await time(() => engine.step(pool[p++ % POOL]!, config.lr, config.tau), { warmup: WARMUP, runs: STEPS });
  engine.close();
  await ex.closeWorld?.(world);
  k.close();

  const shape: PeerShape = {
    batch: config.batch,
    length: world.length,
    vocab: world.vocabulary.size,
    dim: config.encodingSize,
    tau: config.tau,
    form: config.form,
    clip: config.clip,
    lr: config.lr,
    filters: config.imageFilters,
    imageSize: config.imageSize,
  };
  const peer = peerStep(c.name, shape);
  const baseline = `${peer?.framework ?? 'PyTorch'}, 1 thread`;
  // Useful flops: forward, and two GEMMs back, of both towers on B pairs. The text tower's first
  // convolution reads only the one-hot inputs' non-zeros (sparseInput), but netForwardMacs counts
  // it dense, as the model needs it (and as PyTorch computes it).
  const flops = 2 * 3 * config.batch * (netForwardMacs(model.x) + netForwardMacs(model.t));
  const withRate = (r: BenchRow): BenchRow => ({ ...r, stepsPerSecond: 1000 / r.ms });
  process.stderr.write(`bench: ${c.name}: L ${shape.length}, V ${shape.vocab}, d ${shape.dim}, τ ${shape.tau}, form ${shape.form}, B ${shape.batch}\n`);
  return [
    withRate(row(`image-step-${c.name}`, withData, baseline, peer?.timing ?? null, flops)),
    withRate(row(`image-step-${c.name}-nodata`, noData, baseline, peer?.timing ?? null, flops)),
  ];
}

export async function imageBench(): Promise<BenchRow[]> {
  process.stderr.write(`bench: image: CPU ${cpuModel()}\n`);
  const rows: BenchRow[] = [];
  for (const c of CASES) rows.push(...(await measure(c)));
  return rows;
}
