/**
 * The demo's faces: each is a whole image plus the box the network sees. A card shows the face as the network
 * sees it (the box shrunk to the face size, enlarged with its pixels visible) and, inset, the whole image with
 * the box outlined. The card list is one keyboard stop (roving tabindex): arrows move, keys act on the face.
 */
import { prepareFace } from '../src/api/prepare.js';
import { CHIP, type Similarity } from '../src/detect/align.js';
import type { InputSpec } from '../src/model/architecture.js';
import type { FaceBox, RgbaImage } from '../src/runtime/image.js';

/** 'detected': found by the detector in an added photo; 'photo' and 'webcam': placed by a box the user moves. */
type FaceKind = 'sample' | 'photo' | 'webcam' | 'detected';

/** A detected face: the chip the network sees, at the face's own resolution, and where it lies in the image. */
interface Chip {
  image: RgbaImage;
  /** Chip (CHIP×CHIP coordinates) → image transform. */
  transform: Similarity;
  alignment: 'landmarks' | 'box';
}
export type SlotName = 'a' | 'b' | 'q';

export interface Face {
  id: number;
  /** File name or description; unique on the page (cards carry it as data-name). */
  name: string;
  kind: FaceKind;
  /** Who it is, for the sample faces. */
  identity?: string;
  role?: 'enroll' | 'probe';
  /** The whole image. */
  rgba: RgbaImage;
  /** The region the network sees, in pixels of `rgba` (for a detected face, the detector's box). */
  box: FaceBox;
  /** Detected faces: what the network sees instead of the box shrunk to the face size. */
  chip?: Chip;
  /** The whole image at full resolution, for drawing. */
  source: HTMLCanvasElement;
  card: HTMLElement;
  pixels: HTMLCanvasElement;
  context: HTMLCanvasElement;
  verdict: HTMLElement;
}

/**
 * The face as the network sees it: a detected face's chip at its own resolution; else the box, area-downsampled
 * to size×size as the evaluation does.
 */
export function lowRes(face: Pick<Face, 'rgba' | 'box' | 'chip'>, input: InputSpec, size: number): RgbaImage {
  return face.chip?.image ?? prepareFace(face.rgba, input, { size, box: face.box });
}

/** The face size a decision about `face` is made for (pixels a side of what the network sees). */
export function faceSize(face: Face, size: number): number {
  return face.chip?.image.width ?? size;
}

/** A short, stable text form of a box (cache keys, data attributes). */
export function boxKey(box: FaceBox): string {
  return [box.x, box.y, box.width, box.height].map((v) => v.toFixed(1)).join(',');
}

export function drawPixels(canvas: HTMLCanvasElement, image: RgbaImage): void {
  canvas.width = image.width;
  canvas.height = image.height;
  canvas
    .getContext('2d')!
    .putImageData(new ImageData(new Uint8ClampedArray(image.data), image.width, image.height), 0, 0);
}

export function toCanvas(image: RgbaImage): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  drawPixels(canvas, image);
  return canvas;
}

/** The chip's corners in image pixels. */
function chipCorners(t: Similarity): Array<[number, number]> {
  const [a, b, tx, ty] = t;
  return [
    [0, 0],
    [CHIP, 0],
    [CHIP, CHIP],
    [0, CHIP],
  ].map(([u, v]) => [a * u - b * v + tx, b * u + a * v + ty]);
}

/** The whole image fitted into side×side CSS pixels with what the network sees outlined (at device resolution). */
function drawContext(canvas: HTMLCanvasElement, face: Pick<Face, 'source' | 'box' | 'chip'>, side: number): void {
  const ratio = window.devicePixelRatio || 1;
  const { width, height } = face.source;
  const scale = (side * ratio) / Math.max(width, height);
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  canvas.style.width = `${canvas.width / ratio}px`;
  canvas.style.height = `${canvas.height / ratio}px`;
  const g = canvas.getContext('2d')!;
  g.imageSmoothingQuality = 'high';
  g.drawImage(face.source, 0, 0, canvas.width, canvas.height);
  g.lineWidth = Math.max(1.5, ratio * 1.5);
  g.strokeStyle = '#ffd400';
  if (face.chip) {
    g.beginPath();
    for (const [x, y] of chipCorners(face.chip.transform)) g.lineTo(x * scale, y * scale);
    g.closePath();
    g.stroke();
  } else {
    const { x, y, width: w, height: h } = face.box;
    g.strokeRect(x * scale, y * scale, w * scale, h * scale);
  }
}

export interface CardActions {
  select(face: Face): void;
  slot(face: Face, slot: SlotName): void;
  editBox(face: Face): void;
  remove(face: Face): void;
}

const SLOT_TITLES: Record<SlotName, string> = { a: 'verify: use as A', b: 'verify: use as B', q: 'identify this face' };

/** Builds the card elements for a face (not yet attached). */
export function createCard(face: Omit<Face, 'card' | 'pixels' | 'context' | 'verdict'>, actions: CardActions): Face {
  const card = document.createElement('div');
  card.className = 'face';
  card.dataset.name = face.name;
  card.dataset.kind = face.kind;
  card.setAttribute('role', 'option');
  card.setAttribute('aria-selected', 'false');
  card.tabIndex = -1;
  const view = document.createElement('div');
  view.className = 'view';
  const pixels = document.createElement('canvas');
  pixels.className = 'pixels';
  const context = document.createElement('canvas');
  context.className = 'context';
  context.title = 'the whole image; the outline is the box the network sees';
  const verdict = document.createElement('span');
  verdict.className = 'verdict';
  view.append(pixels, context, verdict);
  if (face.chip) {
    const native = document.createElement('span');
    native.className = 'native';
    native.textContent = `${face.chip.image.width} px`;
    native.title = 'a detected face is shown, and identified, at its own resolution';
    view.append(native);
  }
  const label = document.createElement('div');
  label.className = 'name';
  label.textContent = face.identity ?? face.name;
  label.title = face.name;
  const tools = document.createElement('div');
  tools.className = 'tools';
  const full: Face = { ...face, card, pixels, context, verdict };
  const tool = (text: string, title: string, run: () => void, data: Record<string, string>) => {
    const button = document.createElement('button');
    button.textContent = text;
    button.title = title;
    button.setAttribute('aria-label', `${title}: ${face.identity ?? face.name}`);
    button.tabIndex = -1; // the card's keys do the same; one tab stop for the whole list
    Object.assign(button.dataset, data);
    button.addEventListener('click', (event) => {
      event.stopPropagation();
      run();
    });
    tools.append(button);
  };
  for (const slot of ['a', 'b', 'q'] as const)
    tool(slot === 'q' ? '?' : slot.toUpperCase(), SLOT_TITLES[slot], () => actions.slot(full, slot), { slot });
  if (face.kind === 'photo' || face.kind === 'webcam')
    tool('⬚', 'adjust the face box', () => actions.editBox(full), { act: 'box' });
  if (face.kind !== 'sample') tool('×', 'remove this face', () => actions.remove(full), { act: 'remove' });
  card.append(view, label, tools);
  card.addEventListener('click', () => {
    focusCard(full.card);
    actions.select(full);
  });
  return full;
}

/** Redraws a card for the current face size. */
export function drawCard(face: Face, input: InputSpec, size: number): void {
  drawPixels(face.pixels, lowRes(face, input, size));
  drawContext(face.context, face, 30);
  face.card.dataset.box = boxKey(face.box);
  const what =
    face.kind === 'sample'
      ? `sample ${face.role === 'probe' ? 'probe' : 'photo'}`
      : face.chip
        ? `detected, ${face.chip.image.width} px`
        : face.kind;
  face.card.setAttribute('aria-label', `${face.identity ?? face.name}, ${what}`);
}

/** Moves the list's single tab stop to `card` and focuses it. */
export function focusCard(card: HTMLElement): void {
  for (const other of card.parentElement?.children ?? []) (other as HTMLElement).tabIndex = -1;
  card.tabIndex = 0;
  card.focus();
}

/** Keyboard for the card list: arrows/Home/End move, Enter/Space select, A/B/I fill a slot, E edits, Delete removes. */
export function wireCardKeys(
  list: HTMLElement,
  faceOf: (card: HTMLElement) => Face | undefined,
  actions: CardActions,
): void {
  list.addEventListener('keydown', (event) => {
    const card = (event.target as HTMLElement).closest<HTMLElement>('.face');
    const face = card && faceOf(card);
    if (!card || !face) return;
    const cards = [...list.querySelectorAll<HTMLElement>('.face')];
    const i = cards.indexOf(card);
    const columns = Math.max(1, cards.filter((c) => c.offsetTop === cards[0].offsetTop).length);
    const move: Record<string, number> = {
      ArrowRight: 1,
      ArrowLeft: -1,
      ArrowDown: columns,
      ArrowUp: -columns,
      Home: -i,
      End: cards.length - 1 - i,
    };
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    if (key in move) {
      focusCard(cards[Math.min(cards.length - 1, Math.max(0, i + move[key]))]);
    } else if (key === 'Enter' || key === ' ') {
      actions.select(face);
    } else if (key === 'a' || key === 'b') {
      actions.slot(face, key);
    } else if (key === 'i' || key === '?') {
      actions.slot(face, 'q');
    } else if (key === 'e' && (face.kind === 'photo' || face.kind === 'webcam')) {
      actions.editBox(face);
    } else if ((key === 'Delete' || key === 'Backspace') && face.kind !== 'sample') {
      const next = cards[i + 1] ?? cards[i - 1];
      actions.remove(face);
      if (next && next !== card) focusCard(next);
    } else {
      return;
    }
    event.preventDefault();
  });
}
