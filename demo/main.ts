/**
 * The bridgeface demo: faces at a chosen low resolution, each with the box the network sees; a gallery to
 * enroll into, save and load; verify and identify; a WebGPU/CPU switch with faces/s. Embedding runs in a Web
 * Worker (bridgeface/worker), the gallery on the page.
 *
 * Results never go stale: every change that alters an embedding (face size, backend, a box, the gallery) marks
 * the results on screen out of date at once and recomputes them, debounced and coalesced, so a slider drag
 * costs one recomputation, not one per step. Embeddings are cached per face, model, size and box.
 */

import type { Far, Identification, Verification } from '../src/api/decision.js';
import type { TrackedFace } from '../src/api/detect-video.js';
import { framedFaceBox } from '../src/api/face-box.js';
import { Gallery, type GalleryMatch } from '../src/api/gallery.js';
import { type WorkerRecognizer, createWorkerRecognizer } from '../src/api/worker-client.js';
import { CalibrationError, GpuError } from '../src/errors.js';
import type { RgbaImage } from '../src/runtime/image.js';
import weightsUrl from '../weights/student.bfw?url';
import { BoxEditor, startingBox } from './box-editor.js';
import { type DetectedFace, detectFaces, detectorReady } from './detection.js';
import {
  type Face,
  type SlotName,
  boxKey,
  createCard,
  drawCard,
  drawPixels,
  faceSize,
  focusCard,
  lowRes,
  toCanvas,
  wireCardKeys,
} from './faces.js';
import { GalleryStore } from './gallery-store.js';
import { runLive } from './live.js';
import { type LabelledBox, drawTracks, photoWithBoxes } from './overlays.js';
import { $, bar, coalesce, describeError, enqueue, say } from './ui.js';
import { CameraError, Webcam } from './webcam.js';

interface SampleManifest {
  source: string;
  faces: Array<{ file: string; label: string; role: 'enroll' | 'probe' }>;
}

type ResultName = 'verify' | 'identify' | 'probes' | 'scene';

const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|software|microsoft basic/i;

const state = {
  rec: undefined as WorkerRecognizer | undefined,
  /** Bumped for every model loaded, so cached embeddings of the previous one are not reused. */
  modelId: 0,
  size: 16,
  faces: [] as Face[],
  selected: undefined as Face | undefined,
  slots: { a: undefined, b: undefined, q: undefined } as Record<SlotName, Face | undefined>,
  store: undefined as GalleryStore | undefined,
  /** Results the user asked for, kept up to date. */
  shown: new Set<ResultName>(),
  /** The last added photo in which faces were detected. */
  scene: undefined as { name: string; rgba: RgbaImage; source: HTMLCanvasElement; faces: Face[] } | undefined,
  /** Bumped by every change that makes results out of date; a computation started earlier discards its result. */
  version: 0,
  nextId: 1,
};
const cards = new Map<HTMLElement, Face>();
const RESULT_ELEMENT: Record<ResultName, string> = {
  verify: 'verify-result',
  identify: 'identify-result',
  probes: 'probes-result',
  scene: 'scene-result',
};

const rec = (): WorkerRecognizer => {
  if (!state.rec) throw new Error('The model is still loading.');
  return state.rec;
};
const input = () => rec().weights.input;
const backendName = () => (rec().info.backend === 'webgpu' ? 'WebGPU' : 'CPU');
const store = (): GalleryStore => (state.store ??= new GalleryStore(rec().info.embeddingDim));

// ---------------------------------------------------------------------------------------------- embeddings

const cache = new WeakMap<Face, { key: string; embedding: Float32Array }>();
const faceKey = (face: Face) => `${state.modelId}|${face.chip ? 'chip' : state.size}|${boxKey(face.box)}`;

/** Embeddings of `faces` at the current size, embedding only those not cached, in one batch. */
async function embed(faces: Face[]): Promise<Float32Array[]> {
  const missing = [...new Set(faces.filter((f) => cache.get(f)?.key !== faceKey(f)))];
  if (missing.length > 0) {
    const keys = missing.map(faceKey);
    const size = state.size;
    const embeddings = await rec().embed(missing.map((f) => lowRes(f, input(), size)));
    missing.forEach((f, i) => cache.set(f, { key: keys[i], embedding: embeddings[i] }));
  }
  return faces.map((f) => cache.get(f)!.embedding);
}

/** The gallery the list and count show (re-rendered only when it was rebuilt or marked as updating). */
let galleryShown: Gallery | undefined;

async function gallery(): Promise<Gallery> {
  const s = store();
  const key = `${state.modelId}|${state.size}|${s
    .faces()
    .map((f) => boxKey(f.box))
    .join(';')}`;
  const g = await s.build(key, embed);
  if (g !== galleryShown || $('gallery-count').dataset.updating === 'true') renderGallery();
  galleryShown = g;
  return g;
}

// ---------------------------------------------------------------------------------------------- staleness

/** Marks everything on screen out of date and schedules the recomputation. */
function invalidate(): void {
  state.version++;
  for (const name of state.shown) $(RESULT_ELEMENT[name]).dataset.stale = 'true';
  renderGallery(true);
  recompute.poke();
}

const recompute = coalesce('header-msg', 250, async () => {
  if (!state.rec) return;
  await gallery();
  for (const name of state.shown) await RENDER[name]();
});

/** Drops a result (its inputs changed in a way that needs the user to ask again). */
function dropResult(name: ResultName): void {
  state.shown.delete(name);
  const el = $(RESULT_ELEMENT[name]);
  el.replaceChildren();
  for (const key of Object.keys(el.dataset)) delete el.dataset[key];
  if (name === 'probes') {
    el.hidden = true;
    for (const f of state.faces) setVerdict(f, undefined);
  }
}

/** Fills a result element: content, the size and backend it was computed at, no longer stale. */
function showResult(name: ResultName, nodes: Node[], data: Record<string, string>, at = `at ${state.size} px`): void {
  const el = $(RESULT_ELEMENT[name]);
  for (const key of Object.keys(el.dataset)) delete el.dataset[key];
  Object.assign(el.dataset, data, { size: String(state.size), backend: rec().info.backend });
  const stamp = document.createElement('div');
  stamp.className = 'stamp';
  stamp.textContent = `${at} · ${backendName()} (${rec().info.adapter})`;
  el.replaceChildren(...nodes, stamp);
  el.hidden = false;
}

// ---------------------------------------------------------------------------------------------- model

type BackendChoice = 'auto' | 'webgpu' | 'cpu';

async function startWorker(backend: BackendChoice): Promise<WorkerRecognizer> {
  const worker = new Worker(new URL('../src/api/worker.ts', import.meta.url), { type: 'module' });
  try {
    return await createWorkerRecognizer({ worker, backend, weights: weightsUrl });
  } catch (e) {
    worker.terminate();
    throw e;
  }
}

async function loadModel(choice: BackendChoice): Promise<void> {
  if (live) {
    stopLive(); // it runs its own recognizer on the old backend
    say(
      'webcam-msg',
      'Live naming stopped because the backend changed; press Name faces live to run it on the new one.',
    );
  }
  state.rec?.dispose();
  state.rec = undefined;
  $('status').textContent =
    `Loading the model${choice === 'auto' ? '' : ` on ${choice === 'webgpu' ? 'WebGPU' : 'the CPU'}`}…`;
  const notes: string[] = [];
  let r: WorkerRecognizer;
  try {
    r = await startWorker(choice);
  } catch (e) {
    if (choice !== 'webgpu' || !(e instanceof GpuError)) throw e;
    notes.push(`WebGPU is unavailable in this browser, so the demo runs on the CPU (${e.message}).`);
    r = await startWorker('cpu');
  }
  state.rec = r;
  state.modelId++;
  const { info } = r;
  const where = info.backend === 'webgpu' ? `WebGPU on ${info.adapter}` : `CPU (${info.adapter})`;
  $('status').textContent =
    `${info.parameters.toLocaleString()}-parameter student, ${info.inputSize}×${info.inputSize} input, ${info.embeddingDim}-D embedding · ${where}`;
  if (choice === 'auto')
    notes.push(
      info.fallbackReason
        ? `Auto chose the CPU: ${info.fallbackReason}.`
        : 'Auto chose WebGPU: it embeds faster than the CPU here.',
    );
  const software = info.backend === 'webgpu' && SOFTWARE_ADAPTER.test(info.adapter);
  if (software)
    notes.push(
      `${info.adapter} is a software adapter: WebGPU emulated on the CPU, correct but slow. Its faces/s says nothing about a real GPU.`,
    );
  if (!info.trained)
    notes.push(
      'These weights are an untrained placeholder: similarities carry no identity information and verification has no calibrated threshold.',
    );
  const notice = $('notice');
  notice.hidden = notes.length === 0;
  notice.textContent = notes.join(' ');
  Object.assign(document.body.dataset, {
    backend: info.backend,
    software: String(software),
    trained: String(info.trained),
  });
  ($('backend') as HTMLSelectElement).value = choice;
  invalidate();
}

/** Last measured faces/s per backend, so switching shows both. */
const rates = new Map<string, number>();

async function measure(): Promise<void> {
  const faces = state.faces.slice(0, 36).map((f) => lowRes(f, input(), state.size));
  if (faces.length === 0) return say('header-msg', 'Add some faces first.');
  await rec().embed(faces); // warm-up (plans for this batch size)
  let count = 0;
  const start = performance.now();
  while (performance.now() - start < 1500) {
    await rec().embed(faces);
    count += faces.length;
  }
  const rate = count / ((performance.now() - start) / 1000);
  rates.set(rec().info.backend, rate);
  const out = $('fps');
  const name = (b: string) => (b === 'webgpu' ? 'WebGPU' : 'CPU');
  out.textContent = `${[...rates].map(([b, r]) => `${name(b)} ${r.toFixed(0)} faces/s`).join(' · ')} (batches of ${faces.length} at ${state.size} px, via the worker)`;
  out.dataset.rate = rate.toFixed(1);
}

// ---------------------------------------------------------------------------------------------- faces

const actions = {
  select(face: Face) {
    state.selected?.card.setAttribute('aria-selected', 'false');
    state.selected = face;
    face.card.setAttribute('aria-selected', 'true');
    ($('label') as HTMLInputElement).value = face.identity ?? '';
  },
  slot: (face: Face, slot: SlotName) => setSlot(slot, face),
  editBox,
  remove: removeFace,
};

type NewFace = Pick<Face, 'name' | 'kind' | 'rgba' | 'box'> &
  Partial<Pick<Face, 'identity' | 'role' | 'chip' | 'source'>>;

function addFace(face: NewFace): Face {
  const full = createCard({ id: state.nextId++, ...face, source: face.source ?? toCanvas(face.rgba) }, actions);
  cards.set(full.card, full);
  $('faces').append(full.card);
  if (state.faces.length === 0) full.card.tabIndex = 0;
  state.faces.push(full);
  drawCard(full, input(), state.size);
  return full;
}

function removeFace(face: Face): void {
  if (editing === face) closeEditor();
  face.card.remove();
  cards.delete(face.card);
  state.faces = state.faces.filter((f) => f !== face);
  if (state.selected === face) state.selected = undefined;
  if (!state.faces.some((f) => f.card.tabIndex === 0) && state.faces[0]) state.faces[0].card.tabIndex = 0;
  for (const slot of ['a', 'b', 'q'] as const) if (state.slots[slot] === face) clearSlot(slot);
  store().forget(face);
  if (state.scene?.faces.includes(face)) state.scene.faces = state.scene.faces.filter((f) => f !== face);
  invalidate();
}

function uniqueName(name: string): string {
  let n = 1;
  let candidate = name;
  while (state.faces.some((f) => f.name === candidate)) candidate = `${name} (${++n})`;
  return candidate;
}

async function toRgba(source: Blob): Promise<RgbaImage> {
  const bitmap = await createImageBitmap(source);
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d')!;
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  const { data, width, height } = context.getImageData(0, 0, canvas.width, canvas.height);
  return { data, width, height };
}

async function addFiles(files: Iterable<File>): Promise<void> {
  const placed: Face[] = [];
  const skipped: string[] = [];
  let detected = 0;
  let detectorFailure: string | undefined;
  for (const file of files) {
    let rgba: RgbaImage;
    try {
      if (!file.type.startsWith('image/')) throw new Error('not an image');
      rgba = await toRgba(file);
    } catch {
      skipped.push(file.name);
      continue;
    }
    let found: DetectedFace[] = [];
    if (!detectorFailure) {
      say(
        'add-msg',
        `Looking for faces in ${file.name}${detectorReady() ? '' : ' (loading the face detector: ONNX Runtime and BlazeFace, the first time only)'}…`,
      );
      try {
        found = await detectFaces(rgba);
      } catch (e) {
        console.warn(e);
        detectorFailure = describeError(e);
      }
    }
    if (found.length > 0) {
      const source = toCanvas(rgba);
      const faces = found.map((f, i) =>
        addFace({
          name: uniqueName(`${file.name} #${i + 1}`),
          kind: 'detected',
          rgba,
          source,
          box: f.detection.box,
          chip: { image: f.chip, transform: f.transform, alignment: f.alignment },
        }),
      );
      detected += faces.length;
      showScene(file.name, rgba, source, faces);
    } else {
      placed.push(
        addFace({ name: uniqueName(file.name), kind: 'photo', rgba, box: startingBox(rgba.width, rgba.height) }),
      );
    }
  }
  const parts: string[] = [];
  if (detected > 0)
    parts.push(
      `Found ${detected} face${detected > 1 ? 's' : ''}: each is identified at its own resolution (the face size slider does not apply to them).`,
    );
  if (placed.length > 0) {
    const why = detectorFailure
      ? `The face detector could not run (${detectorFailure}), so`
      : `No face was found in ${placed.map((f) => f.name).join(', ')}:`;
    parts.push(`${why} drag ${placed.length > 1 ? 'each' : 'its'} box onto the face (button ⬚ on a card reopens it).`);
  }
  if (skipped.length > 0) parts.push(`Could not read ${skipped.join(', ')} as an image.`);
  say('add-msg', parts.join(' '), skipped.length > 0 || detectorFailure ? 'error' : 'info');
  if (placed[0]) editBox(placed[0]);
}

async function loadSamples(): Promise<void> {
  const manifest = (await (await fetch('./samples/samples.json')).json()) as SampleManifest;
  const images = await Promise.all(
    manifest.faces.map(async (f) => toRgba(await (await fetch(`./samples/${f.file}`)).blob())),
  );
  manifest.faces.forEach((f, i) => {
    const rgba = images[i];
    addFace({
      name: f.file,
      kind: 'sample',
      rgba,
      box: framedFaceBox(input(), rgba.width, rgba.height),
      identity: f.label,
      role: f.role,
    });
  });
}

// ---------------------------------------------------------------------------------------------- box editor

const editor = new BoxEditor({
  panel: $('editor'),
  stage: $('stage'),
  image: $('editor-image') as HTMLCanvasElement,
  box: $('editor-box'),
});
let editing: Face | undefined;

function editBox(face: Face): void {
  editing = face;
  $('editor-name').textContent = face.name;
  editor.open(face.source, face.box, (box) => {
    face.box = box;
    redrawFace(face);
    drawEditorPreview();
    invalidate();
  });
  drawEditorPreview();
}

function drawEditorPreview(): void {
  if (!editing) return;
  drawPixels($('editor-preview') as HTMLCanvasElement, lowRes(editing, input(), state.size));
  $('editor-caption').textContent = `what the network sees (${state.size}×${state.size})`;
}

function closeEditor(): void {
  const face = editing;
  editing = undefined;
  editor.close();
  if (face?.card.isConnected) focusCard(face.card);
}

/** Redraws a face's card and any slot it sits in. */
function redrawFace(face: Face): void {
  drawCard(face, input(), state.size);
  for (const slot of ['a', 'b', 'q'] as const) if (state.slots[slot] === face) drawSlot(slot);
}

// ---------------------------------------------------------------------------------------------- webcam

const webcam = new Webcam($('video') as HTMLVideoElement, $('guide'));
let previewTimer: ReturnType<typeof setInterval> | undefined;

async function openWebcam(): Promise<void> {
  $('webcam-panel').hidden = false;
  say('webcam-msg');
  try {
    await webcam.start();
  } catch (e) {
    stopWebcam();
    $('webcam-panel').hidden = false;
    say('webcam-msg', e instanceof CameraError ? e.message : 'The camera could not be started.', 'error');
    return;
  }
  document.body.dataset.camera = 'live';
  ($('capture') as HTMLButtonElement).disabled = false;
  ($('live') as HTMLButtonElement).disabled = false;
  $('webcam-panel').scrollIntoView({ block: 'nearest' });
  previewTimer = setInterval(() => {
    if (!webcam.live || !state.rec) return;
    drawPixels($('webcam-preview') as HTMLCanvasElement, lowRes(webcam.frame(), input(), state.size));
  }, 200);
}

let live: AbortController | undefined;

function startLive(): void {
  if (!state.rec) {
    say('webcam-msg', 'The model is still loading; try again in a moment.', 'error');
    return;
  }
  const controller = new AbortController();
  live = controller;
  const button = $('live');
  button.setAttribute('aria-pressed', 'true');
  button.textContent = 'Stop naming';
  document.body.dataset.live = 'on';
  say(
    'webcam-msg',
    `Loading the face detector${detectorReady() ? '' : ' (ONNX Runtime and BlazeFace, the first time only)'}…`,
  );
  let first = true;
  const options = {
    video: $('video') as HTMLVideoElement,
    recognizer: rec(),
    far: farOf('identify-far'),
    gallery: () => galleryShown ?? new Gallery({ dim: rec().info.embeddingDim }),
    onFrame: (faces: TrackedFace[]) => {
      if (controller.signal.aborted) return;
      if (first)
        say(
          'webcam-msg',
          'Naming faces live: each box follows one face and is named from its last frames together (the count), which is far surer than one frame.',
        );
      first = false;
      drawTracks($('tracks'), $('video') as HTMLVideoElement, faces);
    },
  };
  runLive(options, controller.signal).catch((e: unknown) => {
    console.warn(e);
    stopLive();
    say('webcam-msg', `Live naming stopped: ${describeError(e)}`, 'error');
  });
}

function stopLive(): void {
  live?.abort();
  live = undefined;
  const button = $('live');
  button.setAttribute('aria-pressed', 'false');
  button.textContent = 'Name faces live';
  document.body.dataset.live = 'off';
  $('tracks').replaceChildren();
}

function stopWebcam(message?: string): void {
  stopLive();
  clearInterval(previewTimer);
  webcam.stop();
  document.body.dataset.camera = 'off';
  ($('capture') as HTMLButtonElement).disabled = true;
  ($('live') as HTMLButtonElement).disabled = true;
  $('webcam-panel').hidden = !message;
  if (message) say('webcam-msg', message);
}

function capture(): void {
  const { rgba, box } = webcam.frame();
  const face = addFace({ name: uniqueName(`webcam ${new Date().toLocaleTimeString()}`), kind: 'webcam', rgba, box });
  say('webcam-msg', `Captured “${face.name}”: it is the last card under Faces.`);
}

// ---------------------------------------------------------------------------------------------- slots

function drawSlot(slot: SlotName): void {
  const face = state.slots[slot];
  const el = $(`slot-${slot}`);
  el.querySelector('canvas')?.remove();
  el.querySelector('.name')?.remove();
  delete el.dataset.name;
  if (!face) return;
  const canvas = document.createElement('canvas');
  canvas.className = 'pixels';
  drawPixels(canvas, lowRes(face, input(), state.size));
  const name = document.createElement('div');
  name.className = 'name';
  name.textContent = face.identity ?? face.name;
  el.dataset.name = face.name;
  el.append(canvas, name);
}

function setSlot(slot: SlotName, face: Face): void {
  state.slots[slot] = face;
  drawSlot(slot);
  if (slot === 'q') {
    dropResult('identify');
    say('identify-msg', `Identify “${face.identity ?? face.name}”: press Identify.`);
  } else {
    dropResult('verify');
    say(
      'verify-msg',
      state.slots.a && state.slots.b ? 'Press Verify to compare A and B.' : `Now choose ${state.slots.a ? 'B' : 'A'}.`,
    );
  }
}

function clearSlot(slot: SlotName): void {
  state.slots[slot] = undefined;
  drawSlot(slot);
  dropResult(slot === 'q' ? 'identify' : 'verify');
}

// ---------------------------------------------------------------------------------------------- verify

const farOf = (id: string) => Number(($(id) as HTMLSelectElement).value) as Far;

/** A paragraph of small print under a decision. */
function note(text: string, className = 'meaning'): HTMLElement {
  const el = document.createElement('div');
  el.className = className;
  el.textContent = text;
  return el;
}

async function renderVerify(): Promise<void> {
  const { a, b } = state.slots;
  if (!a || !b) {
    dropResult('verify');
    return say('verify-msg', 'Choose faces A and B first (buttons A and B on the cards, or keys A and B).', 'error');
  }
  const version = state.version;
  const [ea, eb] = await embed([a, b]);
  const similarity = rec().similarity(ea, eb);
  let decision: Verification | undefined;
  try {
    decision = await rec().verify(ea, eb, {
      far: farOf('far'),
      size: Math.min(faceSize(a, state.size), faceSize(b, state.size)),
    });
  } catch (e) {
    if (!(e instanceof CalibrationError)) throw e;
  }
  if (version !== state.version) return;
  const nodes: Node[] = [
    bar('similarity', similarity, { threshold: decision?.threshold, tone: decision?.match ? 'match' : 'plain' }),
  ];
  if (decision) {
    const { match, threshold } = decision;
    nodes.push(
      note(
        `${match ? 'Same person' : 'Different people'}: similarity ${similarity.toFixed(3)} ${match ? '≥' : '<'} threshold ${threshold.toFixed(3)}.`,
        'decision',
      ),
    );
    nodes.push(note(`${capitalise(decision.meaning)}.`));
    if (decision.warning) nodes.push(note(`${capitalise(decision.warning)}.`, 'warning'));
  } else {
    nodes.push(note('No decision: these weights have no calibrated threshold.', 'decision'));
  }
  const data: Record<string, string> = {
    similarity: similarity.toFixed(6),
    match: decision ? String(decision.match) : 'unknown',
  };
  if (decision) Object.assign(data, { threshold: String(decision.threshold), calibratedSize: decision.calibratedSize });
  showResult('verify', nodes, data);
  say('verify-msg');
}

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

// ---------------------------------------------------------------------------------------------- identify

/** An identification, or (weights without thresholds) a ranking with no decision. */
type Answer = Identification | { outcome: 'ranking'; candidates: GalleryMatch[]; label?: undefined };

/** Identifies an embedding of a face of `size` pixels. */
async function identifyEmbedding(embedding: Float32Array, g: Gallery, size: number): Promise<Answer> {
  try {
    return await rec().identify(embedding, g, { far: farOf('identify-far'), size, k: 5 });
  } catch (e) {
    if (!(e instanceof CalibrationError)) throw e;
    return { outcome: 'ranking', candidates: await g.search(embedding, 5) };
  }
}

function answerText(id: Answer): string {
  const top = id.candidates[0];
  if (id.outcome === 'ranking') return `Closest: ${top.label} (no calibrated threshold: a ranking, not a decision).`;
  if (id.outcome === 'match')
    return `${id.label}: similarity ${id.similarity.toFixed(3)} ≥ threshold ${id.threshold.toFixed(3)}.`;
  return `Unknown: nobody enrolled reaches the threshold ${id.threshold.toFixed(3)}; the closest is ${top.label} at ${top.similarity.toFixed(3)}.`;
}

async function renderIdentify(): Promise<void> {
  const q = state.slots.q;
  if (!q) {
    dropResult('identify');
    return say('identify-msg', 'Choose a face to identify first (button ? on a card, or key I).', 'error');
  }
  if (store().people === 0) {
    dropResult('identify');
    return say('identify-msg', 'The gallery is empty: enroll some faces first.', 'error');
  }
  const version = state.version;
  const g = await gallery();
  const [e] = await embed([q]);
  const id = await identifyEmbedding(e, g, faceSize(q, state.size));
  if (version !== state.version) return;
  const threshold = id.outcome === 'ranking' ? undefined : id.threshold;
  const nodes: Node[] = id.candidates.map((h, i) =>
    bar(h.label, h.similarity, { threshold, tone: i === 0 && id.outcome === 'match' ? 'match' : 'plain' }),
  );
  nodes.push(note(answerText(id), 'decision'));
  if (id.outcome !== 'ranking') nodes.push(note(`${capitalise(id.meaning)}.`));
  if (id.outcome !== 'ranking' && id.warning) nodes.push(note(`${capitalise(id.warning)}.`, 'warning'));
  const data: Record<string, string> = {
    top: id.candidates[0]?.label ?? '',
    answer: id.outcome === 'ranking' ? (id.candidates[0]?.label ?? '') : (id.label ?? 'unknown'),
  };
  if (q.identity) {
    const verdict = verdictOf(q, id);
    const check = {
      right: `✓ right: this is ${q.identity}.`,
      wrong: `✗ wrong: this is ${q.identity}.`,
      missed: `✗ missed: this is ${q.identity}.`,
      'not-enrolled': `✓ right: ${q.identity} is not enrolled.`,
    }[verdict];
    nodes.push(note(check, `check ${verdict}`));
    data.verdict = verdict;
  }
  showResult('identify', nodes, data);
  say('identify-msg');
}

type Verdict = 'right' | 'wrong' | 'missed' | 'not-enrolled';

/** How an answer for a sample face compares with who it is. */
function verdictOf(face: Face, id: Answer): Verdict {
  const named = id.outcome === 'ranking' ? id.candidates[0]?.label : id.label;
  if (named === face.identity) return 'right';
  if (named === undefined) return store().entries.has(face.identity!) ? 'missed' : 'not-enrolled';
  return 'wrong';
}

function setVerdict(face: Face, verdict: Verdict | undefined): void {
  face.verdict.textContent = verdict === undefined ? '' : verdict === 'right' || verdict === 'not-enrolled' ? '✓' : '✗';
  face.verdict.className = `verdict ${verdict ?? ''}`;
  face.verdict.title = verdict ?? '';
  if (verdict) face.card.dataset.verdict = verdict;
  else delete face.card.dataset.verdict;
}

async function renderProbes(): Promise<void> {
  const probes = state.faces.filter((f) => f.role === 'probe');
  if (probes.length === 0 || store().people === 0) {
    dropResult('probes');
    return say(
      'identify-msg',
      'Enroll the sample gallery first: the held-out probes are identified against it.',
      'error',
    );
  }
  const version = state.version;
  const g = await gallery();
  const embeddings = await embed(probes);
  const answers: Answer[] = [];
  for (const [i, e] of embeddings.entries())
    answers.push(await identifyEmbedding(e, g, faceSize(probes[i], state.size)));
  if (version !== state.version) return;
  const counts: Record<Verdict, number> = { right: 0, wrong: 0, missed: 0, 'not-enrolled': 0 };
  let rankOne = 0;
  probes.forEach((face, i) => {
    const verdict = verdictOf(face, answers[i]);
    counts[verdict]++;
    if (answers[i].candidates[0]?.label === face.identity) rankOne++;
    setVerdict(face, verdict);
  });
  const text = document.createElement('span');
  text.textContent =
    `Held-out probes (never enrolled photos of enrolled people): ✓ ${counts.right + counts['not-enrolled']} named right, ✗ ${counts.wrong} named wrong, ` +
    `✗ ${counts.missed} “unknown”; ${rankOne} of ${probes.length} had their own person ranked first.`;
  showResult('probes', [text], {
    right: String(counts.right),
    wrong: String(counts.wrong),
    missed: String(counts.missed),
    rankOne: String(rankOne),
    total: String(probes.length),
  });
  say('identify-msg');
}

// ---------------------------------------------------------------------------------------------- group photo

function showScene(name: string, rgba: RgbaImage, source: HTMLCanvasElement, faces: Face[]): void {
  state.scene = { name, rgba, source, faces };
  $('scene-name').textContent = name;
  $('scene').hidden = false;
  state.shown.add('scene');
  invalidate();
}

/** A face the detector missed: a box on the scene's photo for the user to place. */
function addMissedFace(): void {
  const scene = state.scene;
  if (!scene) return;
  const { rgba, source } = scene;
  editBox(
    addFace({ name: uniqueName(scene.name), kind: 'photo', rgba, source, box: startingBox(rgba.width, rgba.height) }),
  );
  say('add-msg', 'Drag the box onto the face the detector missed.');
}

function closeScene(): void {
  state.scene = undefined;
  dropResult('scene');
  $('scene').hidden = true;
}

/** The photo with a box per detected face, named from the gallery or "unknown". */
async function renderScene(): Promise<void> {
  const scene = state.scene;
  if (!scene || scene.faces.length === 0) return closeScene();
  const version = state.version;
  const embeddings = await embed(scene.faces);
  const g = store().people > 0 ? await gallery() : undefined;
  const answers: Array<Answer | undefined> = [];
  for (const [i, e] of embeddings.entries())
    answers.push(g && (await identifyEmbedding(e, g, faceSize(scene.faces[i], state.size))));
  if (version !== state.version) return;
  const names: string[] = [];
  const boxes: LabelledBox[] = scene.faces.map((face, i) => {
    const answer = answers[i];
    const named = answer?.outcome === 'match' || answer?.outcome === 'ranking' ? answer.candidates[0] : undefined;
    const size = faceSize(face, state.size);
    // Without calibrated thresholds there is no decision, only the closest person.
    const text = named ? `${answer?.outcome === 'ranking' ? 'closest: ' : ''}${named.label}` : 'unknown';
    names.push(`${text} (${size} px)`);
    return {
      box: face.box,
      label: named ? `${text} ${named.similarity.toFixed(2)}` : text,
      match: answer?.outcome === 'match',
      title: `${face.name}, ${size} px, cut out by its ${face.chip?.alignment === 'landmarks' ? 'landmarks' : 'box'}${g ? '' : '; the gallery is empty'}: select its card`,
      data: { face: face.name, answer: named?.label ?? 'unknown' },
      onClick: () => {
        focusCard(face.card);
        actions.select(face);
      },
    };
  });
  const stage = photoWithBoxes(scene.source, boxes);
  const summary = note(
    `${scene.faces.length} face${scene.faces.length > 1 ? 's' : ''}: ${names.join(', ')}.${g ? '' : ' The gallery is empty, so nobody can be named yet.'}`,
    'decision',
  );
  showResult(
    'scene',
    [stage, summary],
    { faces: String(scene.faces.length) },
    `each face at its own resolution, the gallery at ${state.size} px`,
  );
}

const RENDER: Record<ResultName, () => Promise<void>> = {
  verify: renderVerify,
  identify: renderIdentify,
  probes: renderProbes,
  scene: renderScene,
};

/** Runs a result for the first time (or again) from its button. */
function ask(name: ResultName, msgId: string, button: HTMLButtonElement, busyLabel: string): void {
  state.shown.add(name);
  void enqueue(msgId, RENDER[name], button, busyLabel);
}

// ---------------------------------------------------------------------------------------------- gallery

function renderGallery(updating = false): void {
  if (!state.rec) return;
  const s = store();
  $('gallery').replaceChildren(
    ...[...s.entries].map(([label, entry]) => {
      const li = document.createElement('li');
      li.dataset.label = label;
      const name = document.createElement('span');
      const parts = [
        entry.faces.length > 0 ? String(entry.faces.length) : '',
        entry.fromFile > 0 ? `${entry.fromFile} from a file` : '',
      ].filter(Boolean);
      name.textContent = `${label} (${parts.join(' + ')})`;
      const remove = document.createElement('button');
      remove.className = 'remove';
      remove.textContent = '×';
      remove.title = `remove ${label} from the gallery`;
      remove.setAttribute('aria-label', `Remove ${label}`);
      remove.addEventListener('click', () => {
        s.remove(label);
        say('gallery-msg', `Removed ${label}.`);
        invalidate();
      });
      li.append(name, remove);
      return li;
    }),
  );
  const count = $('gallery-count');
  count.textContent =
    s.people === 0
      ? 'empty'
      : `${s.people} people, ${s.rows} faces, at ${state.size} px${updating ? ' (updating…)' : ''}`;
  count.dataset.updating = String(updating && s.people > 0);
}

function enrollSelected(): void {
  const label = ($('label') as HTMLInputElement).value.trim();
  if (!state.selected || !label) {
    say('gallery-msg', 'Select a face (click it, or Enter on it) and type a name to enroll it.', 'error');
    return;
  }
  store().add(label, [state.selected]);
  say('gallery-msg', `Enrolled “${state.selected.identity ?? state.selected.name}” as ${label}.`);
  invalidate();
}

function enrollSamples(): void {
  for (const f of state.faces) if (f.role === 'enroll' && f.identity) store().add(f.identity, [f]);
  say('gallery-msg', 'Enrolled photos 1–2 of each sample person; photo 3 of each is held out as a probe.');
  invalidate();
}

async function saveGallery(): Promise<void> {
  await gallery();
  const s = store();
  if (s.people === 0) return say('gallery-msg', 'The gallery is empty: nothing to save.', 'error');
  const bytes = s.save();
  const name = `bridgeface-gallery-${state.size}px.bfg`;
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  say('gallery-msg', `Saved ${s.people} people, ${s.rows} embeddings (faces at ${state.size} px) as ${name}.`);
}

async function loadGallery(file: File): Promise<void> {
  store().load(new Uint8Array(await file.arrayBuffer()));
  const s = store();
  say(
    'gallery-msg',
    `Loaded ${s.people} people, ${s.rows} embeddings from ${file.name}. A file holds embeddings, not photos: they stay as saved when the face size changes.`,
  );
  invalidate();
}

// ---------------------------------------------------------------------------------------------- wiring

function wire(): void {
  const button = (id: string) => $(id) as HTMLButtonElement;
  $('backend').addEventListener('change', (e) => {
    say('header-msg');
    void enqueue(
      'header-msg',
      async () => {
        await loadModel((e.target as HTMLSelectElement).value as BackendChoice);
        await measure();
      },
      $('backend') as HTMLSelectElement,
    );
  });
  $('size').addEventListener('input', (e) => {
    state.size = Number((e.target as HTMLInputElement).value);
    $('size-out').textContent = `${state.size} px`;
    if (!state.rec) return;
    for (const f of state.faces) drawCard(f, input(), state.size);
    for (const slot of ['a', 'b', 'q'] as const) drawSlot(slot);
    drawEditorPreview();
    invalidate();
  });
  $('far').addEventListener('change', invalidate);
  $('identify-far').addEventListener('change', invalidate);
  button('throughput').addEventListener('click', () =>
    enqueue('header-msg', measure, button('throughput'), 'Measuring…'),
  );
  button('verify').addEventListener('click', () => ask('verify', 'verify-msg', button('verify'), 'Verifying…'));
  button('identify').addEventListener('click', () =>
    ask('identify', 'identify-msg', button('identify'), 'Identifying…'),
  );
  button('probes').addEventListener('click', () => ask('probes', 'identify-msg', button('probes'), 'Testing…'));
  button('enroll-samples').addEventListener('click', enrollSamples);
  button('enroll').addEventListener('click', enrollSelected);
  button('clear-gallery').addEventListener('click', () => {
    store().clear();
    say('gallery-msg', 'The gallery is empty.');
    invalidate();
  });
  button('save-gallery').addEventListener('click', () =>
    enqueue('gallery-msg', saveGallery, button('save-gallery'), 'Saving…'),
  );
  button('load-gallery').addEventListener('click', () => $('gallery-file').click());
  $('gallery-file').addEventListener('change', (e) => {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (file) void enqueue('gallery-msg', () => loadGallery(file), button('load-gallery'), 'Loading…');
  });
  button('pick').addEventListener('click', () => $('files').click());
  $('files').addEventListener('change', (e) => {
    const input = e.target as HTMLInputElement;
    const files = [...(input.files ?? [])];
    input.value = '';
    void enqueue('add-msg', () => addFiles(files), button('pick'), 'Adding…');
  });
  button('editor-done').addEventListener('click', closeEditor);
  button('scene-close').addEventListener('click', closeScene);
  button('scene-manual').addEventListener('click', addMissedFace);
  button('webcam-open').addEventListener('click', () =>
    enqueue('webcam-msg', openWebcam, button('webcam-open'), 'Starting the camera…'),
  );
  button('webcam-stop').addEventListener('click', () => stopWebcam());
  button('capture').addEventListener('click', capture);
  button('live').addEventListener('click', () => (live ? stopLive() : startLive()));
  document.addEventListener('visibilitychange', () => {
    if (document.hidden && webcam.live)
      stopWebcam('The camera was stopped while the page was hidden; start it again to continue.');
  });
  window.addEventListener('pagehide', () => webcam.live && stopWebcam());
  wireCardKeys($('faces'), (card) => cards.get(card), actions);
  const drop = document.body;
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    $('drop').classList.add('over');
  });
  drop.addEventListener('dragleave', () => $('drop').classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    $('drop').classList.remove('over');
    const files = [...(e.dataTransfer?.files ?? [])];
    void enqueue('add-msg', () => addFiles(files));
  });
}

wire();
const asked = new URLSearchParams(location.search).get('backend');
const initialBackend: BackendChoice = asked === 'cpu' || asked === 'webgpu' ? asked : 'auto';
void enqueue('header-msg', async () => {
  await loadModel(initialBackend);
  await loadSamples();
  document.body.dataset.ready = 'true';
});
