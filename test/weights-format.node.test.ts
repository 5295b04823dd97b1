import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BFW, jsonHeader, replaceJson, reseal } from '../fuzz/mutate.js';
import { WeightsFormatError } from '../src/errors.js';
import {
  ARCHITECTURE_LIMITS,
  DEFAULT_ARCHITECTURE,
  expectedTensors,
  parameterCount,
} from '../src/model/architecture.js';
import { buildNetwork } from '../src/model/network.js';
import { randomWeights } from '../src/model/random-weights.js';
import { NO_THRESHOLDS, V1_CALIBRATION } from '../src/model/thresholds.js';
import { readWeights, writeWeights } from '../src/model/weights-format.js';
import { IR_ARCHITECTURE, TINY_ARCHITECTURE } from './support/tiny-arch.js';

const golden = new Uint8Array(readFileSync(new URL('./fixtures/golden.bfw', import.meta.url)));
/** The same network written by the version 1 writer (kept to prove old files still load). */
const goldenV1 = new Uint8Array(readFileSync(new URL('./fixtures/golden-v1.bfw', import.meta.url)));

function expectFormatError(bytes: Uint8Array, code: string, message?: RegExp) {
  try {
    readWeights(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(WeightsFormatError);
    expect((e as WeightsFormatError).code).toBe(code);
    if (message) expect((e as Error).message).toMatch(message);
    return;
  }
  throw new Error(`expected WeightsFormatError(${code})`);
}

/** Fixes a file's checksum the way a writer would, so the checks behind it can be reached. */
const resealed = (bytes: Uint8Array) => reseal(bytes, BFW);

/** Rewrites the JSON header and reseals the checksum, to build files whose header is bad but intact. */
function withHeader(bytes: Uint8Array, edit: (header: Record<string, any>) => void): Uint8Array {
  return resealed(withHeaderUnsealed(bytes, edit));
}

/** Rewrites the JSON header, keeping the old checksum field (what corruption, or an edit by hand, gives). */
function withHeaderUnsealed(bytes: Uint8Array, edit: (header: Record<string, any>) => void): Uint8Array {
  const header = jsonHeader(bytes) as Record<string, any>;
  edit(header);
  return replaceJson(bytes, header, BFW);
}

describe('weights format', () => {
  it('reads the golden file: header, shapes, and every value', () => {
    const w = readWeights(golden);
    expect(w.architecture).toEqual(TINY_ARCHITECTURE);
    expect(w.thresholds).toEqual({
      calibration: 'golden test file: made-up operating points',
      sizes: {
        '16': { 'far_1e-2': { threshold: 0.5, tar: 0.25, far: 0.01 } },
        hr: {
          'far_1e-2': { threshold: 0.375, tar: 0.5, far: 0.01 },
          'far_1e-3': { threshold: 0.75, tar: null, far: 0.001 },
        },
      },
    });
    expect(w.input.crop).toEqual({
      aligned: { convention: 'golden: the whole image' },
      loose: {
        convention: 'golden',
        frame: 250,
        box: { x: 68.5, y: 75.5, width: 115.5, height: 115.5 },
        jitterTrained: { scale: 0.125, shift: 0.0625 },
      },
      detector: { convention: 'golden', scale: 1.25, dx: 0.0625, dy: -0.0625 },
    });
    expect(w.warnings).toEqual([]);
    expectedTensors(TINY_ARCHITECTURE).forEach((spec, k) => {
      const t = w.tensors.get(spec.name)!;
      expect(t.length).toBe(spec.shape.reduce((a, b) => a * b, 1));
      t.forEach((v, i) => expect(v).toBe(Math.fround(k + i / 1000)));
    });
  });

  it('writes the golden file back byte for byte', () => {
    expect(writeWeights(readWeights(golden))).toEqual(golden);
  });

  it('round-trips random weights of the default architecture', () => {
    const original = randomWeights(7);
    const back = readWeights(writeWeights(original));
    expect(back.architecture).toEqual(DEFAULT_ARCHITECTURE);
    expect(back.provenance).toEqual(original.provenance);
    for (const [name, t] of original.tensors) expect(back.tensors.get(name)).toEqual(t);
  });

  it('keeps the default architecture within 190k–240k parameters', () => {
    expect(parameterCount(DEFAULT_ARCHITECTURE)).toBeGreaterThanOrEqual(190_000);
    expect(parameterCount(DEFAULT_ARCHITECTURE)).toBeLessThanOrEqual(240_000);
  });

  it('reads f16 tensors', () => {
    // Re-encode stem.bias as f16 by hand: 1.5 = 0x3e00, -2 = 0xc000, 2^-24 (smallest subnormal) = 0x0001.
    const w = readWeights(golden);
    const stemBias = w.tensors.get('stem.bias')!;
    expect(stemBias.length).toBe(4);
    const edited = withHeader(golden, (h) => {
      const entry = h.tensors.find((t: { name: string }) => t.name === 'stem.bias');
      entry.dtype = 'f16';
    });
    const view = new DataView(edited.buffer);
    const dataOffset = view.getUint32(16, true);
    const entryOffset = JSON.parse(
      new TextDecoder().decode(edited.subarray(32, 32 + view.getUint32(12, true))),
    ).tensors.find((t: { name: string }) => t.name === 'stem.bias').offset;
    [0x3e00, 0xc000, 0x0001, 0x7bff].forEach((h, i) => view.setUint16(dataOffset + entryOffset + i * 2, h, true));
    expect(Array.from(readWeights(resealed(edited)).tensors.get('stem.bias')!)).toEqual([1.5, -2, 2 ** -24, 65504]);
  });

  describe('rejects corrupt files with a typed error', () => {
    it('truncated', () => {
      expectFormatError(golden.subarray(0, 20), 'truncated');
      expectFormatError(golden.subarray(0, golden.length - 1), 'truncated');
    });
    it('trailing bytes', () => expectFormatError(new Uint8Array([...golden, 0]), 'trailing-bytes'));
    it('not bytes at all', () => {
      for (const junk of ['weights', null, [1, 2, 3], new Float32Array(16)]) {
        expect(() => readWeights(junk as never)).toThrow(
          expect.objectContaining({ name: 'InputError', code: 'bad-shape' }),
        );
      }
    });
    it('wrong magic', () => {
      const bad = golden.slice();
      bad[0] = 0x58;
      expectFormatError(bad, 'bad-magic', /BRIDGEFW/);
    });
    it('unsupported version', () => {
      const bad = golden.slice();
      new DataView(bad.buffer).setUint32(8, 3, true);
      expectFormatError(bad, 'unsupported-version', /version 3/);
    });
    it('bad checksum', () => {
      const bad = golden.slice();
      bad[bad.length - 3] ^= 0xff;
      expectFormatError(bad, 'checksum-mismatch');
    });
    it('header that is not JSON', () => {
      const bad = golden.slice();
      bad[32] = 0x7d;
      expectFormatError(bad, 'checksum-mismatch');
      expectFormatError(resealed(bad), 'bad-header');
    });
    it('tensor shape that disagrees with the architecture', () => {
      const bad = withHeader(golden, (h) => (h.architecture.stem.channels = 5));
      expectFormatError(bad, 'shape-mismatch', /stem\.weight/);
    });
    it('missing and unexpected tensors', () => {
      expectFormatError(
        withHeader(golden, (h) => (h.tensors = h.tensors.filter((t: { name: string }) => t.name !== 'fc.bias'))),
        'missing-tensor',
        /fc\.bias/,
      );
      const dataLength = new DataView(golden.buffer, golden.byteOffset).getUint32(20, true);
      const extra = { name: 'extra', dtype: 'f32', shape: [0], offset: dataLength };
      expectFormatError(
        withHeader(golden, (h) => h.tensors.push(extra)),
        'unexpected-tensor',
        /extra/,
      );
    });
    it('tensor running past the data or overlapping another', () => {
      expectFormatError(
        withHeader(golden, (h) => (h.tensors[0].offset = 1 << 20)),
        'bad-tensor-table',
        /runs past/,
      );
      expectFormatError(
        withHeader(golden, (h) => (h.tensors[1].offset = h.tensors[0].offset)),
        'bad-tensor-table',
        /overlaps/,
      );
      expectFormatError(
        withHeader(golden, (h) => (h.tensors[1].dtype = 'f64')),
        'bad-tensor-table',
        /dtype/,
      );
    });
    it('an architecture the runtime cannot run', () => {
      expectFormatError(
        withHeader(golden, (h) => (h.architecture.pooling = 'max')),
        'unsupported-architecture',
        /pooling/,
      );
      expectFormatError(
        withHeader(golden, (h) => (h.architecture.blocks[0].residual = true)),
        'unsupported-architecture',
        /residual/,
      );
      expectFormatError(
        withHeader(golden, (h) => (h.architecture.stem.stride = 3)),
        'unsupported-architecture',
        /stride/,
      );
      expectFormatError(
        withHeader(golden, (h) => delete h.architecture),
        'unsupported-architecture',
      );
    });
  });

  describe('inverted-residual blocks and the head', () => {
    const irFile = writeWeights(randomWeights(3, IR_ARCHITECTURE));
    const rejects = (edit: (a: Record<string, any>) => void, code: string, message?: RegExp) =>
      expectFormatError(
        withHeader(irFile, (h) => edit(h.architecture)),
        code,
        message,
      );

    it('round-trips, with tensors expand → dw → project per ir block (no slopes on the linear projection), then the head', () => {
      const back = readWeights(irFile);
      expect(back.architecture).toEqual(IR_ARCHITECTURE);
      const specs = expectedTensors(IR_ARCHITECTURE);
      expect([...back.tensors.keys()]).toEqual(specs.map((t) => t.name));
      const shape = (name: string) => specs.find((t) => t.name === name)?.shape;
      expect(specs.slice(3, 11).map((t) => `${t.name} ${t.shape.join('×')}`)).toEqual([
        'blocks.0.expand.weight 64×16×1×1',
        'blocks.0.expand.bias 64',
        'blocks.0.expand.prelu 64',
        'blocks.0.dw.weight 64×1×3×3',
        'blocks.0.dw.bias 64',
        'blocks.0.dw.prelu 64',
        'blocks.0.project.weight 24×64×1×1',
        'blocks.0.project.bias 24',
      ]);
      expect(shape('blocks.0.project.prelu')).toBeUndefined();
      expect(shape('blocks.1.expand.weight')).toEqual([144, 24, 1, 1]);
      expect(shape('blocks.2.pw.weight')).toEqual([40, 24, 1, 1]);
      expect(specs.slice(-7).map((t) => t.name)).toEqual([
        'head.weight',
        'head.bias',
        'head.prelu',
        'pool.weight',
        'pool.bias',
        'fc.weight',
        'fc.bias',
      ]);
      expect(shape('head.weight')).toEqual([64, 40, 1, 1]);
      expect(shape('pool.weight')).toEqual([64, 1, 4, 4]);
      expect(shape('fc.weight')).toEqual([32, 64]);
      expect(parameterCount(IR_ARCHITECTURE)).toBe(specs.reduce((n, t) => n + t.shape.reduce((a, b) => a * b), 0));
    });

    it('reads "type": "dsc" as the default block type', () => {
      const explicit = withHeader(golden, (h) => h.architecture.blocks.forEach((b: any) => (b.type = 'dsc')));
      expect(readWeights(explicit).architecture).toEqual(TINY_ARCHITECTURE);
    });

    it('needs exactly the tensors of the blocks and head it declares', () => {
      rejects(
        (a) => delete a.head,
        'shape-mismatch',
        /pool\.weight has shape \[64,1,4,4\], architecture needs \[40,1,4,4\]/,
      );
      rejects((a) => (a.head.channels = 48), 'shape-mismatch', /head\.weight/);
      rejects((a) => (a.blocks[0].expand = 2), 'shape-mismatch', /blocks\.0\.expand\.weight/);
      rejects((a) => (a.blocks[2] = { ...a.blocks[2], type: 'ir', expand: 1 }), 'missing-tensor', /blocks\.2\.expand/);
    });

    it('refuses an unknown block type, a bad or misplaced expand, and unknown keys, naming them', () => {
      const code = 'unsupported-architecture';
      rejects((a) => (a.blocks[1].type = 'mbconv'), code, /blocks\[1\]\.type .*"mbconv"/);
      rejects((a) => (a.blocks[1].type = null), code, /blocks\[1\]\.type/);
      rejects((a) => delete a.blocks[0].expand, code, /blocks\[0\]\.expand .*undefined/);
      for (const expand of [0, -1, 1.5, '4', null]) rejects((a) => (a.blocks[0].expand = expand), code, /expand/);
      // 16 input channels: 128 × 16 = 2048 is the most any layer may have (passed on to the cost check, which
      // refuses its 2 MiB of 16×16 maps).
      rejects((a) => (a.blocks[0].expand = 128), code, /2097152-byte activation/);
      rejects((a) => (a.blocks[0].expand = 129), code, /blocks\[0\]\.expand must be an integer in \[1, 128\]/);
      rejects((a) => (a.blocks[2].expand = 2), code, /blocks\[2\] \(type dsc\) has the unknown key "expand"/);
      rejects((a) => (a.blocks[1].kernel = 5), code, /blocks\[1\] \(type ir\) has the unknown key "kernel"/);
      rejects((a) => (a.blocks[1].residual = 'yes'), code, /residual/);
      rejects((a) => (a.blocks[0].residual = true), code, /blocks\[0\] is residual but changes shape/);
      rejects((a) => (a.dropout = 0.1), code, /architecture has the unknown key "dropout"/);
      rejects((a) => (a.stem.groups = 1), code, /architecture\.stem has the unknown key "groups"/);
      rejects((a) => (a.head = 64), code, /head must be an object/);
      rejects((a) => (a.head = { channels: 0 }), code, /head\.channels/);
      rejects((a) => (a.head.act = 'none'), code, /head has the unknown key "act"/);
      // The writer refuses what the reader would.
      const w = readWeights(irFile);
      expect(() => writeWeights({ ...w, architecture: { ...w.architecture, dropout: 0.1 } as never })).toThrow(
        /unknown key "dropout"/,
      );
    });
  });

  describe('version 2: the header is inside the checksum', () => {
    it('every single-byte change anywhere in the file is refused', () => {
      // Bytes 24-27 are the checksum itself; every other byte is covered. Step through header and data.
      for (let i = 0; i < golden.length; i += i < 32 + 400 ? 1 : 37) {
        if (i >= 24 && i < 28) continue;
        const bad = golden.slice();
        bad[i] ^= 0x01;
        try {
          readWeights(bad);
        } catch (e) {
          expect(e, `byte ${i}`).toBeInstanceOf(WeightsFormatError);
          continue;
        }
        throw new Error(`a flipped bit at byte ${i} loaded silently`);
      }
    });

    it('a changed header value with the old checksum is a checksum mismatch (version 1 could not tell)', () => {
      const edit = (h: Record<string, any>) => (h.input.mean = [0.25, 0.5, 0.5]);
      expectFormatError(withHeaderUnsealed(golden, edit), 'checksum-mismatch');
      expect(readWeights(withHeaderUnsealed(goldenV1, edit)).input.mean).toEqual([0.25, 0.5, 0.5]);
    });

    it('the reserved field must be zero', () => {
      const bad = golden.slice();
      new DataView(bad.buffer).setUint32(28, 1, true);
      expectFormatError(resealed(bad), 'bad-header', /reserved/);
    });
  });

  describe('version 1 files still load, with a warning', () => {
    it('reads the version 1 golden file to the same network, thresholds mapped to "hr"', () => {
      const v1 = readWeights(goldenV1);
      const v2 = readWeights(golden);
      expect(v1.architecture).toEqual(v2.architecture);
      for (const [name, t] of v2.tensors) expect(v1.tensors.get(name)).toEqual(t);
      expect(v1.thresholds).toEqual({
        calibration: V1_CALIBRATION,
        sizes: {
          hr: {
            'far_1e-2': { threshold: 0.5, tar: null, far: 0.01 },
            'far_1e-3': { threshold: 0.75, tar: null, far: 0.001 },
          },
        },
      });
      expect(v1.warnings).toHaveLength(1);
      expect(v1.warnings[0]).toMatch(/version 1/);
    });

    it('re-saving a version 1 file writes version 2 with the same tensors', () => {
      const back = writeWeights(readWeights(goldenV1));
      expect(new DataView(back.buffer).getUint32(8, true)).toBe(2);
      const w = readWeights(back);
      expect(w.warnings).toEqual([]);
      for (const [name, t] of readWeights(goldenV1).tensors) expect(w.tensors.get(name)).toEqual(t);
    });

    it('checks version 1 thresholds value by value', () => {
      expectFormatError(
        withHeader(goldenV1, (h) => (h.thresholds['far_1e-2'] = 1.5)),
        'bad-thresholds',
        /far_1e-2/,
      );
      expectFormatError(
        withHeader(goldenV1, (h) => (h.thresholds['far_1e-3'] = 'high')),
        'bad-thresholds',
      );
      expectFormatError(
        withHeader(goldenV1, (h) => (h.thresholds = [0.5])),
        'bad-thresholds',
      );
      expect(readWeights(withHeader(goldenV1, (h) => delete h.thresholds)).thresholds).toEqual(NO_THRESHOLDS);
    });

    it('the shipped weights are version 2, with their calibration carried over', () => {
      const shipped = readWeights(readFileSync(new URL('../weights/student.bfw', import.meta.url)));
      expect(shipped.warnings).toEqual([]);
      expect(shipped.thresholds.sizes.hr?.['far_1e-2']?.threshold).toBeGreaterThan(0);
      expect(shipped.input.crop?.loose?.frame).toBe(250);
    });
  });

  describe('header values are range-checked, with typed codes', () => {
    const rejects = (edit: (h: Record<string, any>) => void, code: string, message?: RegExp) =>
      expectFormatError(withHeader(golden, edit), code, message);

    it('input: mean in [0, 1], std positive and finite, resize known, crop boxes finite and positive', () => {
      rejects((h) => (h.input.mean = [0.5, 1.5, 0.5]), 'bad-input', /mean\[1\]/);
      rejects((h) => (h.input.mean = [0.5, -0.01, 0.5]), 'bad-input', /mean/);
      rejects((h) => (h.input.mean = [0.5, 0.5]), 'bad-input', /mean/);
      rejects((h) => (h.input.std = [0.5, 0, 0.5]), 'bad-input', /std\[1\]/);
      rejects((h) => (h.input.std = [0.5, -1, 0.5]), 'bad-input', /std/);
      rejects((h) => (h.input.std = [0.5, '1', 0.5]), 'bad-input', /std/);
      rejects((h) => (h.input.resize = 'nearest'), 'bad-input', /resize/);
      rejects((h) => (h.input = null), 'bad-input');
      rejects((h) => (h.input.crop = 7), 'bad-input', /crop/);
      rejects((h) => (h.input.crop.loose.box.width = 0), 'bad-input', /loose\.box\.width/);
      rejects((h) => (h.input.crop.loose.box.x = null), 'bad-input', /loose\.box\.x/);
      rejects((h) => (h.input.crop.loose.frame = -250), 'bad-input', /frame/);
      rejects((h) => delete h.input.crop.loose.box, 'bad-input', /loose\.box/);
      rejects((h) => (h.input.crop.loose.jitterTrained.scale = 2), 'bad-input', /jitterTrained/);
      rejects((h) => (h.input.crop.detector.scale = 0), 'bad-input', /detector\.scale/);
      rejects((h) => (h.input.crop.detector.dy = '0'), 'bad-input', /detector\.dy/);
      rejects((h) => (h.input.crop.aligned.convention = 3), 'bad-input', /convention/);
    });

    it('thresholds: cosines in [-1, 1], tar and far in [0, 1], known size and FAR keys', () => {
      const hr = (h: Record<string, any>) => h.thresholds.sizes.hr['far_1e-2'];
      rejects((h) => (hr(h).threshold = 1.01), 'bad-thresholds', /threshold/);
      rejects((h) => (hr(h).threshold = -1.5), 'bad-thresholds', /threshold/);
      rejects((h) => (hr(h).threshold = null), 'bad-thresholds', /threshold/);
      rejects((h) => (hr(h).tar = 1.2), 'bad-thresholds', /tar/);
      rejects((h) => (hr(h).far = -0.01), 'bad-thresholds', /far/);
      rejects((h) => delete hr(h).far, 'bad-thresholds', /far/);
      rejects((h) => (h.thresholds.sizes['0'] = {}), 'bad-thresholds', /"0"/);
      rejects((h) => (h.thresholds.sizes.large = {}), 'bad-thresholds', /large/);
      rejects((h) => (h.thresholds.sizes.hr['far_1e-4'] = hr(h)), 'bad-thresholds', /far_1e-4/);
      rejects((h) => (h.thresholds = { 'far_1e-2': 0.5 }), 'bad-thresholds', /calibration/);
      rejects((h) => (h.thresholds.calibration = 1), 'bad-thresholds', /calibration/);
      rejects((h) => (h.thresholds.sizes = []), 'bad-thresholds', /sizes/);
      expect(readWeights(withHeader(golden, (h) => (h.thresholds.sizes['24'] = {}))).thresholds.sizes['24']).toEqual(
        {},
      );
    });

    it('provenance must be an object', () => rejects((h) => (h.provenance = 'trained'), 'bad-header', /provenance/));

    it('the writer refuses values the reader would refuse', () => {
      const w = readWeights(golden);
      expect(() => writeWeights({ ...w, input: { ...w.input, std: [1, 1, 0] } })).toThrow(WeightsFormatError);
      expect(() =>
        writeWeights({
          ...w,
          thresholds: { calibration: 'x', sizes: { hr: { 'far_1e-2': { threshold: 2, tar: 0, far: 0 } } } },
        }),
      ).toThrow(WeightsFormatError);
    });
  });

  describe('tensor table', () => {
    it('a tensor name listed twice is refused (the later would win)', () => {
      expectFormatError(
        withHeader(golden, (h) => h.tensors.push({ ...h.tensors[0] })),
        'bad-tensor-table',
        /stem\.weight appears twice/,
      );
    });

    it('a tensor holding NaN or infinity is refused', () => {
      const bad = golden.slice();
      const view = new DataView(bad.buffer);
      view.setFloat32(view.getUint32(16, true), NaN, true);
      expectFormatError(resealed(bad), 'non-finite-tensor', /stem\.weight/);
      view.setFloat32(view.getUint32(16, true) + 4, -Infinity, true);
      view.setFloat32(view.getUint32(16, true), 0, true);
      expectFormatError(resealed(bad), 'non-finite-tensor', /element 1/);
    });
  });

  describe('architecture limits, checked before anything is allocated', () => {
    const arch = (h: Record<string, any>, a: Partial<Record<string, unknown>>) => Object.assign(h.architecture, a);

    it('refuses a network whose one face needs too large an activation tensor', () => {
      // 256×256 input, 2048 stem channels: 512 MiB per face (the probe's 337 KB header).
      expectFormatError(
        withHeader(golden, (h) => arch(h, { inputSize: 256, stem: { channels: 2048, stride: 1 } })),
        'unsupported-architecture',
        /activation/,
      );
      // Just over the limit: 1 MiB + one row. 64×64 stride-1 stem of 65 channels = 1,064,960 bytes.
      expectFormatError(
        withHeader(golden, (h) => arch(h, { inputSize: 64, stem: { channels: 65, stride: 1 } })),
        'unsupported-architecture',
        /activation/,
      );
    });

    it('refuses a network whose one face needs too many multiply-accumulates', () => {
      // Small activations (8×8 maps) but twenty 2048→2048 pointwise convolutions: 20 · 2048² · 64 ≈ 5.4e9 MACs.
      const blocks = Array.from({ length: 20 }, () => ({ channels: 2048, stride: 1, residual: true }));
      expectFormatError(
        withHeader(golden, (h) => arch(h, { inputSize: 16, stem: { channels: 2048, stride: 2 }, blocks })),
        'unsupported-architecture',
        /multiply-accumulates/,
      );
    });

    it('counts the expanded tensor of an inverted-residual block, and its multiply-accumulates', () => {
      // 64×64 maps of 32 channels (512 KiB) in and out of the block, but expanded ×3 inside it: 1.5 MiB.
      const block = { channels: 32, stride: 1, residual: true, type: 'ir', expand: 3 };
      const big = { inputSize: 64, stem: { channels: 32, stride: 1 }, blocks: [block] };
      expectFormatError(
        withHeader(golden, (h) => arch(h, big)),
        'unsupported-architecture',
        /activation/,
      );
      // 8×8 maps: 10 blocks of 128 → ×16 → 128 channels cost ≈ 10 · 2 · 128 · 2048 · 64 ≈ 3.4e8 MACs.
      const deep = Array.from({ length: 10 }, () => ({ ...block, channels: 128, expand: 16 }));
      const wide = { inputSize: 8, stem: { channels: 128, stride: 1 }, blocks: deep };
      expectFormatError(
        withHeader(golden, (h) => arch(h, wide)),
        'unsupported-architecture',
        /multiply-accumulates/,
      );
    });

    it('refuses more than 256 blocks', () => {
      const blocks = Array.from({ length: 257 }, () => ({ channels: 6, stride: 1, residual: true }));
      expectFormatError(
        withHeader(golden, (h) => (h.architecture.blocks = [h.architecture.blocks[0], ...blocks])),
        'unsupported-architecture',
        /256 blocks/,
      );
    });

    it('the default student is well inside both limits', () => {
      const network = buildNetwork({ architecture: DEFAULT_ARCHITECTURE });
      expect(network.macsPerFace * 8).toBeLessThan(ARCHITECTURE_LIMITS.macsPerFace);
      expect(Math.max(...network.tensorSizes) * 4 * 8).toBeLessThanOrEqual(ARCHITECTURE_LIMITS.activationBytesPerFace);
      expect(() => readWeights(writeWeights(randomWeights(1)))).not.toThrow();
    });
  });
});
