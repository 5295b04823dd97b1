/**
 * Boxes drawn over an image or a video: positioned in % of the picture, so they follow it whatever size the
 * layout gives it (a phone's column, a desktop panel). Used by the box editor, the webcam's framing guide, the
 * group photo's labelled faces and the live tracks.
 */
import type { TrackedFace } from '../src/api/detect-video.js';
import type { FaceBox } from '../src/runtime/image.js';

/** Positions `el` over `box` of a `width`×`height` picture; `mirrored` for a preview shown mirrored. */
export function placeBox(el: HTMLElement, box: FaceBox, width: number, height: number, mirrored = false): void {
  const left = mirrored ? width - box.x - box.width : box.x;
  Object.assign(el.style, {
    left: `${(left / width) * 100}%`,
    top: `${(box.y / height) * 100}%`,
    width: `${(box.width / width) * 100}%`,
    height: `${(box.height / height) * 100}%`,
  });
}

export interface LabelledBox {
  box: FaceBox;
  label: string;
  /** Drawn as a match (green) rather than as "unknown". */
  match: boolean;
  title: string;
  data: Record<string, string>;
  onClick(): void;
}

/** A photo with a button per face over it, labelled. */
export function photoWithBoxes(source: HTMLCanvasElement, boxes: readonly LabelledBox[]): HTMLElement {
  const stage = document.createElement('div');
  stage.className = 'scene-stage';
  const canvas = document.createElement('canvas');
  [canvas.width, canvas.height] = [source.width, source.height];
  canvas.getContext('2d')!.drawImage(source, 0, 0);
  stage.append(canvas);
  for (const b of boxes) {
    const tag = document.createElement('button');
    tag.className = `tag${b.match ? ' match' : ''}`;
    Object.assign(tag.dataset, b.data);
    placeBox(tag, b.box, source.width, source.height);
    const label = document.createElement('span');
    label.className = 'tag-label';
    label.textContent = b.label;
    tag.append(label);
    tag.title = b.title;
    tag.setAttribute('aria-label', `${b.label}: ${b.title}`);
    tag.addEventListener('click', b.onClick);
    stage.append(tag);
  }
  return stage;
}

/** A box per followed face over the (mirrored) webcam preview, labelled with its track's answer. */
export function drawTracks(container: HTMLElement, video: HTMLVideoElement, faces: readonly TrackedFace[]): void {
  container.replaceChildren(
    ...faces.map((f) => {
      const el = document.createElement('div');
      el.className = `track${f.track.outcome === 'match' ? ' match' : ''}`;
      placeBox(el, f.box, video.videoWidth, video.videoHeight, true);
      Object.assign(el.dataset, {
        track: String(f.trackId),
        label: f.track.label ?? 'unknown',
        frames: String(f.trackFrames),
        frameLabel: f.label ?? 'unknown',
        faceSize: String(f.faceSize),
      });
      const label = document.createElement('span');
      label.className = 'track-label';
      label.textContent = `${f.track.label ?? 'unknown'} · ${f.trackFrames} frame${f.trackFrames > 1 ? 's' : ''}`;
      el.append(label);
      return el;
    }),
  );
}
