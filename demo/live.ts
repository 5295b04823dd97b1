/**
 * Live naming in the webcam preview, on the library's video API: `FaceTracker` follows each face from frame to
 * frame and names a track from the mean of its last embeddings (far stronger than one small frame), and
 * `trackVideo` feeds it the video's frames as fast as detection allows, skipping frames rather than queuing them.
 * The tracker runs on the page's worker recognizer: detection on this thread, embedding in the worker.
 */

import type { Far } from '../src/api/decision.js';
import { FaceTracker, type TrackedFace, trackVideo } from '../src/api/detect-video.js';
import type { Gallery } from '../src/api/gallery.js';
import type { FaceRecognizer } from '../src/api/recognizer.js';
import { loadDetector } from './detection.js';

/** Webcam faces are large: searching for small ones would only cost passes. */
const LIVE_MIN_FACE = 40;
/** Frames averaged per track. */
const WINDOW = 8;

export interface LiveOptions {
  video: HTMLVideoElement;
  recognizer: FaceRecognizer;
  far: Far;
  /** The gallery as it is now (it is rebuilt when faces are enrolled or the face size changes). */
  gallery: () => Gallery;
  onFrame: (faces: TrackedFace[]) => void;
}

/** Starts naming the faces of `video`; resolves when `signal` aborts or the video ends, rejects on a failure. */
export async function runLive(options: LiveOptions, signal: AbortSignal): Promise<void> {
  const detector = await loadDetector();
  if (signal.aborted) return;
  // A view of whichever gallery is current, so the tracks survive a rebuild.
  const gallery = {
    searchMany: (probes: readonly Float32Array[], k?: number) => options.gallery().searchMany(probes, k),
    labels: () => options.gallery().labels(),
  };
  const tracker = new FaceTracker(options.recognizer, gallery, {
    detector,
    far: options.far,
    minFace: LIVE_MIN_FACE,
    window: WINDOW,
    k: 3,
  });
  await trackVideo(tracker, options.video, options.onFrame, { signal });
}
