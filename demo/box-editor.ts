/**
 * The face-box editor for added photos: the whole image with a square box the user drags (pointer or touch)
 * and resizes by its corner, or moves with the arrow keys and resizes with + and −. The box is kept square
 * (the network's input is) and inside the image. Every change is reported, so the card and the preview of what
 * the network sees follow the box as it moves.
 */
import type { FaceBox } from '../src/runtime/image.js';
import { placeBox } from './overlays.js';

export interface BoxEditorElements {
  panel: HTMLElement;
  stage: HTMLElement;
  image: HTMLCanvasElement;
  box: HTMLElement;
}

/** The box an added photo starts with when no face was detected: the centred square over 80 % of its shorter side. */
export function startingBox(width: number, height: number): FaceBox {
  const side = Math.round(Math.min(width, height) * 0.8);
  return { x: Math.round((width - side) / 2), y: Math.round((height - side) / 2), width: side, height: side };
}

/** Smallest box side, in image pixels. */
const MIN_SIDE = 8;
/** The stage's largest width and height, in CSS pixels. */
const MAX_STAGE = { width: 360, height: 300 };

export class BoxEditor {
  private width = 0;
  private height = 0;
  private current: FaceBox = { x: 0, y: 0, width: 0, height: 0 };
  private onChange: (box: FaceBox) => void = () => {};

  constructor(private readonly el: BoxEditorElements) {
    this.wirePointer();
    this.wireKeys();
  }

  get isOpen(): boolean {
    return !this.el.panel.hidden;
  }

  /** Shows `source` with `box`; `onChange` gets every new box. */
  open(source: HTMLCanvasElement, box: FaceBox, onChange: (box: FaceBox) => void): void {
    this.width = source.width;
    this.height = source.height;
    const { image, stage } = this.el;
    image.width = source.width;
    image.height = source.height;
    image.getContext('2d')!.drawImage(source, 0, 0);
    stage.style.width = `${Math.min(MAX_STAGE.width, (MAX_STAGE.height * source.width) / source.height)}px`;
    this.onChange = onChange;
    this.el.panel.hidden = false;
    this.set(box, false);
    this.el.box.focus({ preventScroll: true });
    this.el.panel.scrollIntoView({ block: 'nearest' });
  }

  close(): void {
    this.el.panel.hidden = true;
    this.onChange = () => {};
  }

  /** Clamps `box` to a square inside the image, shows it, and reports it unless `report` is false. */
  private set(box: FaceBox, report = true): void {
    const side = Math.min(Math.max(MIN_SIDE, box.width), this.width, this.height);
    const x = Math.min(Math.max(0, box.x), this.width - side);
    const y = Math.min(Math.max(0, box.y), this.height - side);
    this.current = { x, y, width: side, height: side };
    placeBox(this.el.box, this.current, this.width, this.height);
    this.el.box.dataset.box = [x, y, side].map((v) => v.toFixed(1)).join(',');
    if (report) this.onChange(this.current);
  }

  private wirePointer(): void {
    const { box } = this.el;
    let drag: { mode: 'move' | 'resize'; x: number; y: number; start: FaceBox; scale: number } | undefined;
    box.addEventListener('pointerdown', (event) => {
      const scale = this.width / this.el.image.getBoundingClientRect().width;
      const mode = (event.target as HTMLElement).classList.contains('handle') ? 'resize' : 'move';
      drag = { mode, x: event.clientX, y: event.clientY, start: { ...this.current }, scale };
      box.setPointerCapture(event.pointerId);
      event.preventDefault();
    });
    box.addEventListener('pointermove', (event) => {
      if (!drag) return;
      const dx = (event.clientX - drag.x) * drag.scale;
      const dy = (event.clientY - drag.y) * drag.scale;
      const { start } = drag;
      if (drag.mode === 'move') this.set({ ...start, x: start.x + dx, y: start.y + dy });
      else {
        const side = Math.min(start.width + Math.max(dx, dy), this.width - start.x, this.height - start.y);
        this.set({ ...start, width: side, height: side });
      }
    });
    const end = () => (drag = undefined);
    box.addEventListener('pointerup', end);
    box.addEventListener('pointercancel', end);
  }

  private wireKeys(): void {
    this.el.box.addEventListener('keydown', (event) => {
      const b = this.current;
      const step = Math.max(1, Math.round(b.width / 20)) * (event.shiftKey ? 5 : 1);
      const moves: Record<string, [number, number]> = {
        ArrowLeft: [-step, 0],
        ArrowRight: [step, 0],
        ArrowUp: [0, -step],
        ArrowDown: [0, step],
      };
      const grow =
        event.key === '+' || event.key === '=' ? 1.05 : event.key === '-' || event.key === '−' ? 1 / 1.05 : 0;
      if (event.key in moves) {
        const [dx, dy] = moves[event.key];
        this.set({ ...b, x: b.x + dx, y: b.y + dy });
      } else if (grow) {
        const side = b.width * grow;
        this.set({ x: b.x + (b.width - side) / 2, y: b.y + (b.height - side) / 2, width: side, height: side });
      } else {
        return;
      }
      event.preventDefault();
    });
  }
}
