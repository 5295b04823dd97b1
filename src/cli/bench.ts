/**
 * `bridgeface bench`: runs the project's benchmark (`npm run bench`, bench/ in a source checkout). The
 * published package does not ship bench/, so there it says how to get it.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: the nearest folder above this module with bridgeface's package.json. */
export function packageRoot(): string | undefined {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++, dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'bridgeface') return dir;
  }
  return undefined;
}

export async function runBench(args: readonly string[], io: { stderr: (t: string) => void }): Promise<number> {
  const root = packageRoot();
  const manifest = root ? JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) : undefined;
  if (!root || !manifest?.scripts?.bench || !existsSync(path.join(root, 'bench'))) {
    io.stderr(
      'bridgeface: the benchmark lives in the source checkout (bench/): clone the repository and run `npm run bench` there\n',
    );
    return 1;
  }
  io.stderr(`bridgeface: npm run bench ${args.join(' ')} (in ${root})\n`);
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', 'bench', ...(args.length ? ['--', ...args] : [])], {
      cwd: root,
      stdio: 'inherit',
    });
    child.on('error', (e) => {
      io.stderr(`bridgeface: cannot start npm: ${e.message}\n`);
      resolve(1);
    });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}
