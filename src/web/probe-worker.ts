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
import { parseFactorCsv, parseNumberCsv } from '../probes/factor-table.js';
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
  const m = parseNumberCsv(new TextDecoder().decode(bytes), name);
  return { data: Float32Array.from(m.data), rows: m.rows, dim: m.dim };
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
