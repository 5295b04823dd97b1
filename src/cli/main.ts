/**
 * The `bridgeface` command line: embed, verify, eval-lfw, bench. `runCli` returns the exit code instead of
 * exiting, so tests run it in-process; bin/bridgeface.js calls it from the built dist/.
 *
 * Exit codes: 0 success; 1 some inputs failed (the others were still processed) or the command failed;
 * 2 usage error; 3 verify could not decide (the weights carry no calibrated thresholds).
 */
import { writeFile } from 'node:fs/promises';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { type Recognizer, createRecognizer } from '../api/recognizer.js';
import { type PrepareOptions, prepareFace } from '../api/prepare.js';
import { BridgefaceError, CalibrationError } from '../errors.js';
import type { FaceBox } from '../runtime/image.js';
import { runBench } from './bench.js';
import { registerDetect } from './detect.js';
import { registerEnroll } from './enroll.js';
import { registerIdentify } from './identify.js';
import { evalLfw, formatLfwTable } from './eval-lfw.js';
import { ImageFileError, decodeImage, expandInputs } from './images.js';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const processIo: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

interface CommonOptions {
  size?: number;
  backend: 'auto' | 'cpu' | 'webgpu';
  weights?: string;
  crop: 'framed' | 'none' | FaceBox;
}

const BATCH = 64;

function parseSize(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1024) throw new InvalidArgumentError('expected an integer from 1 to 1024 (pixels)');
  return n;
}

function parseCrop(value: string): CommonOptions['crop'] {
  if (value === 'framed' || value === 'none') return value;
  const parts = value.split(',').map(Number);
  if (parts.length !== 4 || !parts.every(Number.isFinite) || parts[2] <= 0 || parts[3] <= 0) {
    throw new InvalidArgumentError("expected 'framed', 'none' or x,y,width,height in pixels");
  }
  return { x: parts[0], y: parts[1], width: parts[2], height: parts[3] };
}

function parseSizes(value: string): Array<number | 'hr'> {
  return value.split(',').map((s) => {
    if (s.trim().toLowerCase() === 'hr') return 'hr';
    return parseSize(s.trim());
  });
}

function prepareOptions(o: CommonOptions): PrepareOptions {
  return { size: o.size, ...(typeof o.crop === 'object' ? { box: o.crop } : { framing: o.crop }) };
}

/** Options every embedding command takes; `embed` and `eval-lfw` share the preprocessing defaults. */
function addCommon(command: Command, sizeHelp: boolean): Command {
  if (sizeHelp) command.addOption(new Option('--size <N>', 'degrade each face to N×N (area downsample) first, to simulate low resolution').argParser(parseSize));
  return command
    .addOption(new Option('--backend <kind>', 'where the network runs').choices(['auto', 'cpu', 'webgpu']).default('auto'))
    .option('--weights <file>', 'a .bfw weights file (default: the shipped student)')
    .addOption(
      new Option('--crop <box>', "face box: 'framed' = the loose box of the LFW framing (as eval-lfw), 'none' = whole image, or x,y,w,h")
        .argParser(parseCrop)
        .default('framed'),
    );
}

async function openRecognizer(o: Pick<CommonOptions, 'backend' | 'weights'>, io: CliIo): Promise<Recognizer> {
  const rec = await createRecognizer({ backend: o.backend, weights: o.weights });
  if (!rec.info.trained) io.stderr('bridgeface: note: these weights are an UNTRAINED placeholder; embeddings carry no identity information\n');
  if (rec.info.fallbackReason) io.stderr(`bridgeface: no WebGPU adapter, using the CPU (${rec.info.fallbackReason})\n`);
  return rec;
}

async function embedCommand(inputs: string[], o: CommonOptions & { out?: string; format: 'json' | 'f32' }, io: CliIo): Promise<number> {
  if (o.format === 'f32' && !o.out) throw new CommanderError(2, 'bridgeface.usage', '--format f32 needs --out <file>');
  const rec = await openRecognizer(o, io);
  try {
    const files = await expandInputs(inputs);
    const done: Array<{ file: string; embedding: Float32Array }> = [];
    const failed: ImageFileError[] = [];
    for (let start = 0; start < files.length; start += BATCH) {
      const batch: Array<{ file: string; face: ReturnType<typeof prepareFace> }> = [];
      for (const entry of files.slice(start, start + BATCH)) {
        if (entry instanceof ImageFileError) {
          failed.push(entry);
          io.stderr(`bridgeface: ${entry.message}\n`);
          continue;
        }
        try {
          batch.push({ file: entry, face: prepareFace(await decodeImage(entry), rec.weights.input, prepareOptions(o)) });
        } catch (e) {
          const error = e instanceof ImageFileError ? e : new ImageFileError(entry, (e as Error).message);
          failed.push(error);
          io.stderr(`bridgeface: ${error.message}\n`);
        }
      }
      if (batch.length === 0) continue;
      const embeddings = await rec.embed(batch.map((b) => b.face));
      batch.forEach((b, i) => done.push({ file: b.file, embedding: embeddings[i] }));
    }
    if (o.format === 'f32') {
      const flat = new Float32Array(done.length * rec.info.embeddingDim);
      done.forEach((d, i) => flat.set(d.embedding, i * rec.info.embeddingDim));
      await writeFile(o.out!, new Uint8Array(flat.buffer));
      await writeFile(`${o.out!}.txt`, done.map((d) => `${d.file}\n`).join(''));
      io.stderr(`bridgeface: wrote ${done.length}×${rec.info.embeddingDim} float32 (little-endian) to ${o.out}, file names to ${o.out}.txt\n`);
    } else {
      const json = JSON.stringify({
        model: { backend: rec.info.backend, adapter: rec.info.adapter, trained: rec.info.trained, embeddingDim: rec.info.embeddingDim },
        size: o.size ?? null,
        crop: o.crop,
        embeddings: done.map((d) => ({ file: d.file, embedding: Array.from(d.embedding) })),
        failed: failed.map((f) => ({ file: f.file, error: f.message })),
      });
      if (o.out) await writeFile(o.out, `${json}\n`);
      else io.stdout(`${json}\n`);
    }
    if (failed.length > 0) io.stderr(`bridgeface: ${failed.length} of ${files.length} inputs failed\n`);
    return failed.length > 0 ? 1 : 0;
  } finally {
    rec.dispose();
  }
}

async function verifyCommand(a: string, b: string, o: CommonOptions & { far: string; json?: boolean }, io: CliIo): Promise<number> {
  const rec = await openRecognizer(o, io);
  try {
    const faces = [];
    for (const file of [a, b]) faces.push(prepareFace(await decodeImage(file), rec.weights.input, prepareOptions(o)));
    const [ea, eb] = await rec.embed(faces);
    const similarity = rec.similarity(ea, eb);
    const far = Number(o.far) as 1e-2 | 1e-3;
    let decision: { match: boolean; threshold: number } | { error: string };
    try {
      const v = await rec.verify(ea, eb, { far });
      decision = { match: v.match, threshold: v.threshold };
    } catch (e) {
      if (!(e instanceof CalibrationError)) throw e;
      decision = { error: e.message };
    }
    if (o.json) io.stdout(`${JSON.stringify({ a, b, size: o.size ?? null, similarity, far, ...decision })}\n`);
    else {
      io.stdout(`similarity ${similarity.toFixed(4)}\n`);
      if ('error' in decision) io.stdout(`decision   unavailable: ${decision.error}\n`);
      else io.stdout(`decision   ${decision.match ? 'same person' : 'different people'} (threshold ${decision.threshold.toFixed(4)} at FAR ${far})\n`);
    }
    return 'error' in decision ? 3 : 0;
  } finally {
    rec.dispose();
  }
}

export function buildProgram(io: CliIo): Command {
  const program = new Command('bridgeface')
    .description('Low-resolution face recognition: embed and verify faces, evaluate on LFW, benchmark.')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError();
  let result = 0;
  const set = (code: number) => {
    result = code;
  };

  addCommon(program.command('embed').argument('<inputs...>', 'image files or folders (folders: their .jpg/.jpeg/.png/.webp, recursively)'), true)
    .description('embedding of each image, in input order, with its file name')
    .option('--out <file>', 'write to a file instead of stdout')
    .addOption(new Option('--format <format>', 'json (with file names) or f32 (raw N×D little-endian; names in <out>.txt)').choices(['json', 'f32']).default('json'))
    .action(async (inputs: string[], o) => set(await embedCommand(inputs, o, io)));

  addCommon(program.command('verify').argument('<a>', 'first image').argument('<b>', 'second image'), true)
    .description('similarity of two faces and the decision at a calibrated false-accept rate')
    .addOption(new Option('--far <rate>', 'false-accept rate of the threshold').choices(['1e-2', '1e-3', '0.01', '0.001']).default('1e-2'))
    .option('--json', 'print one JSON object')
    .action(async (a: string, b: string, o) => set(await verifyCommand(a, b, o, io)));

  addCommon(program.command('eval-lfw').argument('<lfw-dir>', 'LFW folder (images/<name>/<name>_NNNN.jpg, pairs.txt) or a data root holding lfw/'), false)
    .description('LFW View 2, 10 folds: accuracy, AUC, TAR@FAR per face size (src/eval protocol, unaligned loose crop)')
    .option('--pairs <file>', 'pairs file (default: <lfw-dir>/pairs.txt)')
    .option('--sizes <list>', 'face sizes in pixels, and hr for full resolution', '8,12,16,24,32,hr')
    .option('--limit <n>', 'use only the first n same and n different pairs of each fold (quick checks)', (v) => parseSize(v))
    .option('--json <file>', 'also write the report as JSON')
    .action(async (dir: string, o) => {
      const report = await evalLfw(dir, { ...o, sizes: parseSizes(o.sizes) }, await openRecognizer(o, io), io);
      io.stdout(formatLfwTable(report));
      if (o.json) await writeFile(o.json, `${JSON.stringify(report, null, 1)}\n`);
      set(0);
    });

  registerDetect(program, io, set);
  registerIdentify(program, io, set, openRecognizer);
  registerEnroll(program, io, set, openRecognizer);

  program
    .command('bench')
    .description('run the benchmark suite (npm run bench in a source checkout); extra arguments are passed on')
    .allowUnknownOption()
    .argument('[args...]')
    .action(async (args: string[]) => set(await runBench(args, io)));

  (program as Command & { result: () => number }).result = () => result;
  return program;
}

/** Runs the CLI with `argv` (without node and the script); resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const program = buildProgram(io) as Command & { result: () => number };
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return program.result();
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      if (e.code === 'bridgeface.usage') io.stderr(`bridgeface: ${e.message}\n`);
      return 2;
    }
    io.stderr(`bridgeface: ${e instanceof BridgefaceError ? e.message : (e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}
