/**
 * The bridgeface demo: faces at a chosen low resolution, a gallery to enroll into, verify and identify, a
 * WebGPU/CPU switch with faces/s. Embedding runs in a Web Worker (bridgeface/worker), the gallery on the page.
 */
import weightsUrl from '../weights/student.bfw?url';
import { Gallery } from '../src/api/gallery.js';
import { type Framing, prepareFace } from '../src/api/prepare.js';
import { type WorkerRecognizer, createWorkerRecognizer } from '../src/api/worker-client.js';
import { CalibrationError } from '../src/errors.js';
import type { RgbaImage } from '../src/runtime/image.js';

interface Face {
  id: number;
  /** File name or description. */
  name: string;
  /** Identity for sample faces. */
  identity?: string;
  role?: 'enroll' | 'probe';
  rgba: RgbaImage;
  framing: Framing;
  card: HTMLElement;
  canvas: HTMLCanvasElement;
}

interface SampleManifest {
  source: string;
  faces: Array<{ file: string; label: string; role: 'enroll' | 'probe' }>;
}

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const state = {
  rec: undefined as WorkerRecognizer | undefined,
  size: 16,
  faces: [] as Face[],
  selected: undefined as Face | undefined,
  slots: { a: undefined as Face | undefined, b: undefined as Face | undefined, q: undefined as Face | undefined },
  /** What is enrolled: label → faces; the gallery is rebuilt from it when the face size changes. */
  enrolled: new Map<string, Face[]>(),
  gallery: new Gallery(),
  nextId: 1,
};

function setStatus(text: string): void {
  $('status').textContent = text;
}

function notice(text: string | undefined): void {
  const el = $('notice');
  el.hidden = !text;
  el.textContent = text ?? '';
}

/** Serialises the page's work so controls never interleave half-finished updates. */
let queue: Promise<unknown> = Promise.resolve();
function busy<T>(work: () => Promise<T>): Promise<T> {
  const run = queue.then(async () => {
    document.body.dataset.busy = 'true';
    try {
      return await work();
    } finally {
      document.body.dataset.busy = 'false';
    }
  });
  queue = run.catch((e: unknown) => {
    console.error(e);
    setStatus(`Error: ${(e as Error).message}`);
  });
  return run;
}

async function loadModel(backend: 'webgpu' | 'cpu'): Promise<void> {
  state.rec?.dispose();
  setStatus(`Loading the model on ${backend === 'webgpu' ? 'WebGPU' : 'the CPU'}…`);
  const worker = new Worker(new URL('../src/api/worker.ts', import.meta.url), { type: 'module' });
  const rec = await createWorkerRecognizer({ worker, backend: backend === 'webgpu' ? 'auto' : 'cpu', weights: weightsUrl });
  state.rec = rec;
  const { info } = rec;
  const where = info.backend === 'webgpu' ? `WebGPU on ${info.adapter}` : `CPU (${info.adapter})`;
  setStatus(`${info.parameters.toLocaleString()}-parameter student, ${info.inputSize}×${info.inputSize} input, ${info.embeddingDim}-D embedding · ${where}`);
  const notes: string[] = [];
  if (backend === 'webgpu' && info.backend === 'cpu') notes.push(`WebGPU is unavailable in this browser, so bridgeface fell back to the CPU (${info.fallbackReason ?? 'no adapter'}).`);
  if (!info.trained) notes.push('These weights are an untrained placeholder: similarities carry no identity information and verification has no calibrated threshold.');
  notice(notes.length ? notes.join(' ') : undefined);
  document.body.dataset.backend = info.backend;
  document.body.dataset.trained = String(info.trained);
  ($('backend') as HTMLSelectElement).value = info.backend;
}

function inputSpec() {
  return state.rec!.weights.input;
}

function lowRes(face: Face): RgbaImage {
  return prepareFace(face.rgba, inputSpec(), { size: state.size, framing: face.framing });
}

function draw(canvas: HTMLCanvasElement, image: RgbaImage): void {
  canvas.width = image.width;
  canvas.height = image.height;
  canvas.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(image.data), image.width, image.height), 0, 0);
}

async function embed(faces: Face[]): Promise<Float32Array[]> {
  return state.rec!.embed(faces.map(lowRes));
}

async function toRgba(source: ImageBitmapSource): Promise<RgbaImage> {
  const bitmap = await createImageBitmap(source);
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d')!;
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  const { data, width, height } = context.getImageData(0, 0, canvas.width, canvas.height);
  return { data, width, height };
}

function addFace(name: string, rgba: RgbaImage, framing: Framing, identity?: string, role?: Face['role']): Face {
  const card = document.createElement('div');
  card.className = 'face';
  card.dataset.name = name;
  const canvas = document.createElement('canvas');
  const label = document.createElement('div');
  label.className = 'name';
  label.textContent = identity ?? name;
  label.title = `${name}${framing === 'framed' ? ' (LFW framing: loose face box)' : ' (whole image)'}`;
  const tools = document.createElement('div');
  tools.className = 'tools';
  const face: Face = { id: state.nextId++, name, identity, role, rgba, framing, card, canvas };
  for (const slot of ['a', 'b', 'q'] as const) {
    const button = document.createElement('button');
    button.textContent = slot === 'q' ? '?' : slot.toUpperCase();
    button.title = slot === 'q' ? 'identify this face' : `verify: use as ${slot.toUpperCase()}`;
    button.dataset.slot = slot;
    button.addEventListener('click', (event) => {
      event.stopPropagation();
      setSlot(slot, face);
    });
    tools.append(button);
  }
  card.append(canvas, label, tools);
  card.addEventListener('click', () => select(face));
  $('faces').append(card);
  state.faces.push(face);
  draw(canvas, lowRes(face));
  return face;
}

function select(face: Face): void {
  state.selected?.card.classList.remove('selected');
  state.selected = face;
  face.card.classList.add('selected');
  ($('label') as HTMLInputElement).value = face.identity ?? '';
}

function setSlot(slot: 'a' | 'b' | 'q', face: Face): void {
  state.slots[slot] = face;
  const el = $(`slot-${slot}`);
  el.querySelector('canvas')?.remove();
  el.querySelector('.name')?.remove();
  const canvas = document.createElement('canvas');
  draw(canvas, lowRes(face));
  const name = document.createElement('div');
  name.className = 'name';
  name.textContent = face.identity ?? face.name;
  el.dataset.name = face.name;
  el.append(canvas, name);
}

function bar(label: string, similarity: number, match = false): HTMLElement {
  const row = document.createElement('div');
  row.className = `bar${match ? ' match' : ''}`;
  row.dataset.label = label;
  row.dataset.similarity = similarity.toFixed(6);
  const name = document.createElement('span');
  name.textContent = label;
  const track = document.createElement('div');
  track.className = 'track';
  const fill = document.createElement('div');
  fill.className = 'fill';
  fill.style.width = `${Math.max(0, similarity) * 100}%`;
  track.append(fill);
  const value = document.createElement('span');
  value.textContent = similarity.toFixed(3);
  row.append(name, track, value);
  return row;
}

async function verify(): Promise<void> {
  const { a, b } = state.slots;
  const out = $('verify-result');
  if (!a || !b) {
    out.textContent = 'Choose faces A and B first (buttons A and B under each face).';
    return;
  }
  const [ea, eb] = await embed([a, b]);
  const similarity = state.rec!.similarity(ea, eb);
  const far = Number(($('far') as HTMLSelectElement).value) as 1e-2 | 1e-3;
  out.replaceChildren();
  out.dataset.similarity = similarity.toFixed(6);
  const decision = document.createElement('div');
  decision.className = 'decision';
  try {
    const v = await state.rec!.verify(ea, eb, { far, size: state.size });
    out.dataset.match = String(v.match);
    out.dataset.threshold = String(v.threshold);
    out.append(bar('similarity', similarity, v.match));
    decision.textContent = `${v.match ? 'Same person' : 'Different people'} (threshold ${v.threshold.toFixed(3)} at FAR ${far})`;
  } catch (e) {
    if (!(e instanceof CalibrationError)) throw e;
    out.dataset.match = 'unknown';
    out.append(bar('similarity', similarity));
    decision.textContent = 'No decision: these weights have no calibrated threshold.';
  }
  out.append(decision);
}

async function identify(): Promise<void> {
  const q = state.slots.q;
  const out = $('identify-result');
  if (!q) {
    out.textContent = 'Choose a face to identify first (button ? under each face).';
    return;
  }
  if (state.gallery.size === 0) {
    out.textContent = 'The gallery is empty: enroll some faces first.';
    return;
  }
  const [e] = await embed([q]);
  const hits = await state.gallery.search(e, 5);
  out.replaceChildren(...hits.map((h, i) => bar(h.label, h.similarity, i === 0)));
  out.dataset.top = hits[0]?.label ?? '';
}

async function rebuildGallery(): Promise<void> {
  const gallery = new Gallery();
  const entries = [...state.enrolled.entries()];
  const faces = entries.flatMap(([, f]) => f);
  if (faces.length > 0) {
    const embeddings = await embed(faces);
    let i = 0;
    for (const [label, list] of entries) gallery.add(label, embeddings.slice(i, (i += list.length)));
  }
  state.gallery = gallery;
  renderGallery();
}

function renderGallery(): void {
  const list = $('gallery');
  list.replaceChildren(
    ...[...state.enrolled.entries()].map(([label, faces]) => {
      const li = document.createElement('li');
      li.textContent = `${label} (${faces.length})`;
      return li;
    }),
  );
  const n = state.gallery.size;
  $('gallery-count').textContent = n === 0 ? 'empty' : `${n} people, ${state.gallery.rows} faces, at ${state.size} px`;
}

async function enroll(label: string, faces: Face[]): Promise<void> {
  const embeddings = await embed(faces);
  state.gallery.add(label, embeddings);
  state.enrolled.set(label, [...(state.enrolled.get(label) ?? []), ...faces]);
  renderGallery();
}

async function loadSamples(): Promise<void> {
  const manifest = (await (await fetch('./samples/samples.json')).json()) as SampleManifest;
  const images = await Promise.all(manifest.faces.map(async (f) => toRgba(await (await fetch(`./samples/${f.file}`)).blob())));
  manifest.faces.forEach((f, i) => addFace(f.file, images[i], 'framed', f.label, f.role));
}

async function enrollSamples(): Promise<void> {
  const byLabel = new Map<string, Face[]>();
  for (const f of state.faces) if (f.role === 'enroll' && f.identity) byLabel.set(f.identity, [...(byLabel.get(f.identity) ?? []), f]);
  for (const [label, faces] of byLabel) {
    if (state.enrolled.has(label)) continue;
    state.enrolled.set(label, faces);
  }
  await rebuildGallery();
}

/** Last measured faces/s per backend, so switching shows both. */
const rates = new Map<string, number>();

async function measure(): Promise<void> {
  const faces = state.faces.slice(0, 36).map(lowRes);
  if (faces.length === 0) return;
  await state.rec!.embed(faces); // warm-up (plans for this batch size)
  let count = 0;
  const start = performance.now();
  while (performance.now() - start < 1500) {
    await state.rec!.embed(faces);
    count += faces.length;
  }
  const rate = count / ((performance.now() - start) / 1000);
  rates.set(state.rec!.info.backend, rate);
  const out = $('fps');
  const name = (b: string) => (b === 'webgpu' ? 'WebGPU' : 'CPU');
  out.textContent = `${[...rates].map(([b, r]) => `${name(b)} ${r.toFixed(0)} faces/s`).join(' · ')} (batches of ${faces.length}, via the worker)`;
  out.dataset.rate = rate.toFixed(1);
}

async function addFiles(files: Iterable<File>): Promise<void> {
  for (const file of files) {
    if (!file.type.startsWith('image/')) continue;
    try {
      addFace(file.name, await toRgba(file), 'none');
    } catch (e) {
      setStatus(`Cannot read ${file.name}: ${(e as Error).message}`);
    }
  }
}

let stream: MediaStream | undefined;
async function webcamFrame(): Promise<void> {
  const video = $('video') as HTMLVideoElement;
  if (!stream) {
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
    video.srcObject = stream;
    await video.play();
  }
  // The central square of the frame: put your face in the middle.
  const side = Math.min(video.videoWidth, video.videoHeight);
  const canvas = new OffscreenCanvas(side, side);
  const context = canvas.getContext('2d')!;
  context.drawImage(video, (video.videoWidth - side) / 2, (video.videoHeight - side) / 2, side, side, 0, 0, side, side);
  const { data, width, height } = context.getImageData(0, 0, side, side);
  addFace(`webcam ${new Date().toLocaleTimeString()}`, { data, width, height }, 'none');
}

function redrawAll(): void {
  $('size-out').textContent = `${state.size} px`;
  for (const f of state.faces) draw(f.canvas, lowRes(f));
  for (const slot of ['a', 'b', 'q'] as const) if (state.slots[slot]) setSlot(slot, state.slots[slot]!);
}

function wire(): void {
  $('backend').addEventListener('change', (e) =>
    busy(async () => {
      await loadModel((e.target as HTMLSelectElement).value as 'webgpu' | 'cpu');
      await measure();
    }),
  );
  $('size').addEventListener('input', (e) => {
    state.size = Number((e.target as HTMLInputElement).value);
    redrawAll();
    void busy(rebuildGallery);
  });
  $('throughput').addEventListener('click', () => busy(measure));
  $('verify').addEventListener('click', () => busy(verify));
  $('identify').addEventListener('click', () => busy(identify));
  $('enroll-samples').addEventListener('click', () => busy(enrollSamples));
  $('enroll').addEventListener('click', () =>
    busy(async () => {
      const label = ($('label') as HTMLInputElement).value.trim();
      if (!state.selected || !label) return setStatus('Select a face (click it) and type a name to enroll it.');
      await enroll(label, [state.selected]);
    }),
  );
  $('clear-gallery').addEventListener('click', () => {
    state.enrolled.clear();
    void busy(rebuildGallery);
  });
  $('files').addEventListener('change', (e) => busy(() => addFiles((e.target as HTMLInputElement).files ?? [])));
  $('webcam').addEventListener('click', () => busy(webcamFrame));
  const drop = document.body;
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    $('drop').classList.add('over');
  });
  drop.addEventListener('dragleave', () => $('drop').classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    $('drop').classList.remove('over');
    void busy(() => addFiles(e.dataTransfer?.files ?? []));
  });
}

wire();
const initialBackend = new URLSearchParams(location.search).get('backend') === 'cpu' ? 'cpu' : 'webgpu';
void busy(async () => {
  await loadModel(initialBackend);
  await loadSamples();
  document.body.dataset.ready = 'true';
});
