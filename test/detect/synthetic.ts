/**
 * Synthetic frames for the detection tests: the demo's committed LFW-framed sample faces (125×125, the face in
 * the LFW loose box) pasted at chosen sizes into a textured background, with the pasted face boxes as truth.
 */

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LFW_LOOSE_BOX_250 } from '../../src/api/face-box.js';
import { decodeImage } from '../../src/cli/images.js';
import type { FaceBox, RgbaImage } from '../../src/runtime/image.js';
import { areaResize } from '../../src/runtime/resize.js';

const samples = fileURLToPath(new URL('../../demo/public/samples/', import.meta.url));
export const sampleFile = (name: string, i: number): string =>
  path.join(samples, `${name}_${String(i).padStart(4, '0')}.jpg`);

/** A deterministic textured background (smooth gradients plus seeded noise). */
export function background(width: number, height: number, seed = 1): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  let s = seed;
  const rand = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      data[o] = 90 + 60 * Math.sin(x / 37) + 20 * rand();
      data[o + 1] = 110 + 50 * Math.cos(y / 29) + 20 * rand();
      data[o + 2] = 100 + 40 * Math.sin((x + y) / 53) + 20 * rand();
      data[o + 3] = 255;
    }
  }
  return { data, width, height };
}

export interface Pasted {
  /** Where the face's loose box landed (its height is the face size). */
  box: FaceBox;
  /** The whole pasted image (LFW photos sometimes show a second person beside the face). */
  extent: FaceBox;
  label: string;
}

/**
 * Pastes an LFW-framed image scaled so that its face box (the LFW loose box) is `face` pixels tall, with the
 * face box's top-left corner at (x, y). Returns the face box in frame pixels.
 */
export function paste(frame: RgbaImage, image: RgbaImage, face: number, x: number, y: number, label: string): Pasted {
  const s = face / ((LFW_LOOSE_BOX_250.height / 250) * image.height);
  const w = Math.round(image.width * s),
    h = Math.round(image.height * s);
  const ox = Math.round(x - (LFW_LOOSE_BOX_250.x / 250) * image.width * s),
    oy = Math.round(y - (LFW_LOOSE_BOX_250.y / 250) * image.height * s);
  const small = areaResize(image, w, h);
  for (let j = 0; j < h; j++) {
    for (let i = 0; i < w; i++) {
      const fx = ox + i,
        fy = oy + j;
      if (fx < 0 || fy < 0 || fx >= frame.width || fy >= frame.height) continue;
      for (let c = 0; c < 4; c++) frame.data[(fy * frame.width + fx) * 4 + c] = small[(j * w + i) * 4 + c];
    }
  }
  return {
    box: {
      x: ox + (LFW_LOOSE_BOX_250.x / 250) * w,
      y: oy + (LFW_LOOSE_BOX_250.y / 250) * h,
      width: face,
      height: face,
    },
    extent: { x: ox, y: oy, width: w, height: h },
    label,
  };
}

export async function sample(name: string, i: number): Promise<RgbaImage> {
  return decodeImage(sampleFile(name, i));
}
