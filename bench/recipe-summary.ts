/**
 * The R² summary the recipe scripts print (recipe-run.ts, recipe-phases.ts):
 * worst kept and worst dropped semantic factor per encoder (nonlinear probe,
 * and the linear one for ẑ_x's kept factors), the largest modality-specific
 * R², the failed verdicts and the verdict count.
 */
import type { NumericMetrics } from '../src/experiments/numeric/index.js';

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
    worst: m.factors.filter((f) => f.verdict === 'fail').map((f) => `${f.encoding}:${f.factor}=${f.r2Nonlinear.toFixed(2)}`).join(' '),
    passed: `${m.passed}/${m.judged}`,
  };
}
