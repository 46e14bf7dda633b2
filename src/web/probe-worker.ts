/**
 * The web page's probe worker: someone's embeddings and factors, dropped on
 * the page, probed in the browser on the WebAssembly core with the same
 * evaluation `misalign probe` runs (probes/embeddings.ts), off the UI thread.
 *
 *   in   { embeddings: bytes of a .npy or a CSV of numbers, factors: CSV text, expectKept }
 *   out  { rows, fitRows, scoreRows, judged, passed } or { error }
 */
import { readNpy } from '../common/npy.js';
import { Kernels } from '../kernels/module.js';
import { probeEmbeddings } from '../probes/embeddings.js';
import { parseFactorCsv } from '../probes/factor-table.js';
import { errorMessage } from './errors.js';
import type { ProbeRequest, ProbeReply } from './protocol.js';

interface WorkerScope {
  postMessage(message: ProbeReply): void;
  onmessage: ((event: MessageEvent<ProbeRequest>) => void) | null;
}
const scope = self as unknown as WorkerScope;

/** An (N, d) embedding from a .npy's bytes, or from a CSV of numbers (an optional header row). */
function embeddingsOf(name: string, bytes: Uint8Array): { data: Float32Array; rows: number; dim: number } {
  if (name.toLowerCase().endsWith('.npy')) {
    const m = readNpy(bytes, name);
    return { data: Float32Array.from(m.data), rows: m.rows, dim: m.cols };
  }
  const lines = new TextDecoder().decode(bytes).split(/\r?\n/).filter((l) => l.trim() !== '');
  const cells = lines.map((l) => l.split(',').map((c) => c.trim()));
  const body = cells.length > 0 && cells[0]!.some((c) => c === '' || !Number.isFinite(Number(c))) ? cells.slice(1) : cells;
  const dim = body[0]?.length ?? 0;
  if (dim === 0) throw new Error(`${name} holds no rows of numbers`);
  const data = new Float32Array(body.length * dim);
  body.forEach((row, r) => {
    if (row.length !== dim) throw new Error(`${name} row ${r + 1} has ${row.length} values, the first row ${dim}`);
    row.forEach((c, j) => (data[r * dim + j] = Number(c)));
  });
  return { data, rows: body.length, dim };
}

async function probe(request: ProbeRequest): Promise<ProbeReply> {
  const e = embeddingsOf(request.embeddingsName, new Uint8Array(request.embeddings));
  const bad = e.data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new Error(`${request.embeddingsName} holds NaN or Inf (first in row ${Math.floor(bad / e.dim) + 1})`);
  const table = parseFactorCsv(request.factors, {}, request.factorsName);
  if (table.rows !== e.rows) throw new Error(`${request.factorsName} has ${table.rows} rows, ${request.embeddingsName} ${e.rows}`);
  const kernels = await Kernels.load();
  const result = probeEmbeddings(kernels, [{ name: 'embedding', ...e }], table.factors, {
    seed: 0,
    ...(table.split && { split: table.split }),
    ...(request.expectKept.length > 0 && { expectKept: request.expectKept }),
  });
  return { type: 'result', ...result };
}

scope.onmessage = (event) => {
  probe(event.data).then(
    (reply) => scope.postMessage(reply),
    (error: unknown) => scope.postMessage({ type: 'error', message: errorMessage(error) }),
  );
};
