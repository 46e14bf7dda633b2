/**
 * The folders of src/ follow the data's path, and a module depends only on
 * the stages before it (README, Project layout): every import between
 * folders goes down this order, no file imports itself round a circle, and
 * the 'misalign/kernels' entry is the compute core alone.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(__dirname, '..', 'src');

/** The stages, first to last; a folder may import from its own stage and the ones before it. */
const STAGES = ['common', 'latent', 'mixing', 'scenes', 'kernels', 'encoders', 'training', 'probes', 'experiments', 'sweeps', 'reports', 'cli', 'web'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/** The files of src/ a file imports (static imports, re-exports and dynamic import()), types included. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [
    ...[...text.matchAll(/^(?:import|export)\s[^;]*?\bfrom\s+'(\.{1,2}\/[^']+)'/gms)].map((m) => m[1]!),
    ...[...text.matchAll(/\bimport\(\s*'(\.{1,2}\/[^']+)'\s*\)/g)].map((m) => m[1]!),
  ];
  return specifiers.map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts'))).filter((p) => p.startsWith(`${SRC}/`));
}

/** 'experiments' for src/experiments/numeric/config.ts; null for the entries at the top of src/. */
const stageOf = (file: string): string | null => {
  const parts = relative(SRC, file).split('/');
  return parts.length === 1 ? null : parts[0]!;
};

const files = sourceFiles(SRC);
const graph = new Map(files.map((f) => [f, importsOf(f)]));

describe('the architecture of src/', () => {
  it('every folder is a known stage', () => {
    const folders = [...new Set(files.map(stageOf).filter((s) => s !== null))].sort();
    expect(folders).toEqual([...STAGES].sort());
  });

  it('no import goes up the stages (a module depends only on those before it)', () => {
    const upward: string[] = [];
    for (const [file, deps] of graph) {
      const from = stageOf(file);
      if (from === null) continue;
      for (const dep of deps) {
        const to = stageOf(dep);
        if (to === null || STAGES.indexOf(to) > STAGES.indexOf(from)) upward.push(`${relative(SRC, file)} -> ${relative(SRC, dep)}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('no file reaches itself through its imports', () => {
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, path: string[]) => {
      state.set(file, 'open');
      for (const dep of graph.get(file) ?? []) {
        if (!graph.has(dep)) continue;
        if (state.get(dep) === 'open') cycles.push([...path.slice(path.indexOf(dep)), dep].map((f) => relative(SRC, f)).join(' > '));
        else if (!state.has(dep)) visit(dep, [...path, dep]);
      }
      state.set(file, 'done');
    };
    for (const f of files) if (!state.has(f)) visit(f, [f]);
    expect(cycles).toEqual([]);
  });

  it('only training/losses.ts asks which kind of loss it has (each kind is one record there)', () => {
    const asking = files.filter(
      (f) => relative(SRC, f) !== 'training/losses.ts' && /\bkind\s*[!=]==?\s*'(infonce|lpsimclr)'|case\s+'(infonce|lpsimclr)'/.test(readFileSync(f, 'utf8')),
    );
    expect(asking.map((f) => relative(SRC, f))).toEqual([]);
  });

  it("'misalign/kernels' (src/kernels.ts) is the core alone: it reaches no stage but kernels and common", () => {
    const reached = new Set<string>();
    const stack = [join(SRC, 'kernels.ts')];
    while (stack.length > 0) {
      for (const dep of graph.get(stack.pop()!) ?? []) {
        if (!reached.has(dep)) {
          reached.add(dep);
          stack.push(dep);
        }
      }
    }
    expect([...new Set([...reached].map(stageOf))].sort()).toEqual(['common', 'kernels']);
  });
});
