/**
 * Gallery scale: N enrolled 128-D embeddings (default 100,000; BRIDGEFACE_GALLERY_ROWS=1000000 for the
 * 1M measurement in README), one label each. Checks that the WebGPU search (Dawn) returns exactly the CPU's
 * results at that size, that save/load round-trips, and prints timings and memory.
 */
import { afterAll, expect, it } from 'vitest';
import { Gallery } from '../../src/api/gallery.js';
import { acquireDevice } from '../../src/runtime/gpu/device.js';

const N = Number(process.env.BRIDGEFACE_GALLERY_ROWS ?? 100_000);
const DIM = 128;
let device: GPUDevice | undefined;
afterAll(() => device?.destroy());

/** xorshift32 → roughly Gaussian components (sum of 3 uniforms), fast enough for 10^8 values. */
function generator(seed: number) {
  let s = seed >>> 0 || 1;
  const u = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296 - 0.5;
  };
  return (out: Float32Array) => {
    for (let i = 0; i < out.length; i++) out[i] = u() + u() + u();
    return out;
  };
}

const ms = (t: number) => `${(performance.now() - t).toFixed(0)} ms`;

it(`${N.toLocaleString()} enrolled embeddings: GPU search = CPU search, save/load, timings`, async () => {
  const acquired = await acquireDevice(); // default limits: 128 MiB per storage binding
  device = acquired.device;
  const gpu = new Gallery({ search: 'webgpu', device });
  const random = generator(12345);
  const e = new Float32Array(DIM);
  let t = performance.now();
  for (let i = 0; i < N; i++) gpu.add(`person-${i}`, random(e));
  const addTime = ms(t);
  const queries = Array.from({ length: 4 }, () => random(new Float32Array(DIM)));
  // Plant near-duplicates of three enrolled rows so the top hits are known.
  const planted = [7, Math.floor(N / 2), N - 1];
  const again = generator(12345);
  for (let i = 0, q = 0; i < N && q < planted.length; i++) {
    again(e);
    if (i === planted[q]) queries[q++] = e.map((v, j) => v + (j % 7 === 0 ? 0.05 : 0));
  }

  t = performance.now();
  const bytes = gpu.save();
  const saveTime = ms(t);
  t = performance.now();
  const cpu = Gallery.load(bytes, { search: 'cpu' });
  const loadTime = ms(t);

  t = performance.now();
  const first = await gpu.searchMany(queries, 10); // includes the upload
  const gpuFirst = ms(t);
  t = performance.now();
  const fromGpu = await gpu.searchMany(queries, 10);
  const gpuTime = ms(t);
  t = performance.now();
  const fromCpu = await cpu.searchMany(queries, 10);
  const cpuTime = ms(t);
  expect(gpu.lastSearchBackend).toBe('webgpu');
  expect(cpu.lastSearchBackend).toBe('cpu');
  expect(fromGpu).toEqual(fromCpu);
  expect(first).toEqual(fromCpu);
  planted.forEach((row, q) => expect(fromCpu[q][0].label).toBe(`person-${row}`));

  const mem = process.memoryUsage();
  console.log(
    [
      `gallery scale, ${N.toLocaleString()} × ${DIM}-D (int8 + f32 scale per row), adapter ${acquired.adapter}:`,
      `  enroll ${addTime}; file ${(bytes.length / 2 ** 20).toFixed(1)} MiB, save ${saveTime}, load ${loadTime}`,
      `  4 queries, k=10: WebGPU ${gpuTime} (first call with upload ${gpuFirst}); CPU ${cpuTime}; identical results`,
      `  GPU shards of up to ${Math.floor(2 ** 27 / DIM).toLocaleString()} rows (128 MiB binding): ${Math.ceil(N / Math.floor(2 ** 27 / DIM))}; process RSS ${(mem.rss / 2 ** 20).toFixed(0)} MiB`,
    ].join('\n'),
  );
  gpu.dispose();
}, 600_000);
