/**
 * `bridgeface verify`: the similarity of two faces, the decision at the threshold calibrated for their size and
 * the requested FAR, what that threshold means, and the backend that computed it.
 */

import { type Far, faceSizeOf } from '../api/decision.js';
import { CalibrationError } from '../errors.js';
import { type CliIo, backendLine, openRecognizer, warn } from './context.js';
import { loadFace } from './faces.js';
import type { CommonOptions } from './options.js';

export interface VerifyCliOptions extends CommonOptions {
  far: string;
  json?: boolean;
  maxPixels?: number;
}

/** Exit code: 0 decided, 3 the weights carry no thresholds (the similarity is still printed). */
export async function verifyCommand(a: string, b: string, o: VerifyCliOptions, io: CliIo): Promise<number> {
  const rec = await openRecognizer(o, io);
  try {
    const faces = [];
    for (const file of [a, b]) faces.push(await loadFace(file, rec, o, (w) => warn(io, w)));
    const [ea, eb] = await rec.embed(faces, { mirror: o.mirror });
    const far = Number(o.far) as Far;
    const backend = backendLine(rec);
    try {
      const v = await rec.verify(ea, eb, { far, size: Math.min(...faces.map(faceSizeOf)) });
      if (v.warning) warn(io, v.warning);
      if (o.json)
        io.stdout(
          `${JSON.stringify({ a, b, size: o.size ?? null, backend: rec.info.backend, adapter: rec.info.adapter, ...v })}\n`,
        );
      else {
        const at = v.calibratedSize === 'hr' ? 'full-resolution' : `${v.calibratedSize}-px`;
        io.stdout(`similarity ${v.similarity.toFixed(4)}\n`);
        io.stdout(
          `decision   ${v.match ? 'same person' : 'different people'} (threshold ${v.threshold.toFixed(4)} at FAR ${far}, ${at} calibration)\n`,
        );
        io.stdout(`meaning    ${v.meaning}\n`);
        io.stdout(`backend    ${backend}\n`);
      }
      return 0;
    } catch (e) {
      if (!(e instanceof CalibrationError)) throw e;
      const similarity = rec.similarity(ea, eb);
      if (o.json)
        io.stdout(
          `${JSON.stringify({ a, b, size: o.size ?? null, backend: rec.info.backend, adapter: rec.info.adapter, similarity, far, error: e.message })}\n`,
        );
      else
        io.stdout(`similarity ${similarity.toFixed(4)}\ndecision   unavailable: ${e.message}\nbackend    ${backend}\n`);
      return 3;
    }
  } finally {
    rec.dispose();
  }
}
