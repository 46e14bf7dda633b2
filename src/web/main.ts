/**
 * The web page: a thin layer over the library. The reader picks the world
 * (ns, nm, semantics) and how captions treat each factor; the page shows the
 * theory's prediction at once, trains in a Web Worker (worker.ts), draws the
 * loss as it falls and the R² heatmap as probes come in, and offers the same
 * config.json and metrics.json the CLI writes.
 */
import { describeBias } from '../latent/describe.js';
import { biasOf, resolveNumericConfig } from '../experiments/numeric/config.js';
import type { NumericConfig, NumericSettings } from '../experiments/numeric/config.js';
import type { NumericMetrics } from '../experiments/numeric/index.js';
import type { FactorResult } from '../probes/evaluate.js';
import { errorMessage } from './errors.js';
import type { ProbeReply, ProbeRequest, StartMessage, WebEngine, WorkerMessage } from './protocol.js';
import { cycleRole, defaultRoles, rolesFromQuery, type FactorRole } from './roles.js';
import { PAGE_DEFAULTS, pageSettings, WEB_PRESETS, type WebPreset } from './presets.js';
import { drawEmbeddingHeatmap, drawHeatmap, LossChart } from './charts.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  ns: $<HTMLInputElement>('ns'),
  nm: $<HTMLInputElement>('nm'),
  dependence: $<HTMLSelectElement>('dependence'),
  factors: $<HTMLSpanElement>('factors'),
  preset: $<HTMLSelectElement>('preset'),
  seed: $<HTMLInputElement>('seed'),
  engine: $<HTMLSelectElement>('engine'),
  start: $<HTMLButtonElement>('start'),
  stop: $<HTMLButtonElement>('stop'),
  prediction: $<HTMLParagraphElement>('prediction'),
  error: $<HTMLParagraphElement>('error'),
  status: $<HTMLParagraphElement>('status'),
  loss: $<HTMLDivElement>('loss'),
  heatmap: $<HTMLDivElement>('heatmap'),
  downloadConfig: $<HTMLButtonElement>('download-config'),
  downloadMetrics: $<HTMLButtonElement>('download-metrics'),
};

/**
 * The form can be set from the address, so a run can be linked to:
 * ?ns=4&nm=2&select=1,3&perturb=3&dependence=dependent&preset=tiny&seed=1&engine=webgl&steps=500
 */
const query = new URLSearchParams(location.search);
// The form starts as the run a visitor sees first (presets.ts), then takes what the address sets.
ui.ns.value = String(PAGE_DEFAULTS.ns);
ui.nm.value = String(PAGE_DEFAULTS.nm);
ui.dependence.value = PAGE_DEFAULTS.dependence;
ui.preset.value = PAGE_DEFAULTS.preset;
ui.seed.value = String(PAGE_DEFAULTS.seed);
for (const key of ['ns', 'nm', 'dependence', 'preset', 'seed', 'engine'] as const) {
  const value = query.get(key);
  // engine=wasm: the core's name in links made before it was renamed 'core'
  if (value !== null) ui[key].value = key === 'engine' && value === 'wasm' ? 'core' : value;
}
const stepsOverride = query.has('steps') ? Number(query.get('steps')) : undefined;
let roles: FactorRole[] = rolesFromQuery(Number(ui.ns.value), query) ?? defaultRoles(Number(ui.ns.value));
let worker: Worker | null = null;
let lastConfig: NumericConfig | null = null;
let lastMetrics: NumericMetrics | null = null;
const lossChart = new LossChart(ui.loss);

function settings(): NumericSettings {
  return pageSettings({
    ns: Number(ui.ns.value),
    nm: Number(ui.nm.value),
    roles,
    dependence: ui.dependence.value as 'independent' | 'dependent',
    preset: ui.preset.value as WebPreset,
    seed: Number(ui.seed.value),
    steps: stepsOverride,
  });
}

/** Updates the factor chips in place (a chip under the pointer must survive a redraw, or its click is lost). */
function renderChips(): void {
  while (ui.factors.children.length > roles.length) ui.factors.lastElementChild!.remove();
  while (ui.factors.children.length < roles.length) {
    const i = ui.factors.children.length;
    const chip = document.createElement('button');
    chip.type = 'button';
    chip.textContent = `s${i + 1}`;
    chip.dataset.factor = `s${i + 1}`;
    chip.addEventListener('click', () => {
      roles[i] = cycleRole(roles[i]!);
      refresh();
    });
    ui.factors.append(chip);
  }
  roles.forEach((role, i) => {
    const chip = ui.factors.children[i] as HTMLButtonElement;
    chip.className = `chip ${role}`;
    chip.dataset.role = role;
    chip.title = `s${i + 1}: ${role === 'kept' ? 'mentioned' : role === 'perturbed' ? 'mentioned, often wrong' : 'omitted'} (click to change)`;
  });
}

/** Redraws the factor chips and the prediction; returns false (with the reason shown) if the settings are invalid. */
function refresh(): boolean {
  const ns = Number(ui.ns.value);
  if (Number.isInteger(ns) && ns >= 1 && ns <= 12 && ns !== roles.length) roles = defaultRoles(ns, roles);
  renderChips();
  try {
    // The settings pass the same schema as on the command line (and the worker resolves them the same way).
    const d = describeBias(biasOf(resolveNumericConfig(settings())));
    const names = (list: number[]) => (list.length ? list.map((i) => `s${i}`).join(', ') : 'none');
    ui.prediction.textContent =
      `Theory: the encoders keep ${names(d.identified)} and drop ${names(d.dropped)} ` +
      `and every modality-specific factor (encoding size ${d.encodingSize}).`;
    ui.error.textContent = '';
    ui.start.disabled = worker !== null;
    return true;
  } catch (error) {
    ui.prediction.textContent = '';
    ui.error.textContent = errorMessage(error);
    ui.start.disabled = true;
    return false;
  }
}

function showFactors(factors: FactorResult[], state: 'interim' | 'final', step: number, steps: number): void {
  ui.heatmap.dataset.state = state;
  ui.heatmap.dataset.values = JSON.stringify(factors.map((f) => ({ encoding: f.encoding, factor: f.factor, r2: f.r2Nonlinear, predicted: f.predicted })));
  const subtitle = state === 'final' ? `after ${steps} steps` : `interim: step ${step} of ${steps}, small probe`;
  drawHeatmap(ui.heatmap, factors, subtitle).catch((error: unknown) => (ui.error.textContent = errorMessage(error)));
}

/** Ends a run (done, stopped or failed); a run's error stays shown after the form is re-checked. */
function finish(status: string, error = ''): void {
  worker?.terminate();
  worker = null;
  ui.stop.disabled = true;
  ui.status.textContent = status;
  refresh();
  if (error) ui.error.textContent = error;
}

function start(): void {
  if (!refresh()) return;
  lastConfig = null;
  lastMetrics = null;
  ui.downloadConfig.disabled = true;
  ui.downloadMetrics.disabled = true;
  ui.heatmap.dataset.state = 'empty';
  delete ui.heatmap.dataset.values;
  ui.heatmap.replaceChildren();
  delete ui.status.dataset.step;
  lossChart.reset();
  const preset = WEB_PRESETS[ui.preset.value as WebPreset];
  worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  ui.start.disabled = true;
  ui.stop.disabled = false;
  ui.status.textContent = 'Building the world (mixing functions, covariances)…';
  worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
    const m = event.data;
    switch (m.type) {
      case 'config':
        lastConfig = m.config;
        ui.downloadConfig.disabled = false;
        break;
      case 'progress': {
        lossChart.add(m.step, m.loss);
        ui.status.dataset.step = String(m.step);
        const rate = `${m.stepsPerSecond.toFixed(0)} steps/s`;
        ui.status.textContent = `step ${m.step} / ${m.steps} · loss ${m.loss.toFixed(4)} · ${rate} · ETA ${Math.max(0, Math.round(m.eta))} s`;
        if (m.step === m.steps) ui.status.textContent += ' · probing the embeddings…';
        break;
      }
      case 'probe':
        showFactors(m.factors, 'interim', m.step, lastConfig?.steps ?? m.step);
        break;
      case 'done':
        lastConfig = m.config;
        lastMetrics = m.metrics;
        ui.downloadMetrics.disabled = false;
        showFactors(m.metrics.factors, 'final', m.config.steps, m.config.steps);
        if (m.build) ui.status.dataset.build = m.build;
        finish(
          `Done: ${m.config.steps} steps in ${m.metrics.trainSeconds.toFixed(1)} s, probes ${m.metrics.evalSeconds.toFixed(1)} s; ` +
            `${m.metrics.passed} of ${m.metrics.judged} verdicts agree with the theory.` +
            (m.build ? ` (core: ${m.build === 'relaxed-simd' ? 'relaxed SIMD, fused multiply-add' : 'SIMD128'})` : ''),
        );
        break;
      case 'error':
        finish('Stopped by an error.', m.message);
        break;
    }
  };
  worker.onerror = (event) => {
    finish('Stopped by an error.', event.message || 'the training worker failed to start');
  };
  const message: StartMessage = { type: 'start', settings: settings(), engine: ui.engine.value as WebEngine, interimProbes: preset.interimProbes };
  worker.postMessage(message);
}

function download(name: string, value: unknown): void {
  const url = URL.createObjectURL(new Blob([`${JSON.stringify(value, null, 2)}\n`], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

ui.start.addEventListener('click', start);
ui.stop.addEventListener('click', () => finish('Stopped; the worker is released.'));
ui.downloadConfig.addEventListener('click', () => lastConfig && download('config.json', lastConfig));
ui.downloadMetrics.addEventListener('click', () => lastMetrics && download('metrics.json', lastMetrics));
for (const input of [ui.ns, ui.nm, ui.dependence, ui.preset, ui.seed]) {
  input.addEventListener('change', () => refresh());
  input.addEventListener('input', () => refresh());
}
if (typeof navigator === 'undefined' || !('gpu' in navigator)) {
  const webgpu = ui.engine.querySelector<HTMLOptionElement>('option[value="webgpu"]');
  if (webgpu) {
    webgpu.disabled = true;
    webgpu.textContent += ' — not in this browser';
  }
}
refresh();

// Probe your own embeddings: two dropped (or chosen) files, probed in probe-worker.ts.
const probeUi = {
  drop: $('probe-drop'),
  embeddings: $<HTMLInputElement>('probe-embeddings'),
  factors: $<HTMLInputElement>('probe-factors'),
  kept: $<HTMLInputElement>('probe-kept'),
  run: $<HTMLButtonElement>('probe-run'),
  status: $('probe-status'),
  heatmap: $('probe-heatmap'),
};
const probeFiles: { embeddings: File | null; factors: File | null } = { embeddings: null, factors: null };

function probeReady(): void {
  probeUi.run.disabled = !(probeFiles.embeddings && probeFiles.factors);
  probeUi.status.textContent =
    probeFiles.embeddings && probeFiles.factors
      ? `${probeFiles.embeddings.name} and ${probeFiles.factors.name}: press Probe.`
      : `Still needed: ${[!probeFiles.embeddings && 'an embeddings file', !probeFiles.factors && 'a factors CSV'].filter(Boolean).join(' and ')}.`;
}

/** Dropped files: a .npy is the embeddings; of CSVs, one whose first row is all numbers is the embeddings, the other the factors. */
async function takeFiles(files: readonly File[]): Promise<void> {
  for (const f of files) {
    const name = f.name.toLowerCase();
    if (name.endsWith('.npy')) probeFiles.embeddings = f;
    else if (name.endsWith('.csv')) {
      const first = (await f.slice(0, 4096).text()).split(/\r?\n/)[0] ?? '';
      const numeric = first.split(',').every((c) => c.trim() !== '' && Number.isFinite(Number(c)));
      if (numeric) probeFiles.embeddings = f;
      else probeFiles.factors = f;
    }
  }
  probeReady();
}

function runProbe(): void {
  const { embeddings, factors } = probeFiles;
  if (!embeddings || !factors) return;
  probeUi.run.disabled = true;
  probeUi.status.textContent = `Probing ${embeddings.name} for the factors of ${factors.name}…`;
  const probeWorker = new Worker(new URL('./probe-worker.ts', import.meta.url), { type: 'module' });
  probeWorker.onmessage = (event: MessageEvent<ProbeReply>) => {
    probeWorker.terminate();
    probeUi.run.disabled = false;
    const reply = event.data;
    if (reply.type === 'error') {
      probeUi.status.textContent = `Cannot probe: ${reply.message}`;
      return;
    }
    const verdicts = reply.judged > 0 ? ` ${reply.passed} of ${reply.judged} verdicts agree with the expectation.` : '';
    probeUi.status.textContent = `Probed ${reply.fitRows} fitting and ${reply.scoreRows} scoring rows.${verdicts}`;
    probeUi.heatmap.dataset.state = 'done';
    drawEmbeddingHeatmap(probeUi.heatmap, reply.rows, `${embeddings.name}; ${factors.name}`).catch(
      (error: unknown) => (probeUi.status.textContent = errorMessage(error)),
    );
  };
  probeWorker.onerror = (event) => {
    probeWorker.terminate();
    probeUi.run.disabled = false;
    probeUi.status.textContent = `Cannot probe: ${event.message || 'the probe worker failed to start'}`;
  };
  void Promise.all([embeddings.arrayBuffer(), factors.text()]).then(([bytes, text]) => {
    const request: ProbeRequest = {
      type: 'probe',
      embeddingsName: embeddings.name,
      embeddings: bytes,
      factorsName: factors.name,
      factors: text,
      expectKept: probeUi.kept.value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    };
    probeWorker.postMessage(request, [bytes]);
  });
}

probeUi.drop.addEventListener('dragover', (e) => e.preventDefault());
probeUi.drop.addEventListener('drop', (e) => {
  e.preventDefault();
  void takeFiles(Array.from(e.dataTransfer?.files ?? []));
});
probeUi.embeddings.addEventListener('change', () => {
  probeFiles.embeddings = probeUi.embeddings.files?.[0] ?? null;
  probeReady();
});
probeUi.factors.addEventListener('change', () => {
  probeFiles.factors = probeUi.factors.files?.[0] ?? null;
  probeReady();
});
probeUi.run.addEventListener('click', runProbe);
