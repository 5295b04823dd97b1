/**
 * How a frame is fed to a detector so that faces down to `minFace` pixels are found: a short pyramid of scales,
 * the first one upscaling the frame until a `minFace`-pixel face is as large as the network reliably sees
 * (`nativeMinFace`), each next one a third of the previous, until the largest face the frame can hold fits one
 * pass. A fixed-input network (BlazeFace, 256×256) covers each scale with overlapping tiles; a dynamic-input one
 * (YuNet) takes the whole scaled frame, tiled only past `maxInputSide`. The cost grows with the number of input
 * pixels, about (nativeMinFace / minFace)² × the frame (docs/detection.md has measured times).
 */
import { InputError } from '../errors.js';
import type { FaceBox } from '../runtime/image.js';
import type { FamilySpec } from './families.js';

export interface Tile {
  /** The source rectangle (frame pixels; may extend past the frame, padded black). */
  region: FaceBox;
  /** Network input size. */
  inputWidth: number;
  inputHeight: number;
  /** Which of its edges lie inside the frame (detections touching them are left to the neighbouring tile). */
  innerEdges: { left: boolean; top: boolean; right: boolean; bottom: boolean };
}

export interface Pass {
  /** Input pixels per frame pixel. */
  scale: number;
  tiles: Tile[];
}

/** The faces a pass is responsible for shrink by this factor from one pass to the next. */
const PYRAMID_STEP = 1 / 3;
/** Upscaling beyond this adds cost without adding detail the networks can use. */
const MAX_UPSCALE = 4;

export interface PlanOptions {
  minFace: number;
  /** Longest input side of one dynamic-input pass before it is tiled. */
  maxInputSide?: number;
}

export function planPasses(spec: FamilySpec, width: number, height: number, options: PlanOptions): Pass[] {
  const { minFace } = options;
  if (!(Number.isFinite(minFace) && minFace >= 4))
    throw new InputError('bad-option', `minFace must be a number ≥ 4 (pixels), got ${minFace}`);
  const maxInputSide = options.maxInputSide ?? 4096;
  const passes: Pass[] = [];
  let scale = Math.min(spec.nativeMinFace / minFace, MAX_UPSCALE);
  const largestFace = Math.min(width, height);
  for (;;) {
    const fixed = spec.fixedInput;
    // The whole frame in one fixed input: the last, coarsest pass.
    const fitsOne = fixed !== undefined && Math.max(width, height) * scale <= fixed;
    if (fixed !== undefined && (fitsOne || largestFace * scale <= spec.nativeMaxFace)) {
      const s = Math.min(scale, fixed / Math.max(width, height));
      passes.push({ scale: s, tiles: [wholeFrame(s, fixed, fixed)] });
      break;
    }
    passes.push({ scale, tiles: tilesFor(spec, width, height, scale, fixed ?? maxInputSide) });
    if (largestFace * scale <= spec.nativeMaxFace) break;
    scale *= PYRAMID_STEP;
  }
  return passes;
}

function wholeFrame(scale: number, inputWidth: number, inputHeight: number): Tile {
  return {
    region: { x: 0, y: 0, width: inputWidth / scale, height: inputHeight / scale },
    inputWidth,
    inputHeight,
    innerEdges: { left: false, top: false, right: false, bottom: false },
  };
}

/** Input sides of a dynamic network: the scaled extent rounded up to its stride. */
function roundUp(v: number, stride: number): number {
  return Math.max(stride, Math.ceil(v / stride) * stride);
}

function tilesFor(spec: FamilySpec, width: number, height: number, scale: number, side: number): Tile[] {
  const W = width * scale,
    H = height * scale;
  const fixed = spec.fixedInput !== undefined;
  if (!fixed && W <= side && H <= side) return [wholeFrame(scale, roundUp(W, spec.stride), roundUp(H, spec.stride))];
  // Neighbouring tiles overlap by the largest face this pass is responsible for, so each such face lies whole in one.
  const overlap = Math.min(side / 2, Math.ceil(spec.nativeMinFace / PYRAMID_STEP) + 8);
  const starts = (extent: number): number[] => {
    if (extent <= side) return [0];
    const n = Math.ceil((extent - overlap) / (side - overlap));
    const step = (extent - side) / (n - 1);
    return Array.from({ length: n }, (_, i) => i * step);
  };
  const tiles: Tile[] = [];
  const xs = starts(W),
    ys = starts(H);
  for (const [j, y] of ys.entries()) {
    for (const [i, x] of xs.entries()) {
      const inputWidth = fixed ? side : roundUp(Math.min(side, W - x), spec.stride);
      const inputHeight = fixed ? side : roundUp(Math.min(side, H - y), spec.stride);
      tiles.push({
        region: { x: x / scale, y: y / scale, width: inputWidth / scale, height: inputHeight / scale },
        inputWidth,
        inputHeight,
        innerEdges: { left: i > 0, top: j > 0, right: i < xs.length - 1, bottom: j < ys.length - 1 },
      });
    }
  }
  return tiles;
}
