/**
 * The bridgeface demo: faces at a chosen low resolution, each with the box the network sees; a gallery to
 * enroll into, save and load; verify and identify; a WebGPU/CPU switch with faces/s. Embedding runs in a Web
 * Worker (bridgeface/worker), the gallery on the page.
 *
 * Results never go stale: every change that alters an embedding (face size, backend, a box, the gallery) marks
 * the results on screen out of date at once and recomputes them, debounced and coalesced, so a slider drag
 * costs one recomputation, not one per step. Embeddings are cached per face, model, size and box.
 */
import weightsUrl from '../weights/student.bfw?url';
import type { Gallery, GalleryMatch } from '../src/api/gallery.js';
import { framedFaceBox } from '../src/api/face-box.js';
import type { Far, Identification, Verification } from '../src/api/decision.js';
import { type WorkerRecognizer, createWorkerRecognizer } from '../src/api/worker-client.js';
import { CalibrationError } from '../src/errors.js';
import type { RgbaImage } from '../src/runtime/image.js';
import { BoxEditor } from './box-editor.js';
import { type Face, type FaceKind, type SlotName, boxKey, createCard, drawCard, drawPixels, focusCard, lowRes, toCanvas, wireCardKeys } from './faces.js';
import { findFaces } from './find-faces.js';
import { GalleryStore } from './gallery-store.js';
import { $, bar, coalesce, enqueue, say } from './ui.js';
import { CameraError, Webcam } from './webcam.js';

interface SampleManifest {
  source: string;
  faces: Array<{ file: string; label: string; role: 'enroll' | 'probe' }>;
}

type ResultName = 'verify' | 'identify' | 'probes';

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
  /** Bumped by every change that makes results out of date; a computation started earlier discards its result. */
  version: 0,
  nextId: 1,
};
const cards = new Map<HTMLElement, Face>();
const RESULT_ELEMENT: Record<ResultName, string> = { verify: 'verify-result', identify: 'identify-result', probes: 'probes-result' };

const rec = (): WorkerRecognizer => {
  if (!state.rec) throw new Error('The model is still loading.');
  return state.rec;
};
const input = () => rec().weights.input;
const backendName = () => (rec().info.backend === 'webgpu' ? 'WebGPU' : 'CPU');
const store = (): GalleryStore => (state.store ??= new GalleryStore(rec().info.embeddingDim));

// ---------------------------------------------------------------------------------------------- embeddings

const cache = new WeakMap<Face, { key: string; embedding: Float32Array }>();
const faceKey = (face: Face) => `${state.modelId}|${state.size}|${boxKey(face.box)}`;

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
  const key = `${state.modelId}|${state.size}|${s.faces().map((f) => boxKey(f.box)).join(';')}`;
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
function showResult(name: ResultName, nodes: Node[], data: Record<string, string>): void {
  const el = $(RESULT_ELEMENT[name]);
  for (const key of Object.keys(el.dataset)) delete el.dataset[key];
  Object.assign(el.dataset, data, { size: String(state.size), backend: rec().info.backend });
  const stamp = document.createElement('div');
  stamp.className = 'stamp';
  stamp.textContent = `at ${state.size} px · ${backendName()} (${rec().info.adapter})`;
  el.replaceChildren(...nodes, stamp);
  el.hidden = false;
}

// ---------------------------------------------------------------------------------------------- model

async function loadModel(backend: 'webgpu' | 'cpu'): Promise<void> {
  state.rec?.dispose();
  state.rec = undefined;
  $('status').textContent = `Loading the model on ${backend === 'webgpu' ? 'WebGPU' : 'the CPU'}…`;
  const worker = new Worker(new URL('../src/api/worker.ts', import.meta.url), { type: 'module' });
  const r = await createWorkerRecognizer({ worker, backend: backend === 'webgpu' ? 'auto' : 'cpu', weights: weightsUrl });
  state.rec = r;
  state.modelId++;
  const { info } = r;
  const where = info.backend === 'webgpu' ? `WebGPU on ${info.adapter}` : `CPU (${info.adapter})`;
  $('status').textContent = `${info.parameters.toLocaleString()}-parameter student, ${info.inputSize}×${info.inputSize} input, ${info.embeddingDim}-D embedding · ${where}`;
  const notes: string[] = [];
  if (backend === 'webgpu' && info.backend === 'cpu') notes.push(`WebGPU is unavailable in this browser, so bridgeface fell back to the CPU (${info.fallbackReason ?? 'no adapter'}).`);
  if (info.backend === 'webgpu' && SOFTWARE_ADAPTER.test(info.adapter)) {
    notes.push(`${info.adapter} is a software adapter: WebGPU emulated on the CPU, correct but slow. Its faces/s says nothing about a real GPU.`);
  }
  if (!info.trained) notes.push('These weights are an untrained placeholder: similarities carry no identity information and verification has no calibrated threshold.');
  const notice = $('notice');
  notice.hidden = notes.length === 0;
  notice.textContent = notes.join(' ');
  document.body.dataset.backend = info.backend;
  document.body.dataset.software = String(info.backend === 'webgpu' && SOFTWARE_ADAPTER.test(info.adapter));
  document.body.dataset.trained = String(info.trained);
  ($('backend') as HTMLSelectElement).value = info.backend;
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

function addFace(face: { name: string; kind: FaceKind; rgba: RgbaImage; box: Face['box']; identity?: string; role?: Face['role'] }): Face {
  const full = createCard({ id: state.nextId++, ...face, source: toCanvas(face.rgba) }, actions);
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
  const added: Face[] = [];
  const skipped: string[] = [];
  for (const file of files) {
    let rgba: RgbaImage;
    try {
      if (!file.type.startsWith('image/')) throw new Error('not an image');
      rgba = await toRgba(file);
    } catch {
      skipped.push(file.name);
      continue;
    }
    const { boxes } = await findFaces(rgba);
    boxes.forEach((box, i) => added.push(addFace({ name: uniqueName(boxes.length > 1 ? `${file.name} #${i + 1}` : file.name), kind: 'photo', rgba, box })));
  }
  const parts: string[] = [];
  if (added.length > 0) parts.push(`Added ${added.length} photo${added.length > 1 ? 's' : ''}: drag ${added.length > 1 ? 'each' : 'its'} box onto the face (button ⬚ on a card reopens it).`);
  if (skipped.length > 0) parts.push(`Could not read ${skipped.join(', ')} as an image.`);
  say('add-msg', parts.join(' '), skipped.length > 0 ? 'error' : 'info');
  if (added[0]) editBox(added[0]);
}

async function loadSamples(): Promise<void> {
  const manifest = (await (await fetch('./samples/samples.json')).json()) as SampleManifest;
  const images = await Promise.all(manifest.faces.map(async (f) => toRgba(await (await fetch(`./samples/${f.file}`)).blob())));
  manifest.faces.forEach((f, i) => {
    const rgba = images[i];
    addFace({ name: f.file, kind: 'sample', rgba, box: framedFaceBox(input(), rgba.width, rgba.height), identity: f.label, role: f.role });
  });
}

// ---------------------------------------------------------------------------------------------- box editor

const editor = new BoxEditor({ panel: $('editor'), stage: $('stage'), image: $('editor-image') as HTMLCanvasElement, box: $('editor-box') });
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
  $('webcam-panel').scrollIntoView({ block: 'nearest' });
  previewTimer = setInterval(() => {
    if (!webcam.live || !state.rec) return;
    drawPixels($('webcam-preview') as HTMLCanvasElement, lowRes(webcam.frame(), input(), state.size));
  }, 200);
}

function stopWebcam(message?: string): void {
  clearInterval(previewTimer);
  webcam.stop();
  document.body.dataset.camera = 'off';
  ($('capture') as HTMLButtonElement).disabled = true;
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
    say('verify-msg', state.slots.a && state.slots.b ? 'Press Verify to compare A and B.' : `Now choose ${state.slots.a ? 'B' : 'A'}.`);
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
    decision = await rec().verify(ea, eb, { far: farOf('far'), size: state.size });
  } catch (e) {
    if (!(e instanceof CalibrationError)) throw e;
  }
  if (version !== state.version) return;
  const nodes: Node[] = [bar('similarity', similarity, { threshold: decision?.threshold, tone: decision?.match ? 'match' : 'plain' })];
  if (decision) {
    const { match, threshold } = decision;
    nodes.push(note(`${match ? 'Same person' : 'Different people'}: similarity ${similarity.toFixed(3)} ${match ? '≥' : '<'} threshold ${threshold.toFixed(3)}.`, 'decision'));
    nodes.push(note(`${capitalise(decision.meaning)}.`));
    if (decision.warning) nodes.push(note(`${capitalise(decision.warning)}.`, 'warning'));
  } else {
    nodes.push(note('No decision: these weights have no calibrated threshold.', 'decision'));
  }
  const data: Record<string, string> = { similarity: similarity.toFixed(6), match: decision ? String(decision.match) : 'unknown' };
  if (decision) Object.assign(data, { threshold: String(decision.threshold), calibratedSize: decision.calibratedSize });
  showResult('verify', nodes, data);
  say('verify-msg');
}

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

// ---------------------------------------------------------------------------------------------- identify

/** An identification, or (weights without thresholds) a ranking with no decision. */
type Answer = Identification | { outcome: 'ranking'; candidates: GalleryMatch[]; label?: undefined };

async function identifyEmbedding(embedding: Float32Array, g: Gallery): Promise<Answer> {
  try {
    return await rec().identify(embedding, g, { far: farOf('identify-far'), size: state.size, k: 5 });
  } catch (e) {
    if (!(e instanceof CalibrationError)) throw e;
    return { outcome: 'ranking', candidates: await g.search(embedding, 5) };
  }
}

function answerText(id: Answer): string {
  const top = id.candidates[0];
  if (id.outcome === 'ranking') return `Closest: ${top.label} (no calibrated threshold: a ranking, not a decision).`;
  if (id.outcome === 'match') return `${id.label}: similarity ${id.similarity.toFixed(3)} ≥ threshold ${id.threshold.toFixed(3)}.`;
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
  const id = await identifyEmbedding(e, g);
  if (version !== state.version) return;
  const threshold = id.outcome === 'ranking' ? undefined : id.threshold;
  const nodes: Node[] = id.candidates.map((h, i) => bar(h.label, h.similarity, { threshold, tone: i === 0 && id.outcome === 'match' ? 'match' : 'plain' }));
  nodes.push(note(answerText(id), 'decision'));
  if (id.outcome !== 'ranking') nodes.push(note(`${capitalise(id.meaning)}.`));
  if (id.outcome !== 'ranking' && id.warning) nodes.push(note(`${capitalise(id.warning)}.`, 'warning'));
  const data: Record<string, string> = { top: id.candidates[0]?.label ?? '', answer: id.outcome === 'ranking' ? id.candidates[0]?.label ?? '' : (id.label ?? 'unknown') };
  if (q.identity) {
    const verdict = verdictOf(q, id);
    const check = { right: `✓ right: this is ${q.identity}.`, wrong: `✗ wrong: this is ${q.identity}.`, missed: `✗ missed: this is ${q.identity}.`, 'not-enrolled': `✓ right: ${q.identity} is not enrolled.` }[verdict];
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
    return say('identify-msg', 'Enroll the sample gallery first: the held-out probes are identified against it.', 'error');
  }
  const version = state.version;
  const g = await gallery();
  const embeddings = await embed(probes);
  const answers: Answer[] = [];
  for (const e of embeddings) answers.push(await identifyEmbedding(e, g));
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
  showResult('probes', [text], { right: String(counts.right), wrong: String(counts.wrong), missed: String(counts.missed), rankOne: String(rankOne), total: String(probes.length) });
  say('identify-msg');
}

const RENDER: Record<ResultName, () => Promise<void>> = { verify: renderVerify, identify: renderIdentify, probes: renderProbes };

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
      const parts = [entry.faces.length > 0 ? String(entry.faces.length) : '', entry.fromFile > 0 ? `${entry.fromFile} from a file` : ''].filter(Boolean);
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
  count.textContent = s.people === 0 ? 'empty' : `${s.people} people, ${s.rows} faces, at ${state.size} px${updating ? ' (updating…)' : ''}`;
  count.dataset.updating = String(updating && s.people > 0);
}

function enrollSelected(): void {
  const label = ($('label') as HTMLInputElement).value.trim();
  if (!state.selected || !label) return say('gallery-msg', 'Select a face (click it, or Enter on it) and type a name to enroll it.', 'error');
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
  say('gallery-msg', `Loaded ${s.people} people, ${s.rows} embeddings from ${file.name}. A file holds embeddings, not photos: they stay as saved when the face size changes.`);
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
        await loadModel((e.target as HTMLSelectElement).value as 'webgpu' | 'cpu');
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
  button('throughput').addEventListener('click', () => enqueue('header-msg', measure, button('throughput'), 'Measuring…'));
  button('verify').addEventListener('click', () => ask('verify', 'verify-msg', button('verify'), 'Verifying…'));
  button('identify').addEventListener('click', () => ask('identify', 'identify-msg', button('identify'), 'Identifying…'));
  button('probes').addEventListener('click', () => ask('probes', 'identify-msg', button('probes'), 'Testing…'));
  button('enroll-samples').addEventListener('click', enrollSamples);
  button('enroll').addEventListener('click', enrollSelected);
  button('clear-gallery').addEventListener('click', () => {
    store().clear();
    say('gallery-msg', 'The gallery is empty.');
    invalidate();
  });
  button('save-gallery').addEventListener('click', () => enqueue('gallery-msg', saveGallery, button('save-gallery'), 'Saving…'));
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
  button('webcam-open').addEventListener('click', () => enqueue('webcam-msg', openWebcam, button('webcam-open'), 'Starting the camera…'));
  button('webcam-stop').addEventListener('click', () => stopWebcam());
  button('capture').addEventListener('click', capture);
  document.addEventListener('visibilitychange', () => {
    if (document.hidden && webcam.live) stopWebcam('The camera was stopped while the page was hidden; start it again to continue.');
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
const initialBackend = new URLSearchParams(location.search).get('backend') === 'cpu' ? 'cpu' : 'webgpu';
void enqueue('header-msg', async () => {
  await loadModel(initialBackend);
  await loadSamples();
  document.body.dataset.ready = 'true';
});
