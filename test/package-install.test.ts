/**
 * The install story, as a researcher meets it: the packed tarball
 * (`npm pack`) installed into an empty project (`npm init -y`, so CommonJS),
 * then a short ES module script that uses the library and a run folder, and
 * `require()`, which must fail with one line saying the package is ES-only.
 * The install's weight is checked too: the tfjs packages are optional peers
 * (the default engine needs none), so node_modules stays at or under 200 MB.
 *
 * Needs the npm registry (as `npm ci` does); the built dist/ and build/
 * (`npm test` builds first).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const dir = mkdtempSync(join(tmpdir(), 'misalign-install-'));
const project = join(dir, 'project');

function run(cmd: string, args: string[], cwd: string) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' } });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function must(cmd: string, args: string[], cwd: string): string {
  const r = run(cmd, args, cwd);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

/** Bytes of every file under `path` (what `du --apparent-size` counts). */
function bytesUnder(path: string): number {
  let total = 0;
  for (const e of readdirSync(path, { withFileTypes: true })) {
    const p = join(path, e.name);
    if (e.isDirectory()) total += bytesUnder(p);
    else if (e.isFile()) total += statSync(p).size;
  }
  return total;
}

beforeAll(() => {
  must(NPM, ['pack', '--ignore-scripts', '--pack-destination', dir], ROOT);
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack wrote no tarball into ${dir}`);
  must('mkdir', [project], dir);
  must(NPM, ['init', '-y'], project);
  must(NPM, ['install', '--prefer-offline', '--no-audit', '--no-fund', join(dir, tarball)], project);
}, 600_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the packed tarball in an empty project', () => {
  it('runs an ES module script: the theory, a short run folder with its figures, and the tfjs engine asking to be installed', () => {
    writeFileSync(
      join(project, 'main.mjs'),
      `
import { describe, runExperiment } from 'misalign';
import { runReport, trainRunDir } from 'misalign/node';
import { existsSync } from 'node:fs';
const out = { identified: describe({ theta: 386 }).identified };
const { metrics } = await trainRunDir('run', { theta: 386, steps: 300, evalSamples: 1024 });
out.judged = metrics.judged;
await runReport('run');
out.files = ['config.json', 'metrics.json', 'loss.png', 'scores.png', 'index.html'].filter((f) => existsSync('run/' + f));
try { await runExperiment({ theta: 386, steps: 10, engine: 'tfjs', backend: 'cpu' }); out.tfjs = 'ran'; }
catch (e) { out.tfjs = e.code + ': ' + e.message; }
console.log(JSON.stringify(out));
`,
    );
    const stdout = must(process.execPath, ['main.mjs'], project);
    const out = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(out.identified).toEqual([1, 2, 3, 4, 5]);
    expect(out.judged).toBe(26);
    expect(out.files).toEqual(['config.json', 'metrics.json', 'loss.png', 'scores.png', 'index.html']);
    expect(out.tfjs).toMatch(/^ENGINE_UNAVAILABLE: the tfjs engine needs @tensorflow\/tfjs, which is not installed: npm install @tensorflow\/tfjs@/);
  }, 300_000);

  it('require() of each entry fails with one line saying misalign is an ES module; a dynamic import from CommonJS works', () => {
    writeFileSync(
      join(project, 'main.cjs'),
      `
const messages = [];
for (const name of ['misalign', 'misalign/node', 'misalign/kernels']) {
  try { require(name); messages.push(name + ': loaded'); } catch (e) { messages.push(name + ': ' + e.code + ' ' + e.message); }
}
import('misalign').then((m) => { messages.push('import: ' + typeof m.describe); console.log(JSON.stringify(messages)); });
`,
    );
    const messages: string[] = JSON.parse(must(process.execPath, ['main.cjs'], project).trim());
    expect(messages).toHaveLength(4);
    for (const m of messages.slice(0, 3)) {
      expect(m).toMatch(/^misalign(\/node|\/kernels)?: ERR_REQUIRE_ESM misalign is an ES module and cannot be require\(\)d: /);
      expect(m).not.toContain('\n');
    }
    expect(messages[3]).toBe('import: function');
  });

  it('weighs 200 MB or less in node_modules: no tfjs unless asked for', () => {
    const modules = join(project, 'node_modules');
    const lock = JSON.parse(readFileSync(join(modules, '.package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
    const names = Object.keys(lock.packages);
    expect(names.filter((n) => n.includes('@tensorflow/'))).toEqual([]);
    expect(bytesUnder(modules) / 1e6).toBeLessThanOrEqual(200);
    expect(names).toContain('node_modules/misalign');
  });
});
