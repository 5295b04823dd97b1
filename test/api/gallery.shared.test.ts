/**
 * Gallery search on WebGPU (kernels/similarity_topk.wgsl) against the CPU reference: identical rows, scores
 * (the GPU's own, read back) and order, including sharded galleries, ties, several queries and labels with many
 * embeddings; both builds of the kernel on random tables (fast-check), and each build's dot4 alone.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Gallery } from '../../src/api/gallery.js';
import { compileModule } from '../../src/runtime/gpu/compile.js';
import { acquireDevice } from '../../src/runtime/gpu/device.js';
import { wgslModule } from '../../src/runtime/gpu/kernels.js';
import { GPU_MAX_K, GpuSearch, SEARCH_VARIANTS, type SearchVariant } from '../../src/runtime/gpu/similarity-topk.js';
import { StagingPool } from '../../src/runtime/gpu/staging.js';
import { quantize, searchCpu } from '../../src/runtime/similarity-topk.js';
import { featureLevel } from '../support/gpu-harness.js';
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

describe('device loss during gallery search', () => {
  it('falls back to the CPU copy: identical results, later searches on the CPU', async () => {
    const { gpu, cpu } = await pair();
    for (let i = 0; i < 300; i++) {
      const e = randomFloats(random, 128);
      gpu.add(`id${i}`, e);
      cpu.add(`id${i}`, e);
    }
    const queries = Array.from({ length: 3 }, () => randomFloats(random, 128));
    expect(await gpu.searchMany(queries, 5)).toEqual(await cpu.searchMany(queries, 5));
    expect(gpu.lastSearchBackend).toBe('webgpu');
    // What a driver reset looks like to the gallery: its device stops answering.
    devices[devices.length - 1].destroy();
    for (let round = 0; round < 2; round++) {
      expect(await gpu.searchMany(queries, 5)).toEqual(await cpu.searchMany(queries, 5));
      expect(gpu.lastSearchBackend).toBe('cpu');
    }
  });
});

describe('similarity_topk.wgsl, both builds, on random tables (fast-check)', () => {
  const VARIANTS = Object.keys(SEARCH_VARIANTS) as SearchVariant[];

  it('rows, scores and order equal searchCpu: any dim, shard size, k ≤ KMAX, several queries, duplicate rows', async () => {
    const { device } = await acquireDevice({ featureLevel: featureLevel() });
    devices.push(device);
    const searches = new Map<string, GpuSearch>();
    const searchFor = async (variant: SearchVariant, stride: number, shardRows: number) => {
      const key = `${variant}/${stride}/${shardRows}`;
      if (!searches.has(key)) searches.set(key, await GpuSearch.create(device, stride, shardRows, [variant]));
      return searches.get(key)!;
    };
    const table = fc.record({
      dim: fc.constantFrom(3, 16, 30, 128),
      rows: fc.integer({ min: 1, max: 3000 }),
      duplicates: fc.integer({ min: 0, max: 5 }),
      queries: fc.integer({ min: 1, max: 4 }),
      k: fc.integer({ min: 1, max: GPU_MAX_K }),
      shardRows: fc.constantFrom(64, 1000, 1 << 20),
      variant: fc.constantFrom(...VARIANTS),
      seed: fc.integer(),
    });
    await fc.assert(
      fc.asyncProperty(table, async ({ dim, rows, duplicates, queries, k, shardRows, variant, seed }) => {
        const r = seededRandom(seed);
        const stride = Math.ceil(dim / 4) * 4;
        const t = { codes: new Int8Array(rows * stride), scales: new Float32Array(rows), rows, stride };
        for (let i = 0; i < rows; i++) t.scales[i] = quantize(randomFloats(r, dim), t.codes, i * stride);
        // Copies of row 0 further down: equal scores, which the lower row index must win on both sides.
        for (let d = 1; d <= duplicates && d < rows; d++) {
          const at = Math.floor(r() * rows);
          t.codes.copyWithin(at * stride, 0, stride);
          t.scales[at] = t.scales[0];
        }
        const q = Array.from({ length: queries }, () => new Int8Array(stride));
        const qs = q.map((codes, i) =>
          quantize(i === 0 ? Array.from(t.codes.subarray(0, dim)) : randomFloats(r, dim), codes, 0),
        );
        const search = await searchFor(variant, stride, shardRows);
        search.sync(t, seed);
        const kk = Math.min(k, rows);
        expect(await search.search(q, qs, kk)).toEqual(q.map((codes, i) => searchCpu(t, codes, qs[i], kk)));
      }),
      { numRuns: 12 },
    );
    for (const s of searches.values()) s.dispose();
  });

  it('each dot4 build gives the exact integer dot product of four int8 pairs, including -128 and 127', async () => {
    const { device } = await acquireDevice({ featureLevel: featureLevel() });
    devices.push(device);
    const probe = `
@group(0) @binding(0) var<storage, read> a: array<u32>;
@group(0) @binding(1) var<storage, read> b: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<i32>;
@compute @workgroup_size(WG)
fn probe(@builtin(global_invocation_id) id: vec3<u32>) {
  if (id.x < arrayLength(&out)) { out[id.x] = dot4(a[id.x], b[id.x]); }
}`;
    const bytes = (w: number) => [0, 1, 2, 3].map((i) => (((w >>> (8 * i)) & 0xff) << 24) >> 24);
    const expected = (x: number, y: number) => bytes(x).reduce((sum, v, i) => sum + v * bytes(y)[i], 0);
    const words = fc.oneof(
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.constantFrom(0x80808080, 0x7f7f7f7f, 0x807f0180, 0, 0xffffffff),
    );
    const staging = new StagingPool(device, 'dot4-probe');
    const upload = (values: number[]) => {
      const buffer = device.createBuffer({
        size: values.length * 4,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
      });
      device.queue.writeBuffer(buffer, 0, Uint32Array.from(values));
      return buffer;
    };
    const run = async (pipeline: GPUComputePipeline, pairs: Array<[number, number]>) => {
      const out = device.createBuffer({
        size: pairs.length * 4,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
      });
      const read = staging.take(pairs.length * 4);
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(
        0,
        device.createBindGroup({
          layout: pipeline.getBindGroupLayout(0),
          entries: [upload(pairs.map((p) => p[0])), upload(pairs.map((p) => p[1])), out].map((buffer, binding) => ({
            binding,
            resource: { buffer },
          })),
        }),
      );
      pass.dispatchWorkgroups(Math.ceil(pairs.length / 64));
      pass.end();
      encoder.copyBufferToBuffer(out, 0, read, 0, pairs.length * 4);
      device.queue.submit([encoder.finish()]);
      return Array.from(new Int32Array(await staging.read(read, pairs.length * 4)));
    };
    for (const variant of VARIANTS) {
      const { probe: pipeline } = await compileModule(
        device,
        `dot4 (${variant})`,
        `${wgslModule(SEARCH_VARIANTS[variant])}\n${probe}`,
        ['probe'],
      );
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(words, words), { minLength: 1, maxLength: 300 }), async (pairs) => {
          expect(await run(pipeline, pairs)).toEqual(pairs.map(([x, y]) => expected(x, y)));
        }),
        { numRuns: 10 },
      );
    }
  });
});
