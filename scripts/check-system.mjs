// Runs before `npm test` (the pretest script): checks the system packages the tests need, and when any is missing
// prints which, and the one command that installs them, then exits 1 before a test starts.
//   node scripts/check-system.mjs             check (Debian/Ubuntu package names; elsewhere the files they provide)
//   node scripts/check-system.mjs --packages  print the package names, one line (.ci/run installs from it)
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Package → a file it provides (checked where dpkg is absent) and why the tests need it. */
const REQUIRED = {
  chromium: [
    '/usr/bin/chromium',
    'headless Chromium for the browser tests (and its SwiftShader Vulkan driver for Dawn)',
  ],
  'mesa-vulkan-drivers': ['/usr/share/vulkan/icd.d', 'Vulkan drivers'],
  libvulkan1: ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', 'the Vulkan loader Dawn opens'],
  libegl1: ['/usr/lib/x86_64-linux-gnu/libEGL.so.1', 'EGL for the OpenGL ES (llvmpipe) adapters'],
  libgles2: ['/usr/lib/x86_64-linux-gnu/libGLESv2.so.2', 'OpenGL ES'],
  'libegl-mesa0': ['/usr/lib/x86_64-linux-gnu/libEGL_mesa.so.0', "Mesa's EGL"],
  'libgl1-mesa-dri': ['/usr/lib/x86_64-linux-gnu/dri', 'Mesa llvmpipe'],
};
/** Optional: without them the training tests skip (and say so). */
const OPTIONAL = ['python3-torch', 'python3-pil', 'python3-numpy'];
const MIN_NODE = [20, 19];

if (process.argv.includes('--packages')) {
  console.log(Object.keys(REQUIRED).join(' '));
  process.exit(0);
}

const hasDpkg = (() => {
  try {
    execFileSync('dpkg-query', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const installed = (pkg) => {
  if (!hasDpkg) return existsSync(REQUIRED[pkg]?.[0] ?? '/nonexistent');
  try {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax, not a template
    return execFileSync('dpkg-query', ['-W', '-f=${Status}', pkg], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).includes('install ok installed');
  } catch {
    return false;
  }
};

const problems = [];
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < MIN_NODE[0] || (major === MIN_NODE[0] && minor < MIN_NODE[1]))
  problems.push(`Node ${process.versions.node} is too old: the tests need Node >= ${MIN_NODE.join('.')}`);
const missing = Object.keys(REQUIRED).filter(
  (p) => !installed(p) && !(p === 'chromium' && process.env.CHROMIUM_PATH && existsSync(process.env.CHROMIUM_PATH)),
);
if (missing.length > 0) {
  problems.push(
    `missing system packages: ${missing.map((p) => `${p} (${REQUIRED[p][1]})`).join(', ')}\n` +
      `  install them with:  sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}` +
      (hasDpkg
        ? ''
        : '\n  (no dpkg here: these are Debian/Ubuntu names; install the equivalents, or set CHROMIUM_PATH to a Chromium)'),
  );
}
if (problems.length > 0) {
  console.error(`npm test cannot run on this machine yet:\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
const optional = hasDpkg ? OPTIONAL.filter((p) => !installed(p)) : [];
if (optional.length > 0)
  console.error(
    `note: the training tests will skip without ${optional.join(' ')} (sudo apt-get install -y ${optional.join(' ')})`,
  );
