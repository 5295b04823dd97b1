/**
 * ONNX Runtime for Node (onnxruntime-node, native CPU execution provider, AVX2/AVX-512 kernels) on the exported
 * student (bench/export/onnx.ts): the peer a Node user would pick. Install without its CUDA download:
 *   ONNXRUNTIME_NODE_INSTALL=skip npm install -D onnxruntime-node
 * Rows: one thread (no intra-op pool, so spinning does not apply), and two threads with the pool's spin-waiting
 * off (idle threads sleep, as bridgeface's workers do) and on (ORT's default: idle threads burn CPU for latency).
 */

import type { BenchContext, RowInstance, RowSpec } from '../core/types.js';
import { ortRow } from './ort-row.js';

type OrtNode = typeof import('onnxruntime-node');

async function create(ctx: BenchContext, threads: number, spinning: boolean): Promise<RowInstance> {
  const ort: OrtNode = await import('onnxruntime-node');
  const options = {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    extra: { session: { intra_op: { allow_spinning: spinning ? '1' : '0' } } },
  } as const;
  const detail = `onnxruntime-node ${ort.env.versions?.node ?? ''} CPU EP, ${threads} intra-op thread${threads > 1 ? `s, spinning ${spinning ? 'on' : 'off'}` : ''}`;
  return ortRow(ort, ctx, options, detail);
}

export const ortNode1: RowSpec = {
  id: 'ort-node',
  label: 'ONNX Runtime Node (CPU EP, 1 thread)',
  runtime: 'onnxruntime-node',
  device: 'cpu',
  pairWith: ['bridgeface-cpu'],
  create: (ctx) => create(ctx, 1, false),
};

export const ortNode2: RowSpec = {
  id: 'ort-node-2t',
  label: 'ONNX Runtime Node (CPU EP, 2 threads, no spinning)',
  runtime: 'onnxruntime-node',
  device: 'cpu',
  threads: 2,
  pairWith: ['bridgeface-cpu-2t'],
  create: (ctx) => create(ctx, 2, false),
};

export const ortNode2Spin: RowSpec = {
  id: 'ort-node-2t-spin',
  label: 'ONNX Runtime Node (CPU EP, 2 threads, spinning)',
  runtime: 'onnxruntime-node',
  device: 'cpu',
  threads: 2,
  pairWith: ['bridgeface-cpu-2t'],
  create: (ctx) => create(ctx, 2, true),
};
