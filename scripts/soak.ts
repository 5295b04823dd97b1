/**
 * Long-running-service soaks (issue 13): resident memory across recognizer create/embed/dispose cycles, and
 * across many faces through one recognizer. `npm run soak` runs the large versions and prints the figures README
 * quotes; test/soak.node.test.ts runs a small create/dispose soak in `npm test`.
 *
 *   npm run soak -- [--cycles 200] [--faces 100000] [--batch 64] [--backend webgpu|cpu|both]
 *                   [--feature-level core|compatibility] [--weights file]
 */

import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type RecognizerOptions, createRecognizer } from '../src/api/recognizer.js';
import type { WeightsSource } from '../src/api/weights-source.js';
import type { BackendKind } from '../src/runtime/backend.js';
import type { RgbaImage } from '../src/runtime/image.js';

const MB = 2 ** 20;

/** A full collection, so RSS reflects what is still referenced (exposes V8's gc() if Node was not started with it). */
function collect(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** RSS in MiB after a full collection and a turn of the event loop (Dawn frees destroyed objects on its ticks). */
export async function settledRss(): Promise<number> {
  await new Promise((r) => setTimeout(r, 10));
  collect();
  return process.memoryUsage().rss / MB;
}

/** Least-squares slope of `ys` against their index: growth per step. */
function slope(ys: number[]): number {
  const n = ys.length;
  const mx = (n - 1) / 2;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  ys.forEach((y, x) => {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  });
  return den === 0 ? 0 : num / den;
}

function face(seed: number, side = 24): RgbaImage {
  const data = new Uint8Array(side * side * 4);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761 + seed * 40503) >>> 24;
  return { data, width: side, height: side };
}

export interface SoakOptions {
  backend: BackendKind;
  weights?: WeightsSource;
  /** WebGPU adapter preference, e.g. `{ featureLevel: 'compatibility' }` for Mesa llvmpipe through OpenGL ES. */
  webgpu?: RecognizerOptions['webgpu'];
}

export interface CycleSoak {
  backend: BackendKind;
  adapter: string;
  cycles: number;
  /** RSS after the warm-up cycles and after the last cycle, MiB. */
  startRss: number;
  endRss: number;
  /** Least-squares RSS growth per cycle over the measured cycles, MiB. */
  mbPerCycle: number;
  seconds: number;
}

/**
 * `cycles` × (createRecognizer, embed one batch, dispose), after `warmup` unmeasured cycles (first-use
 * allocations: the Dawn instance, shader caches, the weights file).
 */
export async function createDisposeSoak(
  options: SoakOptions & { cycles: number; warmup?: number; onCycle?: (i: number, rss: number) => void },
): Promise<CycleSoak> {
  const { backend, cycles, weights, webgpu } = options;
  const warmup = options.warmup ?? 3;
  const faces = [face(1), face(2)];
  let adapter = '';
  const rss: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < warmup + cycles; i++) {
    const rec = await createRecognizer({ backend, weights, webgpu });
    adapter = rec.info.adapter;
    await rec.embed(faces);
    rec.dispose();
    if (i >= warmup - 1) {
      rss.push(await settledRss());
      options.onCycle?.(i - warmup + 1, rss[rss.length - 1]);
    }
  }
  return {
    backend,
    adapter,
    cycles,
    startRss: rss[0],
    endRss: rss[rss.length - 1],
    mbPerCycle: slope(rss),
    seconds: (performance.now() - t0) / 1000,
  };
}

export interface FaceSoak {
  backend: BackendKind;
  adapter: string;
  faces: number;
  batch: number;
  startRss: number;
  peakRss: number;
  endRss: number;
  /** Least-squares RSS growth per 10,000 faces, MiB. */
  mbPer10kFaces: number;
  facesPerSecond: number;
}

/** `faces` faces through one recognizer in batches of `batch`; RSS sampled every ~1,000 faces. */
export async function faceSoak(
  options: SoakOptions & { faces: number; batch: number; onProgress?: (done: number, rss: number) => void },
): Promise<FaceSoak> {
  const { backend, faces, batch, weights, webgpu } = options;
  const rec = await createRecognizer({ backend, weights, webgpu });
  const inputs = Array.from({ length: batch }, (_, i) => face(i));
  await rec.embed(inputs);
  const rss = [await settledRss()];
  const every = Math.max(1, Math.round(1000 / batch));
  const t0 = performance.now();
  let done = 0;
  for (let b = 0; done < faces; b++) {
    const n = Math.min(batch, faces - done);
    const out = await rec.embed(n === batch ? inputs : inputs.slice(0, n));
    if (out.length !== n) throw new Error(`embed returned ${out.length} embeddings for ${n} faces`);
    done += n;
    if (b % every === every - 1 || done === faces) {
      rss.push(await settledRss());
      options.onProgress?.(done, rss[rss.length - 1]);
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const adapter = rec.info.adapter;
  rec.dispose();
  return {
    backend,
    adapter,
    faces,
    batch,
    startRss: rss[0],
    peakRss: Math.max(...rss),
    endRss: rss[rss.length - 1],
    mbPer10kFaces: (slope(rss) * 10_000) / (every * batch),
    facesPerSecond: faces / seconds,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      cycles: { type: 'string', default: '200' },
      faces: { type: 'string', default: '100000' },
      batch: { type: 'string', default: '64' },
      backend: { type: 'string', default: 'both' },
      weights: { type: 'string' },
      'feature-level': { type: 'string' },
    },
    strict: true,
  });
  const count = (name: 'cycles' | 'faces' | 'batch') => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got ${values[name]}`);
    return n;
  };
  const backends: BackendKind[] = values.backend === 'both' ? ['webgpu', 'cpu'] : [values.backend as BackendKind];
  if (!backends.every((b) => b === 'webgpu' || b === 'cpu'))
    throw new Error(`--backend must be webgpu, cpu or both, got ${values.backend}`);
  const level = values['feature-level'];
  if (level !== undefined && level !== 'core' && level !== 'compatibility')
    throw new Error(`--feature-level must be core or compatibility, got ${level}`);
  const common: Omit<SoakOptions, 'backend'> = {
    weights: values.weights,
    webgpu: level ? { featureLevel: level } : undefined,
  };
  const log = (s: string) => process.stderr.write(`[soak] ${s}\n`);
  const results: Array<CycleSoak | FaceSoak> = [];
  for (const backend of backends) {
    if (count('cycles') > 0) {
      const r = await createDisposeSoak({
        ...common,
        backend,
        cycles: count('cycles'),
        onCycle: (i, rss) => i % 20 === 0 && log(`${backend} cycle ${i}: RSS ${rss.toFixed(1)} MiB`),
      });
      log(
        `${backend} create/dispose ×${r.cycles}: ${r.startRss.toFixed(1)} → ${r.endRss.toFixed(1)} MiB, ${r.mbPerCycle.toFixed(3)} MiB/cycle (${r.adapter}, ${r.seconds.toFixed(0)} s)`,
      );
      results.push(r);
    }
    if (count('faces') > 0) {
      const r = await faceSoak({
        ...common,
        backend,
        faces: count('faces'),
        batch: count('batch'),
        onProgress: (d, rss) => log(`${backend} ${d} faces: RSS ${rss.toFixed(1)} MiB`),
      });
      log(
        `${backend} ${r.faces} faces: ${r.startRss.toFixed(1)} → ${r.endRss.toFixed(1)} MiB (peak ${r.peakRss.toFixed(1)}), ${r.mbPer10kFaces.toFixed(3)} MiB per 10k faces, ${r.facesPerSecond.toFixed(0)} faces/s`,
      );
      results.push(r);
    }
  }
  console.log(JSON.stringify(results, null, 1));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e: unknown) => {
    process.stderr.write(`soak: ${(e as Error).message}\n`);
    process.exit(1);
  });
}
