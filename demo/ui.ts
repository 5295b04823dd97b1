/**
 * Page plumbing shared by the demo's modules: element lookup, messages shown next to the control that caused
 * them, one queue for the work that talks to the model (so updates never interleave), busy states, and a
 * debounced, coalescing trigger for recomputation (a slider drag runs the work once, not once per step).
 */
import { BridgefaceError } from '../src/errors.js';

export const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`demo: no element #${id}`);
  return el as T;
};

export type Tone = 'info' | 'error';

/** Shows `text` in the message line `id` (beside its control); no text hides it. */
export function say(id: string, text?: string, tone: Tone = 'info'): void {
  const el = $(id);
  el.textContent = text ?? '';
  el.dataset.tone = tone;
  el.hidden = !text;
}

/** A sentence for the user: library errors carry readable messages; anything else is reported generically. */
export function describeError(e: unknown): string {
  if (e instanceof BridgefaceError) return e.message;
  if (e instanceof Error && e.name === 'Error' && e.message) return e.message;
  return 'Something went wrong; the browser console has the details.';
}

let queue: Promise<unknown> = Promise.resolve();
let active = 0;

function setBusy(delta: number): void {
  active += delta;
  document.body.dataset.busy = String(active > 0);
}

/**
 * Runs `work` after everything queued before it. While it waits and runs, `button` (if any) is disabled and
 * marked busy with `busyLabel`; an error is shown in the message line `msgId` and not rethrown.
 */
export function enqueue(
  msgId: string,
  work: () => Promise<void>,
  button?: HTMLButtonElement | HTMLSelectElement,
  busyLabel?: string,
): Promise<void> {
  const label = busyLabel ? (button?.textContent ?? '') : undefined;
  if (button) {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    if (busyLabel) button.textContent = busyLabel;
  }
  setBusy(1);
  const run = queue.then(work).catch((e: unknown) => {
    console.warn(e);
    say(msgId, describeError(e), 'error');
  });
  queue = run.finally(() => {
    setBusy(-1);
    if (button) {
      button.disabled = false;
      button.removeAttribute('aria-busy');
      if (label !== undefined) button.textContent = label;
    }
  });
  return queue as Promise<void>;
}

/**
 * `poke()` asks for `work` to run `delay` ms after the last poke. At most one run waits in the queue at a time:
 * pokes while one is waiting join it; a poke while one is running schedules exactly one more.
 */
export function coalesce(msgId: string, delay: number, work: () => Promise<void>): { poke(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let waiting = false;
  return {
    poke() {
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (waiting) return;
        waiting = true;
        void enqueue(msgId, async () => {
          waiting = false;
          await work();
        });
      }, delay);
    },
  };
}

/** A horizontal bar for a similarity in [−1, 1], drawn over [0, 1], with the decision threshold marked when known. */
export function bar(
  label: string,
  similarity: number,
  options: { threshold?: number; tone?: 'match' | 'plain' } = {},
): HTMLElement {
  const row = document.createElement('div');
  row.className = `bar${options.tone === 'match' ? ' match' : ''}`;
  row.dataset.label = label;
  row.dataset.similarity = similarity.toFixed(6);
  const name = document.createElement('span');
  name.className = 'label';
  name.textContent = label;
  const track = document.createElement('div');
  track.className = 'track';
  const fill = document.createElement('div');
  fill.className = 'fill';
  fill.style.width = `${Math.min(1, Math.max(0, similarity)) * 100}%`;
  track.append(fill);
  if (options.threshold !== undefined) {
    const mark = document.createElement('div');
    mark.className = 'threshold';
    mark.style.left = `${Math.min(1, Math.max(0, options.threshold)) * 100}%`;
    mark.title = `threshold ${options.threshold.toFixed(3)}`;
    track.append(mark);
  }
  const value = document.createElement('span');
  value.textContent = similarity.toFixed(3);
  row.append(name, track, value);
  return row;
}
