/**
 * The page's two charts, drawn with Vega: the training loss (a line that
 * grows as steps come in) and one run's R² heatmap (the report's
 * labelled-heatmap specification, reports/heatmap.ts).
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { FactorResult } from '../probes/evaluate.js';
import { embeddingHeatmapSpec, runHeatmapSpec } from '../reports/heatmap.js';
import type { EmbeddingProbeRow } from '../probes/embeddings.js';

const LOSS_SPEC: TopLevelSpec = {
  $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
  width: 'container',
  height: 220,
  data: { name: 'loss' },
  mark: { type: 'line', interpolate: 'linear' },
  encoding: {
    x: { field: 'step', type: 'quantitative', title: 'step' },
    y: { field: 'loss', type: 'quantitative', title: 'contrastive loss', scale: { zero: false } },
  },
  config: { view: { stroke: null } },
};

/** A loss curve fed row by row; redraws at most a few times a second. */
export class LossChart {
  private view: vega.View | null = null;
  private pending: { step: number; loss: number }[] = [];
  private scheduled = false;

  constructor(private readonly element: HTMLElement) {}

  reset(): void {
    this.view?.finalize();
    this.view = new vega.View(vega.parse(compile(LOSS_SPEC).spec), { renderer: 'svg', container: this.element, hover: false });
    this.pending = [];
    void this.view.runAsync();
  }

  add(step: number, loss: number): void {
    this.pending.push({ step, loss });
    if (this.scheduled) return;
    this.scheduled = true;
    setTimeout(() => {
      this.scheduled = false;
      const rows = this.pending;
      this.pending = [];
      if (this.view) void this.view.insert('loss', rows).runAsync();
    }, 250);
  }
}

/** Draws one run's nonlinear-probe heatmap into `element`. */
export async function drawHeatmap(element: HTMLElement, factors: readonly FactorResult[], subtitle: string): Promise<void> {
  const view = new vega.View(vega.parse(compile(runHeatmapSpec(factors, 'nonlinear', subtitle)).spec), { renderer: 'none' });
  try {
    element.innerHTML = await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Draws probed embeddings' heatmap (reports/heatmap.ts, as `misalign probe` writes it) into `element`. */
export async function drawEmbeddingHeatmap(element: HTMLElement, rows: readonly EmbeddingProbeRow[], subtitle: string): Promise<void> {
  const view = new vega.View(vega.parse(compile(embeddingHeatmapSpec(rows, subtitle)).spec), { renderer: 'none' });
  try {
    element.innerHTML = await view.toSVG();
  } finally {
    view.finalize();
  }
}
