/**
 * Imports a Node-only module (node:fs, webgpu) at run time. The specifier is a parameter, not a literal, so
 * application bundlers (esbuild, Rollup, Vite, webpack) building for the browser neither try to bundle it nor fail
 * on it; the browser never reaches these calls.
 */
export function nodeImport<T>(specifier: string): Promise<T> {
  return import(/* @vite-ignore */ specifier) as Promise<T>;
}
