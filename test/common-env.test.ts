// Where the code runs: one definition of "is this Node?", imported by everything that asks.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isNode } from '../src/common/env.js';

const SRC = fileURLToPath(new URL('../src', import.meta.url));

describe('isNode', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("is true in Node; false without process, or with a bundler's process shim", () => {
    expect(isNode()).toBe(true);
    vi.stubGlobal('process', undefined);
    const without = isNode();
    vi.unstubAllGlobals();
    vi.stubGlobal('process', { env: {}, versions: {} });
    const shim = isNode();
    vi.unstubAllGlobals();
    expect([without, shim]).toEqual([false, false]);
  });

  it('is defined once, in src/common/env.ts', () => {
    const files = (readdirSync(SRC, { recursive: true }) as string[]).map((f) => f.replace(/\\/g, '/')).filter((f) => f.endsWith('.ts'));
    const defining = files.filter((f) => /\bfunction isNode\s*\(|\b(?:const|let|var) isNode\s*=\s*(?:\(|function)/.test(readFileSync(join(SRC, f), 'utf8')));
    expect(defining).toEqual(['common/env.ts']);
  });
});
