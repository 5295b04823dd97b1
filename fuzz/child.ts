/**
 * A fuzz worker process (started by runner.ts): sets up one target, then runs the cases it is sent and reports
 * each. It runs in its own process so that a hang can be killed and a crash (a V8 abort, an out-of-memory kill)
 * is observed instead of ending the run.
 */
import { existsSync } from 'node:fs';
import { SWIFTSHADER_ICD } from '../scripts/chromium-webgpu.js';
import { createRecognizer } from '../src/api/recognizer.js';
import { acquireDevice } from '../src/runtime/gpu/device.js';
import { caseRandom } from './mutate.js';
import { type Context, TARGETS, type Target, onAnnounce } from './targets.js';

export interface ChildStart {
  target: Target['name'];
  seed: number;
  gpu: boolean;
  gpuShare: number;
}
export type ChildRequest = { cases: number[] } | { stop: true };
export type ChildMessage =
  | { ready: true; adapter?: string; gpuError?: string }
  | { what: string }
  | { done: number; result: import('./targets.js').CaseResult };

const send = (m: ChildMessage) => process.send!(m);

async function main(start: ChildStart): Promise<void> {
  // The same software Vulkan adapter the Node tests use, when no other is configured.
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  const cpu = await createRecognizer({ backend: 'cpu' });
  const ctx: Context = { cpu, gpuShare: start.gpuShare };
  let gpuError: string | undefined;
  if (start.gpu) {
    try {
      ctx.gpu = await createRecognizer({ backend: 'webgpu' });
      ctx.gpuDevice = (await acquireDevice({ maxStorageBinding: 1 << 30 })).device;
    } catch (e) {
      gpuError = (e as Error).message;
    }
  }
  const run = await TARGETS[start.target].setup(ctx);
  onAnnounce((what) => send({ what }));
  send({ ready: true, adapter: ctx.gpu?.info.adapter, gpuError });
  process.on('message', async (m: ChildRequest) => {
    if ('stop' in m) process.exit(0);
    for (const i of m.cases) {
      send({ done: i, result: await run(caseRandom(start.seed, start.target, i), i) });
    }
  });
}

process.once('message', (m: ChildStart) => {
  main(m).catch((e) => {
    console.error(`fuzz child setup failed: ${(e as Error).stack}`);
    process.exit(70);
  });
});
