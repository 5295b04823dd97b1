/**
 * Faces followed through a video: each frame's detections are associated with the tracks of the previous
 * frames (optimal box-overlap assignment, src/detect/associate.ts), and a track is identified from the mean of
 * its last `window` embeddings — at 16 px one frame carries little identity, several frames of the same face
 * carry much more (docs/detection.md measures how much).
 */
import { associate } from '../detect/associate.js';
import type { FrameSource } from '../detect/detector.js';
import { InputError } from '../errors.js';
import { type Identification, identification, operatingPoint } from './decision.js';
import type { FaceGallery, FaceRecognizer, IdentifiedFace, IdentifyFacesOptions } from './recognizer.js';

export interface TrackerOptions extends IdentifyFacesOptions {
  /** Embeddings averaged per track: the last this many frames (default 8). */
  window?: number;
  /** A detection continues a track when their boxes overlap by at least this IoU (default 0.3). */
  minIou?: number;
  /** A track unseen for more than this many frames is dropped (default 5). */
  maxMissed?: number;
}

export interface TrackedFace extends IdentifiedFace {
  /** Stable across frames while the face is followed. */
  trackId: number;
  /** Frames whose embeddings the track's answer averages (≤ window). */
  trackFrames: number;
  /**
   * The track's answer, from its mean embedding, decided as this frame's own (the fields of IdentifiedFace) at
   * the same operating point.
   */
  track: Identification;
}

interface Track {
  id: number;
  box: IdentifiedFace['box'];
  embeddings: Float32Array[];
  missed: number;
}

export class FaceTracker {
  private tracks: Track[] = [];
  private nextId = 1;
  private readonly window: number;
  private readonly minIou: number;
  private readonly maxMissed: number;

  constructor(
    private readonly recognizer: FaceRecognizer,
    private readonly gallery: FaceGallery,
    private readonly options: TrackerOptions = {},
  ) {
    this.window = options.window ?? 8;
    this.minIou = options.minIou ?? 0.3;
    this.maxMissed = options.maxMissed ?? 5;
    if (!(Number.isInteger(this.window) && this.window >= 1))
      throw new InputError('bad-option', `window must be an integer ≥ 1, got ${this.window}`);
    if (!(this.minIou > 0 && this.minIou <= 1))
      throw new InputError('bad-option', `minIou must be in (0, 1], got ${this.minIou}`);
  }

  /** Detects, identifies and follows the faces of the next frame. */
  async process(frame: FrameSource): Promise<TrackedFace[]> {
    const faces = await this.recognizer.identifyFaces(frame, this.gallery, this.options);
    return this.update(faces);
  }

  /** Continues the tracks with already identified faces of the next frame (what `process` does after identifying). */
  async update(faces: readonly IdentifiedFace[]): Promise<TrackedFace[]> {
    const pairs = associate(
      this.tracks.map((t) => t.box),
      faces.map((f) => f.box),
      this.minIou,
    );
    const trackOf = new Map(pairs.map(([t, d]) => [d, this.tracks[t]]));
    const seen = new Set<Track>();
    const current = faces.map((face, i) => {
      let track = trackOf.get(i);
      if (!track) {
        track = { id: this.nextId++, box: face.box, embeddings: [], missed: 0 };
        this.tracks.push(track);
      }
      track.box = face.box;
      track.missed = 0;
      track.embeddings.push(face.embedding);
      if (track.embeddings.length > this.window) track.embeddings.shift();
      seen.add(track);
      return track;
    });
    for (const t of this.tracks) if (!seen.has(t)) t.missed++;
    this.tracks = this.tracks.filter((t) => t.missed <= this.maxMissed);
    if (faces.length === 0) return [];
    const means = current.map((t) => meanEmbedding(t.embeddings));
    const [matches, labels] = await Promise.all([
      this.gallery.searchMany(means, this.options.k ?? 5),
      this.gallery.labels(),
    ]);
    return faces.map((face, i) => ({
      ...face,
      trackId: current[i].id,
      trackFrames: current[i].embeddings.length,
      track: identification(
        matches[i],
        labels.length,
        operatingPoint(this.recognizer.info.thresholds, face.far, face.faceSize),
      ),
    }));
  }

  /** Forgets every track (e.g. after a cut). */
  reset(): void {
    this.tracks = [];
  }
}

/** The normalised mean of unit embeddings. */
export function meanEmbedding(embeddings: readonly Float32Array[]): Float32Array {
  const mean = new Float32Array(embeddings[0].length);
  for (const e of embeddings) for (let j = 0; j < mean.length; j++) mean[j] += e[j];
  const norm = Math.hypot(...mean) || 1;
  for (let j = 0; j < mean.length; j++) mean[j] /= norm;
  return mean;
}

/**
 * Follows the faces of a playing `<video>` (browsers): calls `onFrame` with each presented frame's faces until
 * `signal` aborts or the video ends. Frames that arrive while one is being processed are skipped, so the tracker
 * runs as fast as detection allows without queuing.
 */
export function trackVideo(
  tracker: FaceTracker,
  video: HTMLVideoElement,
  onFrame: (faces: TrackedFace[], time: number) => void,
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    const next = (): void => {
      if (options.signal?.aborted || video.ended) resolve();
      else if (typeof video.requestVideoFrameCallback === 'function')
        video.requestVideoFrameCallback(() => void step());
      else requestAnimationFrame(() => void step());
    };
    const step = async (): Promise<void> => {
      try {
        if (video.readyState >= 2) onFrame(await tracker.process(video), video.currentTime);
        next();
      } catch (e) {
        reject(e);
      }
    };
    next();
  });
}
