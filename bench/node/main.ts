/**
 * One Node environment of the benchmark (run by bench/run.ts as a child process):
 *   node --expose-gc --import tsx --import ./scripts/register-wgsl.mjs bench/node/main.ts <env> <config.json> <out.json>
 * env "node-swiftshader": Dawn on SwiftShader Vulkan (core) + the CPU rows; "node-gles": Dawn on Mesa llvmpipe
 * through OpenGL ES (compatibility).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readWeights } from '../../src/tools.js';
import { measureCeilings } from '../core/ceilings.js';
import { runSuite } from '../core/suite.js';
import type { BenchContext, RowSpec, SuiteConfig } from '../core/types.js';
import { bridgefaceCpu, bridgefaceCpu2, bridgefaceWebGpu } from '../peers/bridgeface.js';
import { gpujsWebAsm } from '../peers/gpujs.js';
import { ortWasm } from '../peers/ort.js';
import { ortNode1, ortNode2, ortNode2Spin } from '../peers/ort-node.js';
import { teacherWasm } from '../peers/teacher.js';
import { tfjsCpu, tfjsWasm } from '../peers/tfjs.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const NODE_ENVIRONMENTS: Record<string, { featureLevel: 'core' | 'compatibility'; rows: RowSpec[] }> = {
  'node-swiftshader': {
    featureLevel: 'core',
    rows: [
      bridgefaceWebGpu,
      bridgefaceCpu,
      bridgefaceCpu2,
      ortNode1,
      ortNode2,
      ortNode2Spin,
      ortWasm,
      tfjsWasm,
      tfjsCpu,
      gpujsWebAsm,
      teacherWasm,
    ],
  },
  'node-gles': { featureLevel: 'compatibility', rows: [bridgefaceWebGpu] },
};

async function main() {
  const [env, configPath, outPath] = process.argv.slice(2);
  const spec = NODE_ENVIRONMENTS[env];
  if (!spec) throw new Error(`unknown environment ${env}`);
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as SuiteConfig;
  // run.ts passes the student it was given (--weights).
  const weightsPath = process.env.BRIDGEFACE_WEIGHTS ?? join(root, 'weights', 'student.bfw');
  const weightsBytes = new Uint8Array(readFileSync(weightsPath));
  // Dawn's globals (GPUDevice, GPUBuffer, …) before the memory tracker wraps them.
  const webgpu = await import('webgpu');
  Object.assign(globalThis, webgpu.globals);
  const ctx: BenchContext = {
    weightsBytes,
    weights: readWeights(weightsBytes),
    featureLevel: spec.featureLevel,
    env: 'node',
    modulesBase: `${join(root, 'node_modules')}/`,
  };
  // The teacher and tfjs-cpu run in Chromium only; --quick runs the CPU peers in Chromium only, except
  // onnxruntime-node, which only Node has.
  const rows = spec.rows.filter((r) =>
    config.quick ? r.runtime === 'bridgeface' || r.runtime === 'onnxruntime-node' : r.id !== 'tfjs-cpu' && !r.teacher,
  );
  // The ceilings first, on an otherwise idle process: every CPU row's GFLOP/s is shown as a share of them.
  const ceilings = spec.rows.includes(bridgefaceCpu) ? await measureCeilings() : undefined;
  const result = { ...(await runSuite(env, config, ctx, rows, (line) => console.log(line))), ceilings };
  writeFileSync(outPath, JSON.stringify(result, null, 2));
  // Dawn and wasm runtimes keep handles open; the result is written, so leave.
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
