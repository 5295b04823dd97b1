// Lets Node (tsx scripts: bench, training evaluation) import `*.wgsl?raw` the way Vite does, as a string.
// Use: node --import tsx --import ./scripts/register-wgsl.mjs script.ts
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`
      import { readFile } from 'node:fs/promises';
      export async function load(url, context, next) {
        if (!url.endsWith('.wgsl?raw')) return next(url, context);
        const text = await readFile(new URL(url.slice(0, -'?raw'.length)), 'utf8');
        return { format: 'module', shortCircuit: true, source: 'export default ' + JSON.stringify(text) };
      }
    `),
);
