import { describe, expect, it } from 'vitest';
import type { Engine, EngineState } from '../src/training/engine.js';
import { learningRate, parseSchedule, PLATEAU_DEFAULTS, runPhases, type PlateauSchedule } from '../src/training/schedule.js';
import { finished, train, type LogRow, type TrainPlan, type TrainingSnapshot } from '../src/training/trainer.js';

const PLATEAU: PlateauSchedule = { kind: 'plateau', warmup: 10, final: 0.02, every: 100, window: 400, delta: 0.01, decay: 0.25, after: 800 };

/** A log every 10 steps up to `upTo`, of a loss falling by 0.001 a step until `flatFrom`, then flat. */
function logOf(upTo: number, flatFrom: number): { step: number; loss: number }[] {
  const rows = [];
  for (let step = 10; step <= upTo; step += 10) rows.push({ step, loss: -0.001 * Math.min(step, flatFrom) });
  return rows;
}

describe('learning-rate schedules', () => {
  it('constant and cosine runs end at their steps; cosine decays from lr to final·lr after its warm-up', () => {
    expect(runPhases({ kind: 'constant' }, 500, [], 10)).toEqual({ decayFrom: 0, end: 500, open: false });
    const cosine = parseSchedule('cosine:50:0.3');
    expect(runPhases(cosine, 500, logOf(500, 100), 10).end).toBe(500);
    expect(learningRate(cosine, 1, 25, 500)).toBeCloseTo(0.5, 12);
    expect(learningRate(cosine, 1, 50, 500)).toBeCloseTo(1, 12);
    expect(learningRate(cosine, 1, 500, 500)).toBeCloseTo(0.3, 12);
  });

  it('plateau: decays from the first check (from `after` on) whose loss improved by less than delta over the window, for decay·that step', () => {
    // Falling 0.001 a step, one 400-step window improves on the one before by 0.4 until the loss is flat
    // from step 1,500: the check at 2,200 compares (1,400, 1,800] (mean −1.48875) with (1,800, 2,200]
    // (−1.5), still 0.01125; at 2,300 both are −1.5.
    const phases = runPhases(PLATEAU, 10_000, logOf(3000, 1500), 10);
    expect(phases).toEqual({ decayFrom: 2300, end: 2875, open: false });
    expect(runPhases({ ...PLATEAU, delta: 0.012 }, 10_000, logOf(3000, 1500), 10).decayFrom).toBe(2200);
    // a loss that is flat from the start still waits for `after`
    expect(runPhases(PLATEAU, 10_000, logOf(3000, 0), 10).decayFrom).toBe(800);
    // no decision while the log does not reach a plateau: the decay is planned to end at the configured steps
    expect(runPhases(PLATEAU, 10_000, logOf(1900, 1500), 10)).toEqual({ decayFrom: 8000, end: 10_000, open: true });
    expect(runPhases(PLATEAU, 10_000, logOf(10_000, 20_000), 10)).toEqual({ decayFrom: 8000, end: 10_000, open: false });
  });

  it('plateau: only rows at multiples of the log interval count (a resumed run logs its first step too)', () => {
    const log = logOf(3000, 1500);
    const withResumeRow = [...log.filter((r) => r.step <= 2250), { step: 2251, loss: 100 }, ...log.filter((r) => r.step > 2250)];
    expect(runPhases(PLATEAU, 10_000, withResumeRow, 10)).toEqual(runPhases(PLATEAU, 10_000, log, 10));
  });

  it('plateau: warm-up, the held rate, then a cosine to final·lr at the run’s end', () => {
    const phases = { decayFrom: 2300, end: 2800, open: false };
    expect(learningRate(PLATEAU, 1, 5, 10_000, phases)).toBeCloseTo(0.5, 12);
    expect(learningRate(PLATEAU, 1, 2300, 10_000, phases)).toBe(1);
    expect(learningRate(PLATEAU, 1, 2550, 10_000, phases)).toBeCloseTo(0.51, 12);
    expect(learningRate(PLATEAU, 1, 2800, 10_000, phases)).toBeCloseTo(0.02, 12);
  });

  it("settings text: 'plateau[:warmup[:final]]' takes the default tests; bad text is an error naming the forms", () => {
    expect(parseSchedule('plateau:200:0.02')).toEqual({ kind: 'plateau', warmup: 200, final: 0.02, ...PLATEAU_DEFAULTS });
    expect(() => parseSchedule('plateau:x')).toThrow(/'plateau\[:warmup\[:final\]\]'/);
  });
});

/** An engine whose loss falls with every step taken until `flatFrom`, then stays flat; its state is its step count. */
function countingEngine(flatFrom: number): Engine & { lrs: number[] } {
  let steps = 0;
  const lrs: number[] = [];
  const state = (): EngineState => ({ params: new Float32Array([steps]), adamM: new Float32Array(1), adamV: new Float32Array(1), adamT: steps });
  return {
    name: 'counting',
    lrs,
    step(_batch, lr) {
      steps++;
      lrs.push(lr);
      return { loss: -0.001 * Math.min(steps, flatFrom), gradNorm: 1 };
    },
    encode: () => new Float32Array(0),
    state,
    restore: (s) => {
      steps = s.adamT;
    },
    close: () => {},
  };
}

describe('training with a plateau schedule', () => {
  const plan: TrainPlan = { steps: 10_000, lr: 1, schedule: PLATEAU, tau: 1, logEvery: 10, checkpointEvery: 50 };
  const batch = () => ({ x: new Float32Array(0), t: new Float32Array(0) });
  const strip = (log: LogRow[]) => log.filter((r) => r.step % 10 === 0).map(({ seconds: _, ...r }) => r);

  it('stops at the end the log decides, and a run resumed from any snapshot ends the same way with the same rates', async () => {
    const engine = countingEngine(1500);
    const snapshots: TrainingSnapshot[] = [];
    const whole = await train(plan, engine, batch, { onCheckpoint: (s) => void snapshots.push(s) });
    expect(whole.step).toBe(2875);
    expect(finished(plan, whole)).toBe(true);
    expect(engine.lrs[2874]).toBeCloseTo(0.02, 12);
    for (const at of [1950, 2300, 2350, 2850]) {
      const from = snapshots.find((s) => s.step === at)!;
      expect(finished(plan, from)).toBe(false);
      const resumed = countingEngine(1500);
      const again = await train(plan, resumed, batch, {}, from);
      expect(again.step).toBe(2875);
      expect(strip(again.log)).toEqual(strip(whole.log));
      expect(resumed.lrs).toEqual(engine.lrs.slice(at));
    }
  });

  it('a run that keeps improving trains its configured steps', async () => {
    const run = await train({ ...plan, steps: 3000 }, countingEngine(1e9), batch);
    expect(run.step).toBe(3000);
  });
});
