import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Runs an ES module snippet with Node from the package root, so 'misalign' resolves to the built package itself. */
function node(code: string) {
  return spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8' });
}

describe('the package as users import it (built dist/)', () => {
  it("exposes every stage from 'misalign' and run folders from 'misalign/node'", () => {
    const r = node(`
      import * as m from 'misalign';
      import * as n from 'misalign/node';
      const names = ['describe', 'resolveBias', 'DataGenerator', 'Kernels', 'gemm', 'LpSimclr', 'CoreEngine', 'TfjsEngine', 'train',
        'resolveTrainConfig', 'PRESETS', 'evaluateRepresentations', 'mlpProbeR2', 'linearProbeR2', 'runExperiment', 'resolveRunConfig',
        'builtinGrid', 'expandGrid', 'parseGridFile', 'summarizeSweep', 'heatmapSpec', 'renderSvg', 'runMpi3d', 'runC3d', 'renderCausal3d',
        'c3dCaption', 'nearestColorName', 'CoreImageTextEngine', 'TfjsImageTextEngine', 'imageTextGrid', 'runHeatmapSpec'];
      const missing = names.filter((k) => m[k] === undefined);
      const missingNode = ['trainRunDir', 'evalRunDir', 'readRunConfig', 'readCheckpoint', 'runSweep', 'summarizeSweepDir', 'processExecutor', 'writeReport', 'svgToPng',
        'trainMpi3dRunDir', 'trainC3dRunDir', 'readRunConfigFile'].filter((k) => n[k] === undefined);
      console.log(JSON.stringify({ missing, missingNode, steps: m.resolveTrainConfig({ theta: 386 }).steps }));
    `);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ missing: [], missingNode: [], steps: 16_000 });
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
