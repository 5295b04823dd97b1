/** The Chromium side of the benchmark: bench/run.ts calls window.runBench(env, config) through Playwright. */
import { readWeights } from '../../src/tools.js';
import { runSuite } from '../core/suite.js';
import type { BenchContext, EnvironmentResult, RowSpec, SuiteConfig } from '../core/types.js';
import { bridgefaceCpu, bridgefaceWebGpu } from '../peers/bridgeface.js';
import { gpujsWebGl } from '../peers/gpujs.js';
import { ortWasm, ortWebGpu } from '../peers/ort.js';
import { teacherWasm, teacherWebGl } from '../peers/teacher.js';
import { tfjsCpu, tfjsWasm, tfjsWebGl, tfjsWebGpu } from '../peers/tfjs.js';
import { BROWSER_ENVIRONMENTS } from './environments.js';

const ALL: RowSpec[] = [
  bridgefaceWebGpu,
  ortWebGpu,
  tfjsWebGpu,
  tfjsWebGl,
  gpujsWebGl,
  bridgefaceCpu,
  ortWasm,
  tfjsWasm,
  tfjsCpu,
  teacherWasm,
  teacherWebGl,
];

async function runBench(env: string, config: SuiteConfig): Promise<EnvironmentResult> {
  const spec = BROWSER_ENVIRONMENTS[env];
  const response = await fetch('/weights/student.bfw', { cache: 'no-store' });
  const weightsBytes = new Uint8Array(await response.arrayBuffer());
  const ctx: BenchContext = {
    weightsBytes,
    weights: readWeights(weightsBytes),
    featureLevel: spec.featureLevel,
    env: 'browser',
    modulesBase: '/node_modules/',
  };
  const rows = spec.rows.map((id) => ALL.find((r) => r.id === id)!);
  const log = document.getElementById('log')!;
  const result = await runSuite(env, config, ctx, rows, (line) => {
    console.log(line);
    log.textContent += `\n${line}`;
  });
  let adapter: string | undefined;
  const a = await navigator.gpu?.requestAdapter(
    spec.featureLevel === 'compatibility' ? ({ featureLevel: 'compatibility' } as GPURequestAdapterOptions) : {},
  );
  if (a)
    adapter =
      [a.info.vendor, a.info.architecture, a.info.device, a.info.description].filter(Boolean).join(' ') ||
      'details not exposed';
  return { ...result, adapter, userAgent: navigator.userAgent };
}

(window as unknown as { runBench: typeof runBench }).runBench = runBench;
(window as unknown as { benchReady: boolean }).benchReady = true;
