// Training progress for the command line in three modes: a redrawn single line on a
// TTY, throttled plain lines for logs/CI, and one JSON object per line for tools.
// Writes only to the stream it is given; must not read global state besides the
// clock, and must not be imported by library code outside src/cli/.

export const PROGRESS_MODES = ["tty", "plain", "json"] as const;
export type ProgressMode = (typeof PROGRESS_MODES)[number];

/** What a progress stream needs: process.stdout / process.stderr fit. */
export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressFields {
  epoch?: number;
  epochs?: number;
  /** step within the epoch, 0..steps */
  step?: number;
  steps?: number;
  samplesPerSec?: number;
  loss?: number;
  /** accuracy as a fraction in [0, 1] */
  acc?: number;
  /** seconds left; estimated from the step rate when absent */
  etaSec?: number;
  /** extra fields (shown as `key value`, passed through in JSON) */
  [key: string]: number | string | boolean | undefined;
}

export interface ProgressOptions {
  mode: ProgressMode;
  stream: ProgressStream;
  /** plain mode: least time between two lines (default 2000 ms) */
  intervalMs?: number;
  /** clock in ms (default Date.now); injectable for tests */
  now?: () => number;
}

export interface Progress {
  update(fields: ProgressFields): void;
  log(message: string | Record<string, unknown>): void;
  done(): void;
}

/**
 * The mode for a stream: json when asked, tty when the stream is a terminal, else plain.
 * @example
 * const progress = createProgress({ mode: progressModeFor(process.stderr, args.json), stream: process.stderr });
 */
export function progressModeFor(stream: ProgressStream, json: boolean): ProgressMode {
  if (json) return "json";
  return stream.isTTY ? "tty" : "plain";
}

/** Seconds as m:ss or h:mm:ss. */
export function formatDuration(sec: number): string {
  if (!Number.isFinite(sec) || sec < 0) return "?";
  const s = Math.round(sec);
  const h = Math.floor(s / 3600),
    m = Math.floor((s % 3600) / 60),
    r = s % 60;
  const mm = h > 0 ? String(m).padStart(2, "0") : String(m);
  return `${h > 0 ? `${h}:` : ""}${mm}:${String(r).padStart(2, "0")}`;
}

const KNOWN = new Set(["epoch", "epochs", "step", "steps", "samplesPerSec", "loss", "acc", "etaSec"]);

function fmtNum(v: number): string {
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : v.toPrecision(3);
}

/** The text of one progress line; `barWidth` 0 leaves the bar out. */
export function formatProgressLine(f: ProgressFields, barWidth: number): string {
  const parts: string[] = [];
  if (f.epoch !== undefined) parts.push(f.epochs !== undefined ? `epoch ${f.epoch}/${f.epochs}` : `epoch ${f.epoch}`);
  if (f.step !== undefined && f.steps !== undefined && f.steps > 0) {
    if (barWidth > 0) {
      const filled = Math.max(0, Math.min(barWidth, Math.round((f.step / f.steps) * barWidth)));
      parts.push(`[${"#".repeat(filled)}${".".repeat(barWidth - filled)}]`);
    }
    parts.push(`${f.step}/${f.steps}`);
  } else if (f.step !== undefined) parts.push(`step ${f.step}`);
  const tail: string[] = [];
  if (f.samplesPerSec !== undefined) tail.push(`${Math.round(f.samplesPerSec)} samples/s`);
  if (f.loss !== undefined) tail.push(`loss ${f.loss.toFixed(4)}`);
  if (f.acc !== undefined) tail.push(`acc ${(f.acc * 100).toFixed(1)}%`);
  for (const [k, v] of Object.entries(f)) {
    if (KNOWN.has(k) || v === undefined) continue;
    tail.push(`${k} ${typeof v === "number" ? fmtNum(v) : String(v)}`);
  }
  if (f.etaSec !== undefined) tail.push(`ETA ${formatDuration(f.etaSec)}`);
  return [parts.join(" "), ...tail].filter((s) => s.length > 0).join("  ");
}

/**
 * A progress reporter.
 * @example
 * const p = createProgress({ mode: "tty", stream: process.stderr });
 * p.update({ epoch: 3, epochs: 20, step: 1234, steps: 8000, samplesPerSec: 1520, loss: 0.0312, acc: 0.971 });
 * p.log("checkpoint saved"); p.done();
 */
export function createProgress(opts: ProgressOptions): Progress {
  const { mode, stream } = opts;
  if (!PROGRESS_MODES.includes(mode)) throw new Error(`progress: mode must be one of ${PROGRESS_MODES.join(", ")}, got ${String(mode)}`);
  const now = opts.now ?? (() => Date.now());
  const interval = opts.intervalMs ?? 2000;
  const t0 = now();
  let first: { t: number; done: number } | null = null;
  let last: ProgressFields | null = null;
  let lastText = "";
  let shown = false; // tty: a progress line is on screen
  let printed = true; // plain: the last update has been written
  let lastPlain = -Infinity;
  let lastEpoch: number | undefined;

  const withEta = (f: ProgressFields): ProgressFields => {
    if (f.etaSec !== undefined || f.step === undefined || !f.steps) return f;
    const done = ((f.epoch ?? 1) - 1) * f.steps + f.step;
    const total = (f.epochs ?? f.epoch ?? 1) * f.steps;
    const t = now();
    if (first === null || done < first.done) first = { t, done };
    const rate = (done - first.done) / Math.max(1e-9, (t - first.t) / 1000);
    return rate > 0 ? { ...f, etaSec: Math.round(((total - done) / rate) * 10) / 10 } : f;
  };

  const ttyLine = (f: ProgressFields): string => {
    const cols = stream.columns && stream.columns > 20 ? stream.columns : 80;
    const bare = formatProgressLine(f, 0);
    const reserve = f.etaSec === undefined ? 11 : 0; // keep the bar width steady once an ETA appears
    const bar = Math.max(0, Math.min(30, cols - 1 - bare.length - 3 - reserve));
    const line = formatProgressLine(f, bar >= 5 ? bar : 0);
    return line.length > cols - 1 ? line.slice(0, cols - 1) : line;
  };
  const clear = () => {
    if (shown) {
      stream.write("\r\x1b[2K");
      shown = false;
    }
  };
  const json = (o: Record<string, unknown>) => stream.write(JSON.stringify(o) + "\n");
  const plainWrite = (f: ProgressFields) => {
    stream.write(formatProgressLine(f, 0) + "\n");
    lastPlain = now();
    printed = true;
  };

  return {
    update(fields) {
      const f = withEta(fields);
      last = f;
      if (mode === "json") {
        json({ event: "progress", ...f, elapsedSec: (now() - t0) / 1000 });
      } else if (mode === "tty") {
        lastText = ttyLine(f);
        stream.write(`\r\x1b[2K${lastText}`);
        shown = true;
      } else {
        printed = false;
        const epochEnd = f.steps !== undefined && f.step === f.steps;
        const newEpoch = f.epoch !== lastEpoch;
        if (now() - lastPlain >= interval || epochEnd || newEpoch) plainWrite(f);
      }
      lastEpoch = f.epoch;
    },
    log(message) {
      if (mode === "json") {
        json(typeof message === "string" ? { event: "log", message } : { event: "log", ...message });
        return;
      }
      const text = typeof message === "string" ? message : JSON.stringify(message);
      if (mode === "tty") {
        const redraw = shown;
        clear();
        stream.write(text + "\n");
        if (redraw) {
          stream.write(lastText);
          shown = true;
        }
      } else {
        stream.write(text + "\n");
      }
    },
    done() {
      if (mode === "json") json({ event: "done", elapsedSec: (now() - t0) / 1000 });
      else if (mode === "tty") {
        if (shown) stream.write("\n");
        shown = false;
      } else if (!printed && last) plainWrite(last);
    },
  };
}
