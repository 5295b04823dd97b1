/**
 * WGSL sources, one file per kernel. `common.wgsl` (workgroup size, flat indexing, activations, the shared
 * uniform layouts) is prepended to each, because WGSL has no includes.
 */
import common from './common.wgsl?raw';
import conv2d from './conv2d.wgsl?raw';
import conv3x3Vec4 from './conv3x3_vec4.wgsl?raw';
import depthwise3x3 from './depthwise3x3.wgsl?raw';
import pointwise from './pointwise.wgsl?raw';
import pointwiseVec4 from './pointwise_vec4.wgsl?raw';
import fullyConnected from './fully_connected.wgsl?raw';
import avgpool from './avgpool.wgsl?raw';
import l2norm from './l2norm.wgsl?raw';
import preprocess from './preprocess.wgsl?raw';
import similarityTopk from './similarity_topk.wgsl?raw';

const sources = { conv2d, conv3x3_vec4: conv3x3Vec4, depthwise3x3, pointwise, pointwise_vec4: pointwiseVec4,
  fully_connected: fullyConnected, avgpool, l2norm, preprocess };
export type KernelName = keyof typeof sources;
export const KERNEL_NAMES = Object.keys(sources) as KernelName[];

/** Elementwise kernels' invocations per workgroup (WG in common.wgsl). */
export const WORKGROUP_SIZE = 64;
/** Output tile of pointwise.wgsl (rows = output channels, columns = pixels of the batch). */
export const POINTWISE_TILE = 32;

export function kernelSource(name: KernelName): string {
  return `${common}\n${sources[name]}`;
}

/**
 * Gallery search (api/gallery-search.ts), compiled only when a gallery searches on the GPU: entry points `rows`
 * (similarity + per-invocation top-k) and `merge` (top-k of top-k lists). Self-contained: no common.wgsl.
 */
export const SIMILARITY_TOPK_SOURCE: string = similarityTopk;
/** Largest k one pass of similarity_topk.wgsl keeps (KMAX there). */
export const SIMILARITY_TOPK_KMAX = 64;
