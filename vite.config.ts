// The web page (src/web): `npm run dev:web` serves it, `npm run build:web` writes dist-web/.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const repo = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: 'src/web',
  base: './',
  build: { outDir: '../../dist-web', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 4096 },
  worker: { format: 'es' },
  server: { fs: { allow: [repo] } },
});
