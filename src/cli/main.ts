/**
 * The `bridgeface` command line. `runCli` returns the exit code instead of exiting, so tests run it in-process;
 * bin/bridgeface.js calls it from the built dist/ (and filters Dawn's native warnings unless --verbose).
 *
 * Exit codes: 0 success; 1 some inputs failed (the others were still processed) or the command failed;
 * 2 usage error (one line and a hint on stderr); 3 verify could not decide (the weights carry no thresholds).
 *
 * Commands register themselves from COMMANDS: a new command is a file exporting `register(program, ctx)` and
 * one line in that list.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { BridgefaceError } from '../errors.js';
import { packageRoot, runBench } from './bench.js';
import { type CliIo, openRecognizer } from './context.js';
import { registerDetect } from './detect.js';
import { type EmbedOptions, embedCommand } from './embed.js';
import { registerEnroll } from './enroll.js';
import { evalLfw, formatLfwTable } from './eval-lfw.js';
import { registerIdentify } from './identify.js';
import { DEFAULT_MAX_PIXELS } from './images.js';
import { addCommon, parseCount, parseSizes } from './options.js';
import { writeFilesAtomically } from './output.js';
import { verifyCommand } from './verify.js';

export type { CliIo } from './context.js';

/** Passed to every command's `register`: the output, and `done(code)` to set the exit code. */
export interface CommandContext {
  io: CliIo;
  done: (code: number) => void;
}

/** What a command file exports: adds its command to `program`; COMMANDS lists them. */
export type RegisterCommand = (program: Command, ctx: CommandContext) => void;

function processIo(): CliIo {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    progress: process.stderr.isTTY ? process.stderr : undefined,
  };
}

const maxPixelsOption = () =>
  new Option('--max-pixels <n>', 'refuse images with more pixels than this (decompression bombs)')
    .argParser(parseCount)
    .default(DEFAULT_MAX_PIXELS);

const registerEmbed: RegisterCommand = (program, { io, done }) =>
  addCommon(
    program
      .command('embed')
      .argument('<inputs...>', 'image files or folders (folders: their .jpg/.jpeg/.png/.webp, recursively)'),
    true,
  )
    .description('embedding of each image, in input order, with its file name')
    .option('--out <file>', 'write to a file instead of stdout')
    .addOption(
      new Option('--format <format>', 'json (with file names) or f32 (raw N×D little-endian; names in <out>.txt)')
        .choices(['json', 'f32'])
        .default('json'),
    )
    .addOption(maxPixelsOption())
    .action(async (inputs: string[], o: EmbedOptions, command: Command) => {
      if (o.format === 'f32' && !o.out)
        command.error('error: --format f32 needs --out <file>', { exitCode: 2, code: 'bridgeface.usage' });
      done(await embedCommand(inputs, o, io));
    });

const registerVerify: RegisterCommand = (program, { io, done }) =>
  addCommon(program.command('verify').argument('<a>', 'first image').argument('<b>', 'second image'), true)
    .description('similarity of two faces and the decision at a calibrated false-accept rate, for their face size')
    .addOption(
      new Option('--far <rate>', 'false-accept rate of the threshold')
        .choices(['1e-2', '1e-3', '0.01', '0.001'])
        .default('1e-2'),
    )
    .option('--json', 'print one JSON object')
    .addOption(maxPixelsOption())
    .action(async (a: string, b: string, o) => done(await verifyCommand(a, b, o, io)));

const registerEvalLfw: RegisterCommand = (program, { io, done }) =>
  addCommon(
    program
      .command('eval-lfw')
      .argument('<lfw-dir>', 'LFW folder (images/<name>/<name>_NNNN.jpg, pairs.txt) or a data root holding lfw/'),
    false,
  )
    .description('LFW View 2, 10 folds: accuracy, AUC, TAR@FAR per face size (src/eval protocol, unaligned loose crop)')
    .option('--pairs <file>', 'pairs file (default: <lfw-dir>/pairs.txt)')
    .option(
      '--sizes <list>',
      'face sizes in pixels, and hr for full resolution',
      parseSizes,
      parseSizes('8,12,16,24,32,hr'),
    )
    .option('--limit <n>', 'use only the first n same and n different pairs of each fold (quick checks)', parseCount)
    .option('--json <file>', 'also write the report as JSON')
    .action(async (dir: string, o) => {
      const report = await evalLfw(dir, o, await openRecognizer(o, io), io);
      io.stdout(formatLfwTable(report));
      if (o.json) await writeFilesAtomically([{ path: o.json, data: `${JSON.stringify(report, null, 1)}\n` }]);
      done(0);
    });

const registerBench: RegisterCommand = (program, { io, done }) =>
  program
    .command('bench')
    .description('run the benchmark suite (npm run bench in a source checkout); extra arguments are passed on')
    .allowUnknownOption()
    .argument('[args...]')
    .action(async (args: string[]) => done(await runBench(args, io)));

/** Every command, in help order. */
const COMMANDS: RegisterCommand[] = [
  registerEmbed,
  registerVerify,
  registerEvalLfw,
  registerBench,
  registerDetect,
  registerEnroll,
  registerIdentify,
];

function version(): string {
  const root = packageRoot();
  return root ? (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version as string) : 'unknown';
}

export function buildProgram(io: CliIo, ctx: CommandContext = { io, done: () => {} }): Command {
  const program = new Command('bridgeface')
    .description('Low-resolution face recognition: embed and verify faces, evaluate on LFW, benchmark.')
    .version(version(), '-V, --version')
    .option('--verbose', "show diagnostics: Dawn's native WebGPU warnings, stack traces of unexpected errors")
    .exitOverride()
    .configureOutput({
      writeOut: io.stdout,
      writeErr: io.stderr,
      outputError: (text, write) => write(`bridgeface: ${text.replace(/^error: /, '')}`),
    })
    .showHelpAfterError('(run with --help for usage)');
  for (const register of COMMANDS) register(program, ctx);
  for (const command of program.commands) {
    command
      .exitOverride()
      .showHelpAfterError(`(bridgeface ${command.name()} --help for usage)`)
      .configureOutput(program.configureOutput());
    command.option('--verbose', "show Dawn's native WebGPU warnings and stack traces of unexpected errors");
  }
  return program;
}

/** Runs the CLI with `argv` (without node and the script); resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let code = 0;
  const program = buildProgram(io, { io, done: (c) => (code = c) });
  const verbose = argv.includes('--verbose');
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(e.code)) return 0;
      return 2;
    }
    const message = e instanceof BridgefaceError || !verbose ? (e as Error).message : ((e as Error).stack ?? String(e));
    io.stderr(`bridgeface: ${message}\n`);
    return 1;
  }
}
