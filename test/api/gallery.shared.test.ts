/**
 * Gallery search on WebGPU (kernels/similarity_topk.wgsl) against the CPU reference: identical rows, scores
 * and order, including sharded galleries, ties, several queries and labels with many embeddings.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Gallery } from '../../src/api/gallery.js';
import { GpuSearch } from '../../src/runtime/gpu/similarity-topk.js';
import { quantize, searchCpu } from '../../src/runtime/similarity-topk.js';
import { featureLevel } from '../support/gpu-harness.js';
import { acquireDevice } from '../../src/runtime/gpu/device.js';
import { randomFloats, seededRandom } from '../support/random.js';

const random = seededRandom(77);
const devices: GPUDevice[] = [];
afterAll(() => devices.forEach((d) => d.destroy()));

async function pair(options: { shardRows?: number; dim?: number } = {}) {
  const { device, adapter } = await acquireDevice({ featureLevel: featureLevel() });
  devices.push(device);
  return {
    gpu: new Gallery({ ...options, search: 'webgpu', device }),
    cpu: new Gallery({ ...options, search: 'cpu' }),
    adapter,
  };
}

describe('similarity_topk.wgsl: GPU gallery search equals the CPU reference', () => {
  it('5,000 labels in 3 shards, 4 queries, k = 1, 10 and 64', async () => {
    const { gpu, cpu, adapter } = await pair({ shardRows: 2048 });
    console.log(`gallery search on WebGPU adapter: ${adapter}`);
    for (let i = 0; i < 5000; i++) {
      const e = randomFloats(random, 128);
      gpu.add(`id${i}`, e);
      cpu.add(`id${i}`, e);
    }
    // An exact duplicate (a tie: the earlier row must win on both backends) and a query equal to a gallery row.
    const probe = randomFloats(random, 128);
    for (const g of [gpu, cpu]) {
      g.add('dup-a', probe);
      g.add('dup-b', probe);
    }
    const queries = [probe, ...Array.from({ length: 3 }, () => randomFloats(random, 128))];
    for (const k of [1, 10, 64]) {
      const [a, b] = [await gpu.searchMany(queries, k), await cpu.searchMany(queries, k)];
      expect(gpu.lastSearchBackend).toBe('webgpu');
      expect(cpu.lastSearchBackend).toBe('cpu');
      expect(a).toEqual(b);
      expect(a[0]).toHaveLength(k);
    }
    const top = await gpu.search(probe, 2);
    expect(top.map((m) => m.label)).toEqual(['dup-a', 'dup-b']);
    expect(top[0].similarity).toBeGreaterThan(0.999);
    gpu.dispose();
  });

  it('labels with many embeddings, removal and appends keep both backends identical (odd dim 30)', async () => {
    const { gpu, cpu } = await pair({ shardRows: 64, dim: 30 });
    const centre = Array.from({ length: 40 }, () => randomFloats(random, 30));
    for (let i = 0; i < 40; i++) {
      const embs = Array.from({ length: 12 }, () => centre[i].map((v) => v + (random() - 0.5) * 0.3));
      gpu.add(`p${i}`, embs);
      cpu.add(`p${i}`, embs);
    }
    const check = async () => {
      const q = [centre[3], centre[17], randomFloats(random, 30)];
      const [a, b] = [await gpu.searchMany(q, 8), await cpu.searchMany(q, 8)];
      expect(a).toEqual(b);
      expect(new Set(a[0].map((m) => m.label)).size).toBe(8);
      return a;
    };
    expect((await check())[0][0].label).toBe('p3');
    gpu.remove('p3');
    cpu.remove('p3');
    expect((await check())[0][0].label).not.toBe('p3');
    gpu.add('late', centre[17]);
    cpu.add('late', centre[17]);
    await check();
    // A removal while a GPU search is in flight: the answer reflects the gallery as it is now.
    const pending = gpu.search(centre[17], 3);
    await new Promise((resolve) => setTimeout(resolve, 0)); // let the search reach the GPU readback
    gpu.remove('p17');
    cpu.remove('p17');
    expect(await pending).toEqual(await cpu.search(centre[17], 3));
    gpu.dispose();
  });

  it('both kernel variants (built-in dot4I8Packed and the portable form) give the CPU reference rows and scores', async () => {
    const { device } = await acquireDevice({ featureLevel: featureLevel() });
    devices.push(device);
    const rows = 3000;
    const table = { codes: new Int8Array(rows * 128), scales: new Float32Array(rows), rows, stride: 128 };
    for (let r = 0; r < rows; r++) table.scales[r] = quantize(randomFloats(random, 128), table.codes, r * 128);
    const query = new Int8Array(128);
    const qscale = quantize(randomFloats(random, 128), query, 0);
    const expected = searchCpu(table, query, qscale, 20);
    for (const variant of ['dot4I8Packed', 'portable'] as const) {
      const search = await GpuSearch.create(device, 128, 1000, [variant]);
      expect(search.variant).toBe(variant);
      search.sync(table, 0);
      expect(await search.search([query], [qscale], 20)).toEqual([expected]);
      search.dispose();
    }
  });
});
