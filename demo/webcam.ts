/**
 * The webcam: a live preview with a framing guide (the square the network will see), frames read as RGBA, and
 * a stream that is stopped (every track ended) whenever the camera is not in use. Failures become sentences a
 * user can act on; the browser's DOMException text is never shown.
 */
import type { FaceBox, RgbaImage } from '../src/runtime/image.js';
import { placeBox } from './overlays.js';

/** The framing guide's side, as a share of the frame's shorter side. */
const GUIDE_SHARE = 0.6;

export class CameraError extends Error {
  override name = 'CameraError';
}

/** What to tell the user when the camera cannot start. */
function cameraErrorMessage(e: unknown): string {
  const name = e instanceof DOMException || e instanceof Error ? e.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'Camera access is blocked for this page. Allow the camera in the browser’s site settings (the icon by the address), then try again.';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'No camera was found. Connect one and try again, or add photos instead.';
    case 'NotReadableError':
    case 'AbortError':
      return 'The camera could not be opened: another application may be using it. Close it and try again.';
    default:
      return 'The camera could not be started. Try again, or add photos instead.';
  }
}

/** The centred square the guide shows, in frame pixels. */
function guideBox(width: number, height: number): FaceBox {
  const side = Math.round(Math.min(width, height) * GUIDE_SHARE);
  return { x: Math.round((width - side) / 2), y: Math.round((height - side) / 2), width: side, height: side };
}

export class Webcam {
  private stream: MediaStream | undefined;
  private canvas: OffscreenCanvas | undefined;

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly guide: HTMLElement,
  ) {}

  get live(): boolean {
    return this.stream !== undefined;
  }

  /** Opens the camera and shows it; throws `CameraError` with a readable message. */
  async start(): Promise<void> {
    if (this.stream) return;
    if (!window.isSecureContext || !navigator.mediaDevices?.getUserMedia) {
      throw new CameraError('The camera needs a secure page: open the demo over https:// or from http://localhost.');
    }
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: 'user' },
        audio: false,
      });
    } catch (e) {
      throw new CameraError(cameraErrorMessage(e));
    }
    this.stream = stream;
    this.video.srcObject = stream;
    try {
      await this.video.play();
      if (this.video.videoWidth === 0)
        await new Promise((resolve) => this.video.addEventListener('loadedmetadata', resolve, { once: true }));
    } catch (e) {
      this.stop();
      throw new CameraError(cameraErrorMessage(e));
    }
    const { videoWidth: w, videoHeight: h } = this.video;
    const g = guideBox(w, h);
    placeBox(this.guide, g, w, h);
    this.video.parentElement!.style.aspectRatio = `${w} / ${h}`;
    this.guide.hidden = false;
  }

  /** Ends every track and detaches the stream. */
  stop(): void {
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.stream = undefined;
    this.video.srcObject = null;
    this.guide.hidden = true;
  }

  /** The current frame, whole, with the guide's box. */
  frame(): { rgba: RgbaImage; box: FaceBox } {
    const { videoWidth: width, videoHeight: height } = this.video;
    if (!this.stream || width === 0) throw new CameraError('The camera is not running.');
    if (this.canvas?.width !== width || this.canvas.height !== height) this.canvas = new OffscreenCanvas(width, height);
    const g = this.canvas.getContext('2d', { willReadFrequently: true })!;
    g.drawImage(this.video, 0, 0);
    const { data } = g.getImageData(0, 0, width, height);
    return { rgba: { data, width, height }, box: guideBox(width, height) };
  }
}
