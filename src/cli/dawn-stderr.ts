/**
 * Dawn (the `webgpu` package, WebGPU for Node) prints adapter warnings from native code straight to stderr, where
 * JavaScript cannot intercept them. bin/bridgeface.js runs the CLI in a child process and passes its stderr
 * through this filter unless --verbose is given. Built as its own small entry (dist/dawn-stderr.js) so the parent
 * process loads nothing else.
 */

/** A Dawn warning block: "Warning: …" and its indented " - While …" / "    at …" lines, then an optional blank line. */
const DAWN_WARNING = /^Warning: [^\n]*\n(?:(?: - | {4}at )[^\n]*\n)*\n?/gm;

/**
 * A filter over successive stderr chunks. A chunk's unfinished last line is held back until its newline arrives,
 * unless it is a progress-bar redraw (a carriage return or an escape sequence), which passes at once.
 */
export function dawnWarningFilter(): (chunk: string, end?: boolean) => string {
  let held = '';
  return (chunk, end = false) => {
    const text = held + chunk;
    const cut = end ? text.length : text.lastIndexOf('\n') + 1;
    const rest = text.slice(cut);
    const live = rest.includes('\r') || rest.startsWith('\u001b');
    held = live ? '' : rest;
    return text.slice(0, cut).replace(DAWN_WARNING, '') + (live ? rest : '');
  };
}
