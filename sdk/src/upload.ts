// One file on its way to the server (protocol section 24): the tus 1.0 core protocol over HTTP, with
// the same token as the connection. The file goes in chunks, each a PATCH that the server writes
// before it reads more; after a failure `retry()` asks the server how much arrived and goes on from
// there. Progress comes from XMLHttpRequest where there is one (browsers), per chunk elsewhere (Node).
import { Emitter, type Listener } from './emitter.js';
import { ParleyError } from './errors.js';
import type { Attachment } from './protocol/kinds.js';

/** What `client.upload()` takes: a File or Blob in browsers, bytes anywhere (a Buffer in Node). */
export type UploadSource = Blob | ArrayBuffer | ArrayBufferView;

export interface UploadOptions {
  /** File name shown to others. Default: the File's name, else `file`. */
  name?: string;
  /** Bytes per PATCH request. Default 8 MiB. */
  chunkSize?: number;
  /** Cancels the upload when aborted (as `cancel()` does). */
  signal?: AbortSignal;
  /** A recorded voice message: its length (ms) and loudness over it (points 0..255), checked by the server. */
  voice?: { duration: number; waveform: readonly number[] };
}

/** How often one run re-reads the server's offset after a 409 (offset mismatch) before it fails. */
const MAX_CONFLICTS = 3;

/** `uploading` → `done`, or `failed` (then `retry()`), or `canceled`. */
export type UploadState = 'uploading' | 'failed' | 'done' | 'canceled';

export interface UploadEvents {
  /** Bytes the server has of `total`. */
  progress: { sent: number; total: number };
  state: { oldState: UploadState; newState: UploadState; error?: ParleyError };
}

/** Why an upload failed, with the HTTP status; `code` is the server's (`too_large`, `type_refused`, `quota_exceeded`...). */
export class UploadError extends ParleyError {
  override name = 'UploadError';
  constructor(
    code: string,
    message: string,
    /** HTTP status; 0 when the request did not get an answer (network). */
    readonly status: number,
    /** Whether `retry()` may succeed (network trouble, 5xx, a rate limit); false for a refused file. */
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** What the SDK needs of the client to upload. */
export interface UploadLink {
  /** Base URL of the HTTP API (http[s]://host[:port]). */
  httpUrl: string;
  token(): Promise<string>;
}

const DEFAULT_CHUNK = 8 * 1024 * 1024;

interface Answer {
  status: number;
  header(name: string): string | null;
  json(): unknown;
}

export class Upload {
  readonly name: string;
  /** Bytes in all. */
  readonly size: number;
  private readonly events = new Emitter<UploadEvents>();
  private readonly blob: Blob;
  private readonly chunkSize: number;
  private location: string | undefined;
  private current: UploadState = 'uploading';
  private abort: AbortController | undefined;
  private attempt: Promise<Attachment>;
  private sentBytes = 0;
  /** The server's description of the file, once done: pass it (or its id) in `room.send`'s `files`. */
  attachment: Attachment | undefined;

  constructor(
    private readonly link: UploadLink,
    source: UploadSource,
    private readonly options: UploadOptions = {},
  ) {
    this.blob = source instanceof Blob ? source : new Blob([(source instanceof ArrayBuffer ? source : new Uint8Array(source.buffer, source.byteOffset, source.byteLength)) as BlobPart]);
    this.name = options.name || (typeof File !== 'undefined' && source instanceof File ? source.name : '') || 'file';
    this.size = this.blob.size;
    this.chunkSize = Math.max(1, options.chunkSize ?? DEFAULT_CHUNK);
    options.signal?.addEventListener('abort', () => void this.cancel(), { once: true });
    this.attempt = this.run();
    // A failure is reported on `state` and by `done`; an unobserved `done` must not crash Node.
    this.attempt.catch(() => undefined);
  }

  get state(): UploadState {
    return this.current;
  }

  /** Bytes the server has. */
  get sent(): number {
    return this.sentBytes;
  }

  /** Resolves with the attachment when the upload completes; rejects with UploadError when it fails or is canceled. */
  get done(): Promise<Attachment> {
    return this.attempt;
  }

  on<K extends keyof UploadEvents>(name: K, listener: Listener<UploadEvents[K]>): () => void {
    return this.events.on(name, listener);
  }

  /** Goes on after a failure from where the server stopped (asks it with HEAD). */
  retry(): Promise<Attachment> {
    if (this.current !== 'failed') return this.attempt;
    this.setState('uploading');
    this.attempt = this.run();
    this.attempt.catch(() => undefined);
    return this.attempt;
  }

  /** Stops the upload and asks the server to drop what it received. */
  async cancel(): Promise<void> {
    if (this.current === 'done' || this.current === 'canceled') return;
    this.abort?.abort();
    this.setState('canceled');
    if (this.location) {
      try {
        await this.request('DELETE', this.location, {});
      } catch {
        // The server collects it after its TTL anyway.
      }
    }
  }

  private async run(): Promise<Attachment> {
    try {
      if (this.size === 0) throw new UploadError('empty_file', 'the file is empty (0 bytes)', 400, false);
      let offset = 0;
      if (this.location) {
        const head = await this.request('HEAD', this.location, {});
        if (head.status === 404) this.location = undefined;
        else offset = Number(this.expect(head, 200).header('upload-offset') ?? 0);
      }
      if (!this.location) {
        const created = this.expect(await this.request('POST', '/v1/uploads', { 'upload-length': String(this.size), 'upload-metadata': this.metadata() }), 201);
        const location = created.header('location');
        if (!location) throw new UploadError('bad_reply', 'the server did not say where the upload is', created.status, false);
        this.location = location;
      }
      this.progress(offset);
      let conflicts = 0;
      while (offset < this.size) {
        const end = Math.min(this.size, offset + this.chunkSize);
        const base = offset;
        const patched = await this.request('PATCH', this.location, { 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream' }, this.blob.slice(offset, end), (n) =>
          this.progress(base + n),
        );
        if (patched.status === 409 && conflicts++ < MAX_CONFLICTS) {
          // The server holds a different length than we sent from: bytes of a request cut off
          // earlier were still landing when we asked. Ask again, a moment later, and go on from there.
          await new Promise((resolve) => setTimeout(resolve, 100 * conflicts));
          offset = Number(this.expect(await this.request('HEAD', this.location, {}), 200).header('upload-offset') ?? offset);
          this.progress(offset);
          continue;
        }
        offset = Number(this.expect(patched, 204).header('upload-offset') ?? end);
        this.progress(offset);
      }
      // 202: the server is still checking the file (images wait their turn): ask again.
      let answer = await this.request('GET', this.location, {});
      while (answer.status === 202) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        answer = await this.request('GET', this.location, {});
      }
      const described = this.expect(answer, 200).json() as { attachment: Attachment };
      this.attachment = described.attachment;
      this.setState('done');
      return described.attachment;
    } catch (err) {
      const error =
        this.current === 'canceled'
          ? new UploadError('canceled', 'the upload was canceled', 0, false)
          : err instanceof UploadError
            ? err
            : new UploadError('network', `the upload was interrupted: ${(err as Error)?.message ?? err}`, 0, true, { cause: err });
      if (this.current === 'uploading') this.setState('failed', error);
      throw error;
    }
  }

  private metadata(): string {
    const pairs = [`filename ${base64(this.name || 'file')}`];
    const { voice } = this.options;
    if (voice) {
      pairs.push('voice', `duration ${base64(String(Math.round(voice.duration)))}`, `waveform ${base64(voice.waveform.map((p) => Math.round(p)).join(','))}`);
    }
    return pairs.join(',');
  }

  private expect(answer: Answer, status: number): Answer {
    if (answer.status === status) return answer;
    const body = answer.json() as { error?: { code?: string; message?: string } } | undefined;
    const code = body?.error?.code ?? `http_${answer.status}`;
    const message = body?.error?.message ?? `the server answered ${answer.status}`;
    const retryable = answer.status >= 500 || answer.status === 429 || answer.status === 409;
    throw new UploadError(code, message, answer.status, retryable);
  }

  private progress(sent: number): void {
    if (sent === this.sentBytes && sent !== 0) return;
    this.sentBytes = sent;
    this.events.emit('progress', { sent, total: this.size });
  }

  private setState(newState: UploadState, error?: ParleyError): void {
    const oldState = this.current;
    if (oldState === newState) return;
    this.current = newState;
    this.events.emit('state', error ? { oldState, newState, error } : { oldState, newState });
  }

  private async request(method: string, path: string, headers: Record<string, string>, body?: Blob, onSent?: (n: number) => void): Promise<Answer> {
    this.abort = new AbortController();
    const url = new URL(path, this.link.httpUrl).toString();
    const all = { ...headers, 'tus-resumable': '1.0.0', authorization: `Bearer ${await this.link.token()}` };
    if (body && onSent && typeof XMLHttpRequest !== 'undefined') return xhr(method, url, all, body, onSent, this.abort.signal);
    const res = await fetch(url, { method, headers: all, ...(body && { body }), signal: this.abort.signal });
    const text = method === 'HEAD' ? '' : await res.text();
    return { status: res.status, header: (n) => res.headers.get(n), json: () => parseJson(text) };
  }
}

/** A request through XMLHttpRequest, for its upload progress events. */
function xhr(method: string, url: string, headers: Record<string, string>, body: Blob, onSent: (n: number) => void, signal: AbortSignal): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = new XMLHttpRequest();
    req.open(method, url);
    for (const [k, v] of Object.entries(headers)) req.setRequestHeader(k, v);
    req.upload.onprogress = (e) => onSent(e.loaded);
    req.onload = () => resolve({ status: req.status, header: (n) => req.getResponseHeader(n), json: () => parseJson(req.responseText) });
    req.onerror = () => reject(new Error('network error'));
    req.onabort = () => reject(new Error('aborted'));
    signal.addEventListener('abort', () => req.abort(), { once: true });
    req.send(body);
  });
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

function base64(s: string): string {
  const bytes = new TextEncoder().encode(s);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** The HTTP base of a WebSocket URL: ws→http, wss→https, without the `/ws` path. */
export function httpBase(wsUrl: string): string {
  const url = new URL(wsUrl);
  url.protocol = url.protocol === 'wss:' ? 'https:' : url.protocol === 'ws:' ? 'http:' : url.protocol;
  url.pathname = url.pathname.replace(/\/ws\/?$/, '/');
  url.search = '';
  url.hash = '';
  return url.toString();
}
