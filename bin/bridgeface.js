#!/usr/bin/env node
// The bridgeface command line (src/cli/main.ts, built to dist/cli.js by `npm run build`).
// Without --verbose the CLI runs in a child process whose stderr is filtered of Dawn's native warnings
// (src/cli/dawn-stderr.ts); progress bars still reach a terminal (BRIDGEFACE_TTY_COLUMNS).
import { spawn } from 'node:child_process';
import { clearLine, cursorTo, moveCursor } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { dawnWarningFilter } from '../dist/dawn-stderr.js';

const args = process.argv.slice(2);

if (args.includes('--verbose') || process.env.BRIDGEFACE_CLI_CHILD === '1') {
  const { runCli } = await import('../dist/cli.js');
  const columns = Number(process.env.BRIDGEFACE_TTY_COLUMNS);
  const io = {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    progress: process.stderr.isTTY ? process.stderr : columns > 0 ? terminalLike(process.stderr, columns) : undefined,
  };
  process.exitCode = await runCli(args, io);
} else {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...args], {
    stdio: ['inherit', 'inherit', 'pipe'],
    env: {
      ...process.env,
      BRIDGEFACE_CLI_CHILD: '1',
      BRIDGEFACE_TTY_COLUMNS: process.stderr.isTTY ? String(process.stderr.columns) : '',
    },
  });
  const filter = dawnWarningFilter();
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => process.stderr.write(filter(chunk)));
  child.stderr.on('end', () => process.stderr.write(filter('', true)));
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('close', (code, signal) => {
    process.exitCode = code ?? (signal ? 128 + 2 : 1);
  });
}

/** The parts of a TTY stream cli-progress draws with, over a pipe whose far end is the terminal. */
function terminalLike(stream, columns) {
  return Object.assign(Object.create(stream), {
    isTTY: true,
    columns,
    cursorTo: (x, y, cb) => cursorTo(stream, x, y, cb),
    moveCursor: (dx, dy, cb) => moveCursor(stream, dx, dy, cb),
    clearLine: (dir, cb) => clearLine(stream, dir, cb),
    write: (chunk, ...rest) => stream.write(chunk, ...rest),
  });
}
