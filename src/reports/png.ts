/**
 * SVG to PNG without a native build: resvg compiled to WebAssembly, with the
 * DejaVu Sans font shipped as an npm package (no system fonts are needed or
 * read, so a figure renders the same on every machine). Node only.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { initWasm, Resvg } from '@resvg/resvg-wasm';

const require = createRequire(import.meta.url);
let ready: Promise<Uint8Array[]> | null = null;

function init(): Promise<Uint8Array[]> {
  ready ??= (async () => {
    await initWasm(await readFile(require.resolve('@resvg/resvg-wasm/index_bg.wasm')));
    const ttf = (name: string) => readFile(require.resolve(`dejavu-fonts-ttf/ttf/${name}`));
    return [await ttf('DejaVuSans.ttf'), await ttf('DejaVuSans-Bold.ttf')];
  })();
  return ready;
}

/** Rasterises an SVG document at `scale` × its size, on white. */
export async function svgToPng(svg: string, scale = 2): Promise<Uint8Array> {
  const fontBuffers = await init();
  const resvg = new Resvg(svg, {
    font: { fontBuffers, defaultFontFamily: 'DejaVu Sans', loadSystemFonts: false },
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
  });
  try {
    return resvg.render().asPng();
  } finally {
    resvg.free();
  }
}
