// Dawn (the `webgpu` package, WebGPU for Node) prints adapter warnings from native code straight to stderr, where
// JavaScript cannot intercept them. bin/bridgeface.js runs the CLI in a child process and passes its stderr
// through this filter unless --verbose is given.

/** A Dawn warning block: "Warning: …" and its indented " - While …" / "    at …" lines, then an optional blank line. */
const DAWN_WARNING = /^Warning: [^\n]*\n(?:(?: - |    at )[^\n]*\n)*(?:\n)?/gm;

/**
 * Returns a function that filters successive stderr chunks. A chunk's unfinished last line is held back until
 * its newline arrives, unless it is a progress-bar redraw (it contains a carriage return), which passes at once.
 * @returns {(chunk: string, end?: boolean) => string}
 */
export function dawnWarningFilter() {
  let held = '';
  return (chunk, end = false) => {
    const text = held + chunk;
    const cut = end ? text.length : text.lastIndexOf('\n') + 1;
    const complete = text.slice(0, cut);
    const rest = text.slice(cut);
    const live = rest.includes('\r') || rest.startsWith('\u001b'); // a progress-bar redraw: pass it now
    held = live ? '' : rest;
    return complete.replace(DAWN_WARNING, '') + (live ? rest : '');
  };
}
