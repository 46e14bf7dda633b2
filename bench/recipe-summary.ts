/**
 * The R² summary the recipe scripts print (recipe-run.ts, recipe-phases.ts):
 * worst kept and worst dropped semantic factor per encoder (nonlinear probe,
 * and the linear one for ẑ_x's kept factors), the largest modality-specific
 * R², the failed verdicts and the verdict count; `imageTextSummary` is the
 * same for the image-text experiments.
 */
import type { FactorRow, RunMetrics } from '../src/experiments/experiment.js';
import type { NumericMetrics } from '../src/experiments/numeric/index.js';
import type { AnyExperiment } from '../src/experiments/registry.js';

export function factorSummary(m: NumericMetrics) {
  const semantic = (enc: string, kept: boolean) => m.factors.filter((f) => f.encoding === enc && /^s\d+$/.test(f.factor) && (f.predicted === 'kept') === kept);
  const nl = (enc: string, kept: boolean) => semantic(enc, kept).map((f) => f.r2Nonlinear);
  const r2 = (enc: string, name: string) => m.factors.find((f) => f.encoding === enc && f.factor === name)!.r2Nonlinear;
  return {
    keptMinX: +Math.min(...nl('x', true)).toFixed(3),
    keptMinT: +Math.min(...nl('t', true)).toFixed(3),
    keptMinLinX: +Math.min(...semantic('x', true).map((f) => f.r2Linear)).toFixed(3),
    droppedMaxX: +Math.max(0, ...nl('x', false)).toFixed(3),
    droppedMaxT: +Math.max(0, ...nl('t', false)).toFixed(3),
    mMax: +Math.max(r2('x', 'm_x'), r2('x', 'm_t'), r2('t', 'm_x'), r2('t', 'm_t')).toFixed(3),
    worst: m.factors
      .filter((f) => f.verdict === 'fail')
      .map((f) => `${f.encoding}:${f.factor}=${f.r2Nonlinear.toFixed(2)}`)
      .join(' '),
    passed: `${m.passed}/${m.judged}`,
  };
}

/**
 * The image-text summary (recipe-run.ts with `experiment: mpi3d | causal3d`):
 * per encoding the worst kept and the largest dropped factor (nonlinear
 * probe: MCC or R²), each failed verdict with its value, and the count.
 */
export function imageTextSummary(experiment: AnyExperiment, m: RunMetrics<FactorRow>) {
  const value = (f: FactorRow) => experiment.values(f as never).nonlinear;
  const rows = (enc: string, predicted: string) => m.factors.filter((f) => f.encoding === enc && f.predicted === predicted);
  const extreme = (enc: string, predicted: string, pick: (...v: number[]) => number) => {
    const r = rows(enc, predicted);
    if (r.length === 0) return null;
    const best = r.reduce((a, b) => (pick(value(a), value(b)) === value(a) ? a : b));
    return `${best.factor}=${value(best).toFixed(3)}`;
  };
  return {
    keptMinImage: extreme('image', 'kept', Math.min),
    keptMinText: extreme('text', 'kept', Math.min),
    droppedMaxImage: extreme('image', 'dropped', Math.max),
    droppedMaxText: extreme('text', 'dropped', Math.max),
    worst: m.factors
      .filter((f) => f.verdict === 'fail')
      .map((f) => `${f.encoding}:${f.factor}=${value(f).toFixed(2)}`)
      .join(' '),
    passed: `${m.passed}/${m.judged}`,
  };
}
