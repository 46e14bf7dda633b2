import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Runs an ES module snippet with Node from the package root, so 'misalign' resolves to the built package itself. */
function node(code: string) {
  return spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8' });
}

describe('the package as users import it (built dist/)', () => {
  it("exposes what users call from 'misalign', runs on disk from 'misalign/node', the core from 'misalign/kernels'", () => {
    const r = node(`
      import * as m from 'misalign';
      import * as n from 'misalign/node';
      import * as k from 'misalign/kernels';
      const show = (mod) => Object.keys(mod).sort();
      console.log(JSON.stringify({ main: show(m), node: show(n), kernels: show(k), steps: m.resolveConfig({ theta: 386 }).steps }));
    `);
    expect(r.stderr).toBe('');
    const got = JSON.parse(r.stdout) as { main: string[]; node: string[]; kernels: string[]; steps: number };
    // The curated API, name by name: a name added or dropped is a decision, made here too.
    expect(got.main).toEqual([
      'BUILTIN_GRIDS',
      'C3dData',
      'CoreNet',
      'DROPPED_MAX_R2',
      'DataGenerator',
      'EXPERIMENTS',
      'EXPERIMENT_NAMES',
      'IMAGE_TEXT_DROPPED_MAX',
      'IMAGE_TEXT_KEPT_MIN',
      'InvertibleMlp',
      'KEPT_MIN_R2',
      'LatentModel',
      'MisalignError',
      'Mpi3dData',
      'Rng',
      'biasNumbers',
      'builtinGrid',
      'classifierProbes',
      'createEngine',
      'describe',
      'describeBias',
      'embeddingHeatmapSpec',
      'encodeNpy',
      'evaluateDownstream',
      'evaluateModel',
      'evaluateRepresentations',
      'expandGrid',
      'experimentNamed',
      'factorTable',
      'identifiedFactors',
      'imageTextVerdict',
      'linearProbeR2',
      'mcc',
      'mccMulticlass',
      'mlpNet',
      'mlpProbeR2',
      'panelSpec',
      'parseFactorCsv',
      'parseGridFile',
      'probeEmbeddings',
      'rankSubset',
      'readNpy',
      'registerExperiment',
      'renderCausal3d',
      'renderMpi3d',
      'renderSvg',
      'resolveBias',
      'resolveConfig',
      'runExperiment',
      'runHeatmapSpec',
      'summarizeSweep',
      'train',
      'trainAndEvaluate',
      'unrankSubset',
      'verdictFor',
      'withModel',
    ]);
    expect(got.node).toEqual([
      'FILES',
      'Mpi3dFile',
      'NpyFile',
      'REPORT_DIR',
      'STUDY_GRIDS',
      'SWEEP_FILES',
      'claimRun',
      'downstreamRunDir',
      'estimatedSeconds',
      'evalRunDir',
      'exportRunEmbeddings',
      'inProcessExecutor',
      'loadGrid',
      'openEmbeddings',
      'parseRunConfig',
      'performTask',
      'planShards',
      'probeEmbeddingFiles',
      'processExecutor',
      'readCheckpoint',
      'readFactors',
      'readRunClaim',
      'readRunConfig',
      'readRunConfigFile',
      'readSweepRuns',
      'readSweepTime',
      'reproduce',
      'resolveShard',
      'runId',
      'runReport',
      'runSweep',
      'shardFromEnv',
      'slurmScripts',
      'studyRuns',
      'summarizeSweepDir',
      'svgToPng',
      'trainRunDir',
      'writeCheckpoint',
      'writeProbeResults',
      'writeReport',
      'writeSlurmScripts',
    ]);
    expect(got.kernels).toEqual([
      'Adam',
      'Arena',
      'Conv2d',
      'DEFAULT_THREADS_WASM_URL',
      'DEFAULT_WASM_URL',
      'F32Buffer',
      'InfoNce',
      'Kernels',
      'LpSimclr',
      'ObservationSampler',
      'ThreadPool',
      'biasAdd',
      'clipGradNorm',
      'columnSums',
      'convOutSize',
      'gemm',
      'leakyReluBackward',
      'leakyReluForward',
      'threadsAvailable',
    ]);
    expect(got.main.filter((name) => got.kernels.includes(name))).toEqual([]); // the kernels are not in the main entry
    expect(got.steps).toBe(16_000);
  });

  it('the main entry loads no Node built-in module at import time (it must also run in browsers)', () => {
    const r = node(`
      import { builtinModules } from 'node:module';
      import { readFileSync } from 'node:fs';
      // every file reachable from dist/index.js through static imports
      const seen = new Set(); const bad = [];
      const visit = (url) => {
        if (seen.has(url.href)) return; seen.add(url.href);
        const text = readFileSync(url, 'utf8');
        for (const [, spec] of text.matchAll(/^\\s*(?:import|export)[^'"]*?from\\s*['"]([^'"]+)['"]/gm)) {
          if (spec.startsWith('.')) visit(new URL(spec, url));
          else if (spec.startsWith('node:') || builtinModules.includes(spec)) bad.push(spec + ' in ' + url.pathname.split('/dist/')[1]);
        }
      };
      visit(new URL('./dist/index.js', 'file://' + process.cwd() + '/'));
      console.log(JSON.stringify(bad));
    `);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual([]);
  });
});
