import { defineConfig } from 'vite';

/**
 * Library build: ES modules for browsers and Node, WGSL inlined as strings (`?raw`), the Dawn binding and Node
 * built-ins left as runtime imports.
 */
export default defineConfig({
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // Applications minify; a readable library build keeps stack traces and reviews useful.
    minify: false,
    lib: {
      // cli: the `bridgeface` command (bin/bridgeface.js); worker + worker-client: 'bridgeface/worker'.
      entry: { index: 'src/index.ts', cli: 'src/cli/main.ts', worker: 'src/api/worker.ts', 'worker-client': 'src/api/worker-client.ts' },
      formats: ['es'],
    },
    rolldownOptions: {
      external: (id) => id === 'webgpu' || id.startsWith('node:') || ['sharp', 'commander', 'munkres', 'onnxruntime-node', 'onnxruntime-web'].includes(id),
    },
  },
});
