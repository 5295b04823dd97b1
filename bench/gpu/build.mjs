// Bundles bench/gpu/main.ts (and the bridgeface sources it imports, WGSL inlined) into one Node ESM file.
// Used by bench/gpu-device.sh pack: node bench/gpu/build.mjs <outfile>
import { build } from 'esbuild';

const wgsl = {
  name: 'wgsl-raw',
  setup(b) {
    b.onResolve({ filter: /\.wgsl\?raw$/ }, (args) => ({
      path: new URL(args.path.replace(/\?raw$/, ''), `file://${args.resolveDir}/`).pathname,
      namespace: 'wgsl',
    }));
    b.onLoad({ filter: /.*/, namespace: 'wgsl' }, async (args) => ({
      contents: await (await import('node:fs/promises')).readFile(args.path, 'utf8'),
      loader: 'text',
    }));
  },
};

await build({
  entryPoints: ['bench/gpu/main.ts'],
  outfile: process.argv[2],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['webgpu', 'sharp'],
  plugins: [wgsl],
  logLevel: 'warning',
});
