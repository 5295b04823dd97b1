import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const repo = fileURLToPath(new URL('..', import.meta.url));

const nodeOnly = (id: string) => id === 'webgpu' || id.startsWith('node:');

/** The demo page: `npm start` (dev server), `vite build --config demo/vite.config.ts` (static files in demo/dist). */
export default defineConfig({
  root,
  base: './',
  publicDir: 'public',
  server: { host: '127.0.0.1', port: 5173, fs: { allow: [repo] } },
  preview: { host: '127.0.0.1' },
  // The library reaches Dawn (`webgpu`) and node: modules only in Node; a page never loads them.
  optimizeDeps: { exclude: ['webgpu'] },
  worker: { format: 'es', rolldownOptions: { external: nodeOnly } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    rolldownOptions: { external: nodeOnly },
  },
});
