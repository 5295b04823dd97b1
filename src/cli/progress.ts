/**
 * Progress bars with ETA for long runs (cli-progress), drawn only on a terminal: `io.progress` is set when stderr
 * is a TTY, so piped or captured output stays clean.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  increment(by?: number): void;
  stop(): void;
}

const SILENT: Progress = { increment: () => {}, stop: () => {} };

export function startProgress(stream: NodeJS.WritableStream | undefined, total: number, unit: string): Progress {
  if (!stream || total < 2) return SILENT;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `{bar} {percentage}% | {value}/{total} ${unit} | ETA {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return { increment: (by = 1) => bar.increment(by), stop: () => bar.stop() };
}
