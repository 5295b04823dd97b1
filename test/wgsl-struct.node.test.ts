/**
 * WgslStruct writes each field where WGSL's layout rules put it; the kernels read these buffers with the
 * generated declarations, so a wrong offset would shift every field after it.
 */
import { describe, expect, it } from 'vitest';
import { CANDIDATE, IMAGE_RECORD, PREPROCESS_PARAMS } from '../src/runtime/gpu/kernels.js';
import { WgslStruct } from '../src/runtime/gpu/wgsl-struct.js';

describe('WgslStruct', () => {
  it('declares the fields in order and aligns vec4<f32> to 16 bytes', () => {
    // count, size, bilinear at 0, 4, 8; mean at 16 (not 12); inv_std at 32; size 48.
    expect(PREPROCESS_PARAMS.wgsl).toBe(
      'struct PreprocessParams {\n  count: u32,\n  size: u32,\n  bilinear: u32,\n  mean: vec4<f32>,\n  inv_std: vec4<f32>,\n}\n',
    );
    expect(PREPROCESS_PARAMS.bytes).toBe(48);
    const view = new DataView(
      PREPROCESS_PARAMS.encode({ count: 3, size: 32, bilinear: 1, mean: [0.5, 0.25, 2, 0], inv_std: [4, 8, 16, 0] }),
    );
    expect([0, 4, 8, 12].map((o) => view.getUint32(o, true))).toEqual([3, 32, 1, 0]);
    expect([16, 20, 24, 32, 36, 40].map((o) => view.getFloat32(o, true))).toEqual([0.5, 0.25, 2, 4, 8, 16]);
  });

  it('rounds the size to the largest alignment: an array stride WGSL agrees with', () => {
    expect(IMAGE_RECORD.bytes).toBe(32); // 3 u32, then a vec4 at 16
    expect(CANDIDATE.bytes).toBe(8); // f32 + u32
    expect(new WgslStruct('T', { a: 'u32', b: 'f32', c: 'u32' }).bytes).toBe(12);
  });

  it('writes at a byte offset into a shared buffer (one record of many)', () => {
    const records = new ArrayBuffer(2 * IMAGE_RECORD.bytes);
    IMAGE_RECORD.encode({ offset: 7, width: 2, height: 3, box: [1, 2, 3, 4] }, records, IMAGE_RECORD.bytes);
    const second = new DataView(records, IMAGE_RECORD.bytes);
    expect(new Uint8Array(records, 0, IMAGE_RECORD.bytes).every((b) => b === 0)).toBe(true);
    expect([0, 4, 8].map((o) => second.getUint32(o, true))).toEqual([7, 2, 3]);
    expect([16, 20, 24, 28].map((o) => second.getFloat32(o, true))).toEqual([1, 2, 3, 4]);
  });
});
