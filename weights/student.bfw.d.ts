/**
 * `import weights from 'bridgeface/weights/student.bfw'`: what a bundler's file/asset loader gives for the shipped
 * weights (esbuild `--loader:.bfw=file`, Rollup `@rollup/plugin-url`, Vite `?url`): its URL, for
 * `createRecognizer({ weights: new URL(weights, import.meta.url) })`.
 */
declare const weightsUrl: string;
export default weightsUrl;
