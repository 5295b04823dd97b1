/**
 * WGSL sources, one file per kernel, as text. They are not complete modules: runtime/gpu/kernels.ts prepends
 * the shared constants and uniform structs (written once in TypeScript) and common.wgsl to each at load,
 * because WGSL has no includes.
 */
import add from './add.wgsl?raw';
import avgpool from './avgpool.wgsl?raw';
import common from './common.wgsl?raw';
import conv2d from './conv2d.wgsl?raw';
import conv3x3 from './conv3x3_16x8.wgsl?raw';
import depthwise3x3 from './depthwise3x3.wgsl?raw';
import depthwise3x3Columns from './depthwise3x3_columns.wgsl?raw';
import dot4Packed from './dot4_packed.wgsl?raw';
import dot4Portable from './dot4_portable.wgsl?raw';
import fullyConnected from './fully_connected.wgsl?raw';
import l2norm from './l2norm.wgsl?raw';
import maxpool from './maxpool.wgsl?raw';
import pointwise from './pointwise.wgsl?raw';
import pointwise8x16 from './pointwise_8x16.wgsl?raw';
import pointwiseEpilogue from './pointwise_epilogue.wgsl?raw';
import pointwiseVec4 from './pointwise_vec4.wgsl?raw';
import preprocess from './preprocess.wgsl?raw';
import resizeNearest from './resize_nearest.wgsl?raw';
import sigmoid from './sigmoid.wgsl?raw';
import similarityTopk from './similarity_topk.wgsl?raw';
import transpose from './transpose.wgsl?raw';

export const WGSL = {
  common,
  conv2d,
  conv3x3_16x8: conv3x3,
  depthwise3x3_columns: depthwise3x3Columns,
  depthwise3x3,
  pointwise,
  pointwise_8x16: pointwise8x16,
  pointwise_vec4: pointwiseVec4,
  pointwise_epilogue: pointwiseEpilogue,
  fully_connected: fullyConnected,
  avgpool,
  l2norm,
  preprocess,
  similarity_topk: similarityTopk,
  dot4_portable: dot4Portable,
  dot4_packed: dot4Packed,
  maxpool,
  resize_nearest: resizeNearest,
  transpose,
  add,
  sigmoid,
} as const;

export type WgslFile = keyof typeof WGSL;
