/**
 * Where the shipped student lives. This module sits one folder below the package root both as source (src/) and
 * when bundled (dist/), so the same relative URL reaches weights/ from either.
 *
 * The URL is a string literal inside `new URL(…, import.meta.url)` on purpose: that is the pattern application
 * bundlers (Vite in dev and build, webpack 5) recognise, so they emit the weights file as an asset and rewrite the
 * URL. `@vite-ignore` only stops this library's own build from inlining 0.8 MB of weights into dist/.
 * Bundlers without that support (esbuild, plain Rollup) import the file explicitly:
 * `import weights from 'bridgeface/weights/student.bfw'` with their file/asset loader, then
 * `createRecognizer({ weights })` (README, "Install").
 */
export function defaultWeightsUrl(): URL {
  return new URL(/* @vite-ignore */ '../weights/student.bfw', import.meta.url);
}
