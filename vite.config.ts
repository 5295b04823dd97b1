import { defineConfig } from 'vite';

/**
 * Library build: ES modules for browsers and Node, WGSL inlined as strings (`?raw`), the Dawn binding and Node
 * built-ins left as runtime imports.
 */
const IGNORE_MARK = '/* @vite-ignore */';
const WEIGHTS_URL_MARK = /(new URL\(\s*)\/\* @vite-ignore \*\//g;

export default defineConfig({
  plugins: [
    {
      // src/default-weights.ts marks its `new URL('../weights/student.bfw', import.meta.url)` with @vite-ignore so
      // this build leaves it alone; the published dist/ must not carry the mark, so that the application's
      // bundler (Vite, webpack) sees the plain literal and emits the weights file.
      name: 'bridgeface:unmark-default-weights',
      // Only the mark inside `new URL(` goes (node-import.ts keeps its own). Same-length blanks keep every column, so
      // the source map stays exact (map: null = mappings unchanged).
      renderChunk: (code) => {
        const unmarked = code.replace(WEIGHTS_URL_MARK, (_, head: string) => head + ' '.repeat(IGNORE_MARK.length));
        return unmarked === code ? null : { code: unmarked, map: null };
      },
    },
  ],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // Applications minify; a readable library build keeps stack traces and reviews useful.
    minify: false,
    lib: {
      // tools: 'bridgeface/tools'; cli: the `bridgeface` command (bin/bridgeface.js); worker + worker-client: 'bridgeface/worker'.
      entry: {
        index: 'src/index.ts',
        tools: 'src/tools.ts',
        cli: 'src/cli/main.ts',
        'dawn-stderr': 'src/cli/dawn-stderr.ts',
        worker: 'src/api/worker.ts',
        'worker-client': 'src/api/worker-client.ts',
      },
      formats: ['es'],
    },
    rolldownOptions: {
      external: (id) =>
        id === 'webgpu' ||
        id.startsWith('node:') ||
        ['sharp', 'commander', 'cli-progress', 'munkres', 'onnxruntime-node', 'onnxruntime-web', 'onnx-proto'].includes(
          id,
        ),
    },
  },
});
