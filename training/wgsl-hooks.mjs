// Node module hooks so scripts run by tsx can import the runtime's `*.wgsl?raw` sources (vite syntax) as strings.
import { readFile } from 'node:fs/promises';

export async function resolve(specifier, context, next) {
  if (specifier.includes('.wgsl')) {
    const url = new URL(specifier, context.parentURL);
    return { url: url.href, shortCircuit: true, format: 'module' };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (url.includes('.wgsl')) {
    const file = new URL(url);
    file.search = '';
    const text = await readFile(file, 'utf8');
    return { format: 'module', source: `export default ${JSON.stringify(text)};`, shortCircuit: true };
  }
  return next(url, context);
}
