// The server's side of image processing: jobs go to one child process (image-worker.ts, which runs
// images.ts with sharp) under Linux's SCHED_IDLE policy, so libvips's decoding and encoding take only
// CPU time the event loop does not want (issue 13: the WebSocket p99 during 20 concurrent image
// uploads). SCHED_IDLE rather than nice 19 alone: a nice-19 task may keep the CPU for what is left of
// its protected slice (up to ~3 ms) when the event loop wakes, an idle-policy task is preempted at once
// (ADR 0019; bench/README, "Uploads and the event loop"). An operator can also pin it to other cores.
// Images are made one at a time: 20 uploads at once queue here. The server never loads sharp itself.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** What the image process made of an upload. */
export interface ProcessedImage {
  width: number;
  height: number;
  animated: boolean;
  /** ThumbHash, base64. */
  placeholder: string;
  /** The cleaned image's size, bytes (written to `out`). */
  size: number;
  /** True when a thumbnail was written to `thumbOut`. */
  thumb: boolean;
}

/** Why an image is refused, in words for its uploader. */
export class ImageRefusal extends Error {
  override readonly name = 'ImageRefusal';
  constructor(
    message: string,
    /** `too_large` for an image past the pixel limit, `bad_image` for one that cannot be decoded. */
    readonly code: 'too_large' | 'bad_image',
  ) {
    super(message);
  }
}

/** What the image maker is asked to do: the arguments of ImageMaker.process. */
export interface ImageJob {
  path: string;
  mime: string;
  out: string;
  thumbOut: string;
  maxPixels: number;
}

/** The image maker's answer to job `n`. */
export type ImageJobReply =
  | { n: number; image: ProcessedImage }
  | { n: number; refusal: { message: string; code: ImageRefusal['code'] } }
  | { n: number; error: string };

/** The lowest nice value: the fallback where SCHED_IDLE cannot be had (no `chrt`, not Linux). */
const IMAGE_NICE = 19;

/** Where and how the image process runs. */
export interface ImagePlacement {
  /** CPUs it may run on, a `taskset` list (`1`, `2-3`, `0,2`); undefined: wherever the server may. */
  cpus?: string | undefined;
}

/** Whether `chrt --idle` works here (util-linux on Linux): checked once, at the first child. */
let idlePolicy: boolean | undefined;
const canRunIdle = () => (idlePolicy ??= spawnSync('chrt', ['--idle', '0', 'true'], { stdio: 'ignore' }).status === 0);

/**
 * The command that starts the image process: node under `chrt --idle 0` (set before node starts, so
 * every thread it makes, libvips's included, inherits the policy) and `taskset -c cpus` when asked.
 */
export function imageCommand(worker: string, placement: ImagePlacement, idle = canRunIdle()): { cmd: string; args: string[] } {
  let argv = [process.execPath, worker];
  if (placement.cpus !== undefined) argv = ['taskset', '-c', placement.cpus, ...argv];
  if (idle) argv = ['chrt', '--idle', '0', ...argv];
  return { cmd: argv[0]!, args: argv.slice(1) };
}

/** Runs jobs in the child process, one at a time, in the order asked; a child that dies is started again. */
export class ImageMaker {
  private child: ChildProcess | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (r: ImageJobReply) => void; reject: (e: Error) => void }>();

  constructor(private readonly placement: ImagePlacement = {}) {}

  /**
   * Reads the image at `path` (of sniffed type `mime`), writes it cleaned to `out` and its thumbnail to
   * `thumbOut`. Throws ImageRefusal for an image over `maxPixels` or one that cannot be decoded
   * (truncated, damaged, not what its header says).
   */
  process(path: string, mime: string, out: string, thumbOut: string, maxPixels: number): Promise<ProcessedImage> {
    const run = this.queue.then(() => this.ask({ path, mime, out, thumbOut, maxPixels }));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Starts the child now rather than at the first image: forking copies the server's page tables on the
   * event loop's thread, and the child then loads sharp; neither should land in the middle of traffic.
   */
  warm(): void {
    const { cpus } = this.placement;
    // A placement that cannot be applied is said at start, not as every image failing later.
    if (cpus !== undefined && spawnSync('taskset', ['-c', cpus, 'true'], { stdio: 'ignore' }).status !== 0) {
      throw new Error(`PARLEY_IMAGE_CPUS=${cpus}: cannot run the image process there (is taskset installed, and are those CPUs this server's?)`);
    }
    this.started();
  }

  /** Stops the child (jobs still waiting fail). */
  close(): void {
    this.child?.kill();
    this.child = undefined;
  }

  private async ask(job: ImageJob): Promise<ProcessedImage> {
    const n = this.next++;
    const reply = await new Promise<ImageJobReply>((resolve, reject) => {
      this.waiting.set(n, { resolve, reject });
      this.started().send({ ...job, n });
    });
    if ('image' in reply) return reply.image;
    if ('refusal' in reply) throw new ImageRefusal(reply.refusal.message, reply.refusal.code);
    throw new Error(`image processing failed: ${reply.error}`);
  }

  private started(): ChildProcess {
    if (this.child) return this.child;
    const { cmd, args } = imageCommand(workerFile(), this.placement);
    const child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    try {
      // Also under SCHED_IDLE: should the policy be lifted, the child still yields.
      if (child.pid !== undefined) setPriority(child.pid, IMAGE_NICE);
    } catch {
      // Not permitted here (some containers): the child still keeps libvips off the event loop's thread.
    }
    child.on('message', (reply: ImageJobReply) => {
      const w = this.waiting.get(reply.n);
      this.waiting.delete(reply.n);
      w?.resolve(reply);
    });
    const gone = (why: string) => {
      if (this.child === child) this.child = undefined;
      for (const w of this.waiting.values()) w.reject(new Error(`the image process ${why}`));
      this.waiting.clear();
    };
    child.on('exit', (code, signal) => gone(`exited (${signal ?? code})`));
    // Not started (its command is missing): the jobs fail, the next one tries again.
    child.on('error', (err) => gone(`could not start: ${err.message}`));
    // The server's listener keeps it running; the child alone must not.
    child.unref();
    child.channel?.unref();
    this.child = child;
    return child;
  }
}

/** The compiled image-worker.js: beside this module, or in dist/ when the server runs from its sources (tests). */
function workerFile(): string {
  const beside = new URL('./image-worker.js', import.meta.url);
  if (existsSync(beside)) return fileURLToPath(beside);
  const built = new URL('../../dist/files/image-worker.js', import.meta.url);
  if (existsSync(built)) return fileURLToPath(built);
  throw new Error('image processing needs the compiled image-worker.js: run `npm run build`');
}
