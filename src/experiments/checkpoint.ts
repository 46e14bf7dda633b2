/**
 * The checkpoint format and the hashes of a configuration (Node: its
 * SHA-256). A checkpoint is a training snapshot (step, engine state, log)
 * with a SHA-256 of its contents and of the configuration's model identity,
 * so a corrupt file or one from another configuration is refused rather than
 * silently resumed. Only bytes here: the run folder (run-dir.ts) reads and
 * writes DIR/checkpoint.bin with the folder's other files.
 *
 *   "MISALIGN-CKPT1\n" | header length (u32 LE) | header (JSON, UTF-8)
 *   | params (f32 LE) | Adam m (f32 LE) | Adam v (f32 LE)
 */
import { createHash } from 'node:crypto';
import { dequal } from 'dequal';
import { MisalignError } from '../common/errors.js';
import { OLD_ENGINE_NAMES } from '../training/engine.js';
import type { LogRow, TrainingSnapshot } from '../training/trainer.js';

const MAGIC = new TextEncoder().encode('MISALIGN-CKPT1\n');

interface Header {
  identity: string;
  step: number;
  seconds: number;
  adamT: number;
  length: number;
  log: LogRow[];
  sha256: string;
}

function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A configuration as JSON with its keys sorted: equal configurations give equal text, whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/**
 * A configuration as its hashes read it (run ids: sweeps/sweep.ts; checkpoints):
 * canonicalJson, with the engine under the name it had when the first hashes
 * were taken (the core as 'wasm': training/engine.ts, OLD_ENGINE_NAMES). A
 * config.json written since says "core", one written before says "wasm"; both
 * give the same id and checkpoint identity, so sweeps find the runs they
 * finished before the rename and resume them from their checkpoints.
 */
export function hashedJson(config: object): string {
  const { engine } = config as { engine?: unknown };
  const old = Object.entries(OLD_ENGINE_NAMES).find(([, name]) => name === engine)?.[0];
  return canonicalJson(old === undefined ? config : { ...config, engine: old });
}

/** What a configuration trains and measures, without its bookkeeping (how often it logs and checkpoints). */
export function modelIdentity(config: object): object {
  const { checkpointEvery: _c, logEvery: _l, ...rest } = config as Record<string, unknown>;
  return rest;
}

/** Identifies the model a configuration trains (not its bookkeeping). */
export function configIdentity(config: object): string {
  return sha256(hashedJson(modelIdentity(config)));
}

/** Whether two configurations train and measure the same model (they may differ in bookkeeping). */
export function sameModel(a: object, b: object): boolean {
  return dequal(modelIdentity(a), modelIdentity(b));
}

export function encodeCheckpoint(config: object, snapshot: TrainingSnapshot): Uint8Array {
  const { params, adamM, adamV, adamT } = snapshot.state;
  const n = params.length;
  const payload = new Uint8Array(3 * n * 4);
  const f32 = new Float32Array(payload.buffer);
  f32.set(params, 0);
  f32.set(adamM, n);
  f32.set(adamV, 2 * n);
  const header: Header = {
    identity: configIdentity(config),
    step: snapshot.step,
    seconds: snapshot.seconds,
    adamT,
    length: n,
    log: snapshot.log,
    sha256: sha256(payload),
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(MAGIC.length + 4 + headerBytes.length + payload.length);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(MAGIC.length, headerBytes.length, true);
  out.set(headerBytes, MAGIC.length + 4);
  out.set(payload, MAGIC.length + 4 + headerBytes.length);
  return out;
}

export function decodeCheckpoint(config: object, bytes: Uint8Array, where = 'checkpoint'): TrainingSnapshot {
  const corrupt = (why: string) => new MisalignError('CHECKPOINT_CORRUPT', `${where} is corrupt: ${why}`);
  if (bytes.length < MAGIC.length + 4 || MAGIC.some((b, i) => bytes[i] !== b)) throw corrupt('not a misalign checkpoint');
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(MAGIC.length, true);
  const start = MAGIC.length + 4 + headerLength;
  if (start > bytes.length) throw corrupt('truncated header');
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(MAGIC.length + 4, start))) as Header;
  } catch {
    throw corrupt('unreadable header');
  }
  const payload = new Uint8Array(bytes.subarray(start)); // a copy, aligned for the f32 view (Buffer.slice would share)
  if (payload.length !== header.length * 12) throw corrupt(`expected ${header.length * 12} bytes of state, found ${payload.length}`);
  if (sha256(payload) !== header.sha256) throw corrupt('checksum mismatch');
  if (header.identity !== configIdentity(config)) {
    throw new MisalignError('CHECKPOINT_MISMATCH', `${where} was written for a different configuration than config.json`);
  }
  const f32 = new Float32Array(payload.buffer, payload.byteOffset, header.length * 3);
  const n = header.length;
  return {
    step: header.step,
    seconds: header.seconds,
    log: header.log,
    state: { params: f32.slice(0, n), adamM: f32.slice(n, 2 * n), adamV: f32.slice(2 * n), adamT: header.adamT },
  };
}
