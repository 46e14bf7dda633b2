import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { BIN, runCli } from './helpers/cli.js';

const run = runCli;

describe('misalign describe', () => {
  it('prints the selected, perturbed, identified and dropped factors with their numbers', async () => {
    const { code, out, err } = await run('describe', '--theta', '968', '--rho', '12');
    expect(code).toBe(0);
    expect(err).toBe('');
    expect(out).toMatch(/selected\s+I_θ = \{1, 2, 3, 4, 5, 6, 7, 8\}\s+θ = 968 \(paper\), 967 \(code\)/);
    expect(out).toMatch(/perturbed\s+I_ρ = \{1, 2\}\s+ρ = 12 \(paper tables\), 10 \(within I_θ\), 10 \(code\)/);
    expect(out).toMatch(/identified\s+\{3, 4, 5, 6, 7, 8\}/);
    expect(out).toMatch(/dropped\s+\{1, 2, 9, 10\}/);
    expect(out).toContain('z_x = (s, m_x) has 15 dimensions; z_t = (s̃[I_θ], m_t) has 13');
    expect(out).toContain('Default encoding size: 6');
  });

  it('prints one JSON object with --json', async () => {
    const { code, out } = await run('describe', '--ns', '3', '--nm', '2', '--theta', '5', '--rho-within', '3', '--json');
    expect(code).toBe(0);
    expect(out.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(out)).toEqual({
      ns: 3,
      nm: 2,
      selected: [1, 3],
      perturbed: [3],
      identified: [1],
      dropped: [2, 3],
      zxDim: 5,
      ztDim: 4,
      encodingSize: 1,
      theta: { paper: 5, code: 4 },
      rho: { paper: 4, within: 3, code: 2 },
    });
  });

  it('accepts every naming convention for the same configuration', async () => {
    const outputs = await Promise.all(
      [
        ['--theta', '968', '--rho', '12'],
        ['--theta-code', '967', '--rho-code', '10'],
        ['--theta-code', '967', '--rho-code=10'],
        ['--select', '1-8', '--perturb', '1,2'],
        ['--select', '1-8', '--rho-within', '10'],
      ].map(async (args) => JSON.parse((await run('describe', ...args, '--json')).out)),
    );
    for (const o of outputs) expect(o).toEqual(outputs[0]);
    expect((await run('describe', '--theta', '968', '--rho-code', '-1', '--json')).out).toContain('"perturbed":[]');
  });

  it('prints help and exits 0', async () => {
    const { code, out } = await run('describe', '--help');
    expect(code).toBe(0);
    expect(out).toContain('--rho-within <n>');
  });

  // Each bad input: exit status 2 and exactly one line on stderr naming the problem (run through the real binary).
  it.each([
    [['describe', '--theta', '5', '--bogus'], /unknown option '--bogus'/],
    [['describe', '--thta', '5'], /unknown option '--thta'.*--theta/],
    [['describe', '--theta', 'five'], /--theta must be an integer, got 'five'/],
    [['describe', '--theta', '2.5'], /--theta must be an integer/],
    [['describe', '--theta', '1024'], /theta \(ns = 10\) must be in 1\.\.1023, got 1024/],
    [['describe', '--theta-code', '-1'], /theta-code \(ns = 10\) must be in 0\.\.1022/],
    [['describe', '--theta', '968', '--rho', '0'], /rho \(ns = 10\) must be in 1\.\.1024/],
    [['describe', '--theta', '968', '--rho-within', '256'], /rho-within \(\|selection\| = 8\) must be in 1\.\.255/],
    [['describe', '--theta', '968', '--rho-code', '-2'], /rho-code \(ns = 10\) must be in -1\.\.1022/],
    [['describe', '--select', '1,12'], /index 12 is outside 1\.\.10/],
    [['describe', '--select', '1-3', '--perturb', '3-4'], /perturbed factors \{4\} are not in the selection \{1, 2, 3\}/],
    [['describe', '--theta', '968', '--rho', '1014'], /perturbed factors \{9\} are not in the selection/],
    [['describe', '--select', '2,4', '--perturb', '2,4'], /equals the selection: no factor is left to learn/],
    [['describe', '--ns', '31', '--theta', '1'], /ns = 31 is more than the 30 semantic factors supported/],
    [['describe', '--theta', '1', '--select', '1'], /give only one selection option/],
    [['describe', '--theta', '1', '--theta', '2'], /--theta is given more than once/],
    [['describe'], /a selection is required/],
    [['describe', '--theta'], /argument missing/],
    [['describe', '--theta', '3', 'extra'], /too many arguments/],
    [['nonsense'], /unknown command 'nonsense'/],
    [[], /no command given/],
  ])('%j exits 2 with one line on stderr', (argv, message) => {
    const r = spawnSync(process.execPath, [BIN, ...argv], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    expect(r.stderr.endsWith('\n')).toBe(true);
    expect(lines[0]).toMatch(/^misalign: /);
    expect(lines[0]).toMatch(message);
  });
});

describe('misalign --help and --version', () => {
  it('help speaks of no document users do not have (SPEC §n), on any command', async () => {
    const top = await run('--help');
    expect(top.code).toBe(0);
    const commands = [...top.out.matchAll(/^ {2}([\w-]+) /gm)].map((m) => m[1]!).filter((c) => c !== 'help');
    expect(commands).toEqual(expect.arrayContaining(['describe', 'train', 'eval', 'sweep', 'report', 'reproduce', 'slurm', 'probe', 'export-embeddings']));
    for (const help of [top, ...(await Promise.all(commands.map((c) => run(c, '--help'))))]) {
      expect(help.code).toBe(0);
      expect(help.out).not.toMatch(/SPEC|§/);
    }
  });

  it("--version (and -V) prints the package's version and exits 0, from the sources and from the built binary", async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    for (const flag of ['--version', '-V']) expect(await run(flag)).toEqual({ code: 0, out: `${version}\n`, err: '' });
    const built = spawnSync(process.execPath, [BIN, '--version'], { encoding: 'utf8', cwd: tmpdir() });
    expect([built.status, built.stdout, built.stderr]).toEqual([0, `${version}\n`, '']);
  });
});
