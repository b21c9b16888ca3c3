// Uploads and downloads of files (protocol section 24, ADR 0019), transport-agnostic: the tus 1.0 core
// protocol with its creation and termination extensions for uploads (bytes staged on this node's disk,
// checked and moved to the blob store when complete), signed expiring URLs for downloads, and the
// sweeper that removes uploads no message took and the files of deleted messages.
import { AttachmentKind, ErrorCode, Limits, type Attachment } from '@parley/sdk/protocol';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { badRequest, notFound, RequestError } from '../core/errors.js';
import type { Logger } from '../log.js';
import { TokenBucket } from '../rate-limit.js';
import type { Store } from '../store/store.js';
import { toAttachment, type UploadMeta, type UploadRecord } from '../store/uploads.js';
import type { Blob, BlobStore, ByteRange } from './blob-store.js';
import { contentDisposition, DECODED_IMAGES, inlineSafe, kindOf, safeFileName, sniffFile, sniffHead, SNIFF_BYTES, typeRefusal } from './file-policy.js';
import { ImageMaker, ImageRefusal } from './image-maker.js';
import { checkVoiceFile, voiceClaimProblem } from '../voice/voice-check.js';

export const TUS_VERSION = '1.0.0';
export const UPLOADS_PATH = '/v1/uploads';
export const FILES_PATH = '/v1/files';
const UPLOAD_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** The send path refuses an upload this close to its collection (a quarter of the TTL when shorter): the sweeper must never take one a message is about to hold. */
const ATTACH_MARGIN_MS = 60_000;
const MAX_TRACKED_USERS = 10_000;
/** How long the last PATCH waits for the file's check before answering without it. */
const QUICK_MS = 2000;
/** How long a GET waits for a check in progress before answering 202 (under uWS's 10 s idle timeout). */
const WAIT_MS = 5000;
const REFUSAL_KEPT_MS = 10 * 60_000;
const delay = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms).unref());

/** An HTTP answer of the file endpoints (the transport writes it; `body` JSON unless a string). */
export interface FileReply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** A download: headers and the bytes to stream. */
export interface FileDownload {
  status: 200 | 206;
  headers: Record<string, string>;
  /** Bytes that follow (the range's length for 206). */
  length: number;
  blob: Blob;
}

/** Where a PATCH's bytes go; the transport pauses the request while `write` is pending. */
export interface UploadSink {
  write(chunk: Uint8Array): Promise<FileReply | undefined>;
  /** The request body ended: the reply (204 with the new offset, or why the file was refused). */
  end(): Promise<FileReply>;
  /** The client went away mid-body: what arrived is kept (tus resumes from it). */
  abort(): void;
}

const tusHeaders = { 'tus-resumable': TUS_VERSION };
export const fail = (status: number, code: string, message: string, headers: Record<string, string> = {}): FileReply => ({
  status,
  headers: { ...tusHeaders, ...headers },
  body: { error: { code, message } },
});

/** The uploader's claims about a voice message, checked when the upload completes (section 24.3). */
interface Claims {
  voice?: boolean;
  duration?: number;
  waveform?: number[];
}

export class Files {
  private readonly staging: string;
  private readonly buckets = new Map<string, TokenBucket>();
  /** Uploads with a PATCH in progress on this node: tus allows one at a time. */
  private readonly busy = new Set<string>();
  private sweepTimer: ReturnType<typeof setInterval> | undefined;
  private sweeping: Promise<void> | undefined;
  /** Complete uploads being checked on this node. */
  private readonly processing = new Map<string, Promise<FileReply | undefined>>();
  /** Why recent uploads were refused after their last PATCH was answered, for the owner's GET. */
  private readonly refusals = new Map<string, { owner: string; reply: FileReply }>();
  private again: Promise<void> | undefined;
  private readonly images: ImageMaker;

  constructor(
    private readonly store: Store,
    readonly blobs: BlobStore,
    private readonly config: Config,
    private readonly log: Logger,
    /** HMAC key of download URLs, shared by every node (a store setting). */
    private readonly urlKey: Buffer,
    stagingDir: string,
  ) {
    this.staging = stagingDir;
    this.images = new ImageMaker({ cpus: config.imageCpus });
    mkdirSync(this.staging, { recursive: true });
  }

  /** Starts the sweeper: every quarter of the upload TTL (at most a minute). */
  start(): void {
    const every = Math.min(60_000, Math.max(1000, Math.floor(this.config.uploadTtlMs / 4)));
    this.sweepTimer = setInterval(() => void this.sweep(), every);
    this.sweepTimer.unref();
    this.images.warm();
  }

  async close(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    await this.sweeping;
    this.images.close();
  }

  /** The tus OPTIONS answer: what this server supports. */
  options(): FileReply {
    return {
      status: 204,
      headers: {
        ...tusHeaders,
        'tus-version': TUS_VERSION,
        'tus-extension': 'creation,termination',
        'tus-max-size': String(this.config.uploadMaxBytes),
      },
    };
  }

  /**
   * tus creation: `length` from Upload-Length, `metadata` the raw Upload-Metadata. Everything that can
   * be refused before a byte arrives is refused here: size, quota, rate.
   */
  async create(owner: string, length: string, metadata: string): Promise<FileReply> {
    if (!/^\d{1,16}$/.test(length)) return fail(400, 'bad_request', 'Upload-Length must be the file size in bytes (deferred lengths are not supported)');
    const size = Number(length);
    if (size === 0) return fail(400, 'empty_file', 'the file is empty (0 bytes)');
    const max = this.config.uploadMaxBytes;
    if (size > max) return fail(413, 'too_large', `the file is ${size} bytes; this server takes files up to ${max} bytes`);
    const fields = parseMetadata(metadata);
    if (!fields) return fail(400, 'bad_request', 'Upload-Metadata must be comma-separated "key base64value" pairs');
    const claims = readClaims(fields);
    if (typeof claims === 'string') return fail(400, 'bad_request', claims);
    if (claims.voice) {
      const why = voiceClaimProblem(claims, size, this.config.maxVoiceMs);
      if (why) return fail(400, 'bad_voice', why);
    }
    if (!this.takeRate(owner)) {
      return fail(429, 'rate_limited', `at most ${this.config.uploadsPerMinute} uploads per minute; try again shortly`, { 'retry-after': '10' });
    }
    const id = randomBytes(16).toString('base64url');
    const name = safeFileName(fields.get('filename') ?? fields.get('name') ?? '');
    const meta: UploadMeta = {};
    if (claims.duration !== undefined) meta.duration = claims.duration;
    if (claims.waveform !== undefined) meta.waveform = claims.waveform;
    const kept = await this.store.uploads.create({ id, owner, name, size, meta: claims.voice ? { ...meta, voice: true } : meta }, this.config.uploadQuotaBytes);
    if (!kept) {
      const used = await this.store.uploads.used(owner);
      return fail(413, 'quota_exceeded', `your files take ${used} of your ${this.config.uploadQuotaBytes} bytes; this one (${size} bytes) does not fit: delete messages with files to make room`);
    }
    await (await open(this.stagingPath(id), 'w')).close();
    return {
      status: 201,
      headers: { ...tusHeaders, location: `${UPLOADS_PATH}/${id}`, 'upload-expires': new Date(Date.now() + this.config.uploadTtlMs).toUTCString() },
    };
  }

  /** tus HEAD: how much of the upload arrived. */
  async head(owner: string, id: string): Promise<FileReply> {
    const upload = await this.own(owner, id);
    if ('status' in upload) return upload;
    const offset = upload.state === 'receiving' ? await this.received(id) : upload.size;
    if (offset === null) return fail(404, 'not_found', 'this upload\'s bytes are on another node or gone: start it again');
    return { status: 200, headers: { ...tusHeaders, 'upload-offset': String(offset), 'upload-length': String(upload.size), 'cache-control': 'no-store' } };
  }

  /**
   * GET of an upload: its attachment once ready (what `send` will attach), 409 while bytes are
   * missing, 202 while it is still being checked (ask again), or why it was refused.
   */
  async describe(owner: string, id: string): Promise<FileReply> {
    const job = this.processing.get(id);
    if (job && (await Promise.race([job, delay(WAIT_MS, 'later' as const)])) === 'later') {
      return { ...fail(202, 'processing', 'the file is being checked: ask again shortly'), headers: { ...tusHeaders, 'retry-after': '1' } };
    }
    const refusal = this.refusals.get(id);
    if (refusal && refusal.owner === owner) return refusal.reply;
    const upload = await this.own(owner, id);
    if ('status' in upload) return upload;
    if (upload.state === 'receiving') return fail(409, 'incomplete', 'the upload has not received all its bytes yet');
    return { status: 200, headers: { 'cache-control': 'no-store' }, body: { attachment: toAttachment(upload) } };
  }

  /** tus termination: the owner drops an upload no message holds. */
  async terminate(owner: string, id: string): Promise<FileReply> {
    const upload = await this.own(owner, id);
    if ('status' in upload) return upload;
    if (this.busy.has(id)) return fail(409, 'busy', 'the upload is receiving bytes: stop that request first');
    if (!(await this.store.uploads.remove(id, owner))) return fail(409, 'attached', 'a message holds this file: delete the message instead');
    await this.dropBytes(id);
    return { status: 204, headers: tusHeaders };
  }

  /**
   * tus PATCH: a sink for the request body when the upload accepts bytes at `offset`, or the reply
   * refusing it. `contentType` must be application/offset+octet-stream.
   */
  async patch(owner: string, id: string, offset: string, contentType: string, contentLength: string): Promise<UploadSink | FileReply> {
    if (contentType.split(';')[0]!.trim().toLowerCase() !== 'application/offset+octet-stream') {
      return fail(415, 'bad_request', 'Content-Type must be application/offset+octet-stream');
    }
    if (!/^\d{1,16}$/.test(offset)) return fail(400, 'bad_request', 'Upload-Offset must be a byte offset');
    const upload = await this.own(owner, id);
    if ('status' in upload) return upload;
    if (upload.state !== 'receiving') return fail(409, 'complete', 'this upload is complete', { 'upload-offset': String(upload.size) });
    if (this.busy.has(id)) return fail(409, 'busy', 'another request is sending bytes of this upload');
    const at = await this.received(id);
    if (at === null) return fail(404, 'not_found', 'this upload\'s bytes are on another node or gone: start it again');
    if (Number(offset) !== at) return fail(409, 'offset_mismatch', `the upload has ${at} bytes, not ${offset}: resume from ${at}`, { 'upload-offset': String(at) });
    if (contentLength !== '' && at + Number(contentLength) > upload.size) {
      return fail(413, 'too_large', `the body would take the upload past its declared length (${upload.size} bytes)`);
    }
    return this.sink(upload, at);
  }

  private async sink(upload: UploadRecord, start: number): Promise<UploadSink> {
    const { id } = upload;
    this.busy.add(id);
    const fh = await open(this.stagingPath(id), 'r+');
    let at = start;
    let closed = false;
    // The first bytes decide the type: a refused one is turned away now, not after the whole body.
    let head: Buffer | undefined = start === 0 ? Buffer.alloc(0) : undefined;
    const close = async () => {
      if (closed) return;
      closed = true;
      this.busy.delete(id);
      await fh.close();
    };
    const refuse = async (reply: FileReply) => {
      await close();
      await this.store.uploads.remove(id, upload.owner);
      await this.dropBytes(id);
      return reply;
    };
    return {
      write: async (chunk) => {
        if (closed) return undefined;
        if (at + chunk.byteLength > upload.size) return refuse(fail(413, 'too_large', `more bytes than the declared ${upload.size}`));
        await fh.write(chunk, 0, chunk.byteLength, at);
        at += chunk.byteLength;
        if (head !== undefined) {
          head = Buffer.concat([head, chunk.subarray(0, Math.max(0, SNIFF_BYTES - head.byteLength))]);
          if (head.byteLength >= SNIFF_BYTES || at === upload.size) {
            const why = typeRefusal(await sniffHead(head), this.config.uploadTypes, this.config.uploadRefusedTypes);
            head = undefined;
            if (why) return refuse(fail(415, 'type_refused', why));
          }
        }
        return undefined;
      },
      end: async () => {
        await close();
        const done: FileReply = { status: 204, headers: { ...tusHeaders, 'upload-offset': String(at) } };
        if (at < upload.size) return done;
        // The last PATCH answers with the outcome when the file is checked quickly; a file waiting
        // for its turn (images are made one at a time) is answered 204 now, its outcome given by GET.
        const refused = await Promise.race([this.process(upload), delay(QUICK_MS, 'later' as const)]);
        return refused === 'later' || !refused ? done : refused;
      },
      abort: () => void close(),
    };
  }

  /** Checks and stores a complete upload once; a refusal drops it and is remembered for its owner's GET. */
  private process(upload: UploadRecord): Promise<FileReply | undefined> {
    const { id } = upload;
    let job = this.processing.get(id);
    if (!job) {
      job = this.complete(upload)
        .then(async (refused) => {
          if (refused) {
            await this.store.uploads.remove(id, upload.owner);
            await this.dropBytes(id);
            this.refusals.set(id, { owner: upload.owner, reply: refused });
            setTimeout(() => this.refusals.delete(id), REFUSAL_KEPT_MS).unref();
          }
          return refused;
        })
        .finally(() => this.processing.delete(id));
      this.processing.set(id, job);
    }
    return job;
  }

  /** All bytes arrived: decides the type, cleans images, moves the bytes to the blob store. A refusal's reply, or undefined. */
  private async complete(upload: UploadRecord): Promise<FileReply | undefined> {
    const { id } = upload;
    const path = this.stagingPath(id);
    let mime = await sniffFile(path);
    const why = typeRefusal(mime, this.config.uploadTypes, this.config.uploadRefusedTypes);
    if (why) return fail(415, 'type_refused', why);
    const stored = upload.meta ?? {};
    const claims = stored as Claims;
    const meta: UploadMeta = {};
    let kind: string = kindOf(mime);
    let size = upload.size;
    if (claims.voice) {
      // Claims were checked at creation; the recording itself now (section 25).
      const voice = await checkVoiceFile(path, mime, claims.duration!, this.config.maxVoiceMs);
      if ('problem' in voice) return fail(422, 'bad_voice', voice.problem);
      kind = AttachmentKind.Voice;
      mime = voice.mime;
      Object.assign(meta, { duration: claims.duration!, waveform: claims.waveform! });
      await this.blobs.putFile(fileKey(id), path, size, mime);
    } else if (DECODED_IMAGES.has(mime)) {
      try {
        const img = await this.images.process(path, mime, `${path}.clean`, `${path}.thumb`, this.config.maxImagePixels);
        Object.assign(meta, { width: img.width, height: img.height, placeholder: img.placeholder });
        if (img.animated) meta.animated = true;
        if (img.thumb) {
          meta.thumb = true;
          await this.blobs.putFile(thumbKey(id), `${path}.thumb`, (await stat(`${path}.thumb`)).size, 'image/webp');
        }
        size = img.size;
        await rm(path, { force: true });
        await this.blobs.putFile(fileKey(id), `${path}.clean`, size, mime);
      } catch (err) {
        await rm(`${path}.clean`, { force: true });
        await rm(`${path}.thumb`, { force: true });
        if (err instanceof ImageRefusal) return fail(422, err.code === 'too_large' ? 'image_too_large' : 'bad_image', err.message);
        throw err;
      }
    } else {
      await this.blobs.putFile(fileKey(id), path, size, mime);
    }
    if (!(await this.store.uploads.ready(id, { kind, mime, size, meta }))) {
      // Collected or dropped while it was being processed: its bytes go too.
      await this.blobs.delete([fileKey(id), thumbKey(id)]);
      return fail(404, 'not_found', 'the upload was removed while it was being processed');
    }
    return undefined;
  }

  /**
   * The attachments of a send: every id an upload of `owner` ready to attach, not too close to its
   * collection; throws a message naming the first that is not.
   */
  async attachments(owner: string, ids: readonly string[]): Promise<Attachment[]> {
    if (new Set(ids).size !== ids.length) throw badRequest('the same file is attached twice');
    const found = new Map((await this.store.uploads.attachable(owner, ids)).map((u) => [u.id, u]));
    const ttl = this.config.uploadTtlMs;
    const oldest = Date.now() - ttl + Math.min(ATTACH_MARGIN_MS, ttl / 4);
    return ids.map((id) => {
      const u = found.get(id);
      if (!u) throw notFound(`no finished upload "${id}" of yours to attach (unknown, not complete, already attached or expired)`);
      if (u.createdAt < oldest) throw new RequestError(ErrorCode.TooLate, `upload "${id}" is about to expire: upload it again`);
      return toAttachment(u);
    });
  }

  /** Signed URLs for the files among `ids` that messages of `room` hold (the caller may read the room). */
  async urls(room: string, ids: readonly string[]): Promise<{ urls: { id: string; url: string; thumb?: string }[]; exp: number }> {
    const exp = Date.now() + this.config.fileUrlTtlMs;
    const found = new Map((await this.store.uploads.inRoom(room, ids)).map((u) => [u.id, u]));
    const urls: { id: string; url: string; thumb?: string }[] = [];
    for (const id of ids) {
      const u = found.get(id);
      if (!u) continue;
      const entry: { id: string; url: string; thumb?: string } = { id, url: this.signedPath(id, 'file', exp) };
      if (u.meta?.thumb) entry.thumb = this.signedPath(id, 'thumb', exp);
      urls.push(entry);
    }
    return { urls, exp };
  }

  /** A download by signed URL: the file (or thumbnail), a range of it, or why not. */
  async download(id: string, variant: 'file' | 'thumb', query: URLSearchParams, rangeHeader: string): Promise<FileDownload | FileReply> {
    const exp = query.get('exp') ?? '';
    const sig = query.get('sig') ?? '';
    if (!UPLOAD_ID.test(id) || !/^\d{1,15}$/.test(exp) || !this.validSignature(id, variant, exp, sig)) {
      return fail(403, 'forbidden', 'this link is not valid: ask the chat for a new one');
    }
    if (Number(exp) < Date.now()) return fail(403, 'expired', 'this link has expired: ask the chat for a new one');
    const upload = await this.store.uploads.get(id);
    if (!upload || upload.state !== 'attached') return fail(404, 'not_found', 'this file is gone (its message was deleted)');
    const mime = variant === 'thumb' ? 'image/webp' : (upload.mime ?? 'application/octet-stream');
    const headers: Record<string, string> = {
      'content-type': mime,
      'x-content-type-options': 'nosniff',
      // Whatever the bytes are, opened directly they run nothing and reach nothing.
      'content-security-policy': "default-src 'none'; img-src 'self'; media-src 'self'; sandbox",
      'content-disposition': contentDisposition(variant === 'thumb' || inlineSafe(mime) ? 'inline' : 'attachment', upload.name),
      'cross-origin-resource-policy': 'cross-origin',
      'cache-control': `private, max-age=${Math.max(0, Math.floor((Number(exp) - Date.now()) / 1000))}`,
      'accept-ranges': 'bytes',
      'referrer-policy': 'no-referrer',
    };
    const key = variant === 'thumb' ? thumbKey(id) : fileKey(id);
    const size = variant === 'thumb' ? undefined : upload.size;
    const range = size === undefined ? undefined : parseRange(rangeHeader, size);
    if (range === null) return fail(416, 'bad_range', `the range is not within the file's ${size} bytes`, { 'content-range': `bytes */${size}` });
    const blob = await this.blobs.get(key, range);
    if (!blob) return fail(404, 'not_found', 'this file is gone');
    if (range) {
      return { status: 206, headers: { ...headers, 'content-range': `bytes ${range.start}-${range.end}/${blob.size}` }, length: range.end - range.start + 1, blob };
    }
    return { status: 200, headers, length: blob.size, blob };
  }

  /**
   * Removes the blobs of deleted messages and of uploads no message took in time (any node may run
   * it). Asked while a round runs, one more round follows it: a delete just stored is not missed.
   */
  sweep(): Promise<void> {
    if (this.sweeping) {
      this.again ??= this.sweeping.then(() => {
        this.again = undefined;
        return this.sweep();
      });
      return this.again;
    }
    this.sweeping = (async () => {
      try {
        for (;;) {
          const gone = await this.store.uploads.sweep(Date.now() - this.config.uploadTtlMs, 500);
          if (gone.length === 0) break;
          await this.blobs.delete(gone.flatMap((u) => [fileKey(u.id), thumbKey(u.id)]));
          for (const u of gone) if (u.state === 'receiving') await this.dropBytes(u.id);
          this.log.info('removed files', { count: gone.length });
          if (gone.length < 500) break;
        }
      } catch (err) {
        this.log.warn('file sweep failed; it is tried again later', { err });
      } finally {
        this.sweeping = undefined;
      }
    })();
    return this.sweeping;
  }

  private signedPath(id: string, variant: 'file' | 'thumb', exp: number): string {
    const sig = this.sign(id, variant, String(exp));
    return `${FILES_PATH}/${id}${variant === 'thumb' ? '/thumb' : ''}?exp=${exp}&sig=${sig}`;
  }

  private sign(id: string, variant: string, exp: string): string {
    return createHmac('sha256', this.urlKey).update(`${id}\n${variant}\n${exp}`).digest('base64url');
  }

  private validSignature(id: string, variant: string, exp: string, sig: string): boolean {
    const want = Buffer.from(this.sign(id, variant, exp));
    const got = Buffer.from(sig);
    return want.length === got.length && timingSafeEqual(want, got);
  }

  private async own(owner: string, id: string): Promise<UploadRecord | FileReply> {
    const upload = UPLOAD_ID.test(id) ? await this.store.uploads.get(id) : null;
    // Someone else's upload reads as missing: ids are not secrets, but nobody learns of another's files.
    if (!upload || upload.owner !== owner || upload.state === 'doomed') return fail(404, 'not_found', 'no such upload');
    return upload;
  }

  private stagingPath(id: string): string {
    return join(this.staging, id);
  }

  /** Bytes of a receiving upload staged on this node; null when its staging file is not here. */
  private async received(id: string): Promise<number | null> {
    try {
      return (await stat(this.stagingPath(id))).size;
    } catch {
      return null;
    }
  }

  private async dropBytes(id: string): Promise<void> {
    const path = this.stagingPath(id);
    await Promise.all([path, `${path}.clean`, `${path}.thumb`].map((p) => rm(p, { force: true })));
  }

  private takeRate(owner: string): boolean {
    let bucket = this.buckets.get(owner);
    if (!bucket) {
      if (this.buckets.size >= MAX_TRACKED_USERS) this.buckets.clear();
      const perMinute = this.config.uploadsPerMinute;
      this.buckets.set(owner, (bucket = new TokenBucket(perMinute / 60, perMinute)));
    }
    return bucket.take();
  }
}

export const fileKey = (id: string) => `files/${id}`;
export const thumbKey = (id: string) => `thumbs/${id}`;

/** tus Upload-Metadata: `key base64,key base64`; null when malformed. */
export function parseMetadata(raw: string): Map<string, string> | null {
  const out = new Map<string, string>();
  if (raw.trim() === '') return out;
  if (raw.length > 8192) return null;
  for (const pair of raw.split(',')) {
    const [key, value, extra] = pair.trim().split(' ');
    if (!key || extra !== undefined || !/^[A-Za-z0-9_.-]+$/.test(key) || out.has(key)) return null;
    if (value !== undefined && !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) return null;
    out.set(key, value === undefined ? '' : Buffer.from(value, 'base64').toString('utf8'));
  }
  return out;
}

/** The voice fields of Upload-Metadata: `voice` (present), `duration` (ms), `waveform` (comma-separated 0..255). */
function readClaims(fields: Map<string, string>): Claims | string {
  const claims: Claims = {};
  if (fields.has('voice')) claims.voice = true;
  const duration = fields.get('duration');
  if (duration !== undefined) {
    if (!/^\d{1,9}$/.test(duration)) return 'duration must be a whole number of milliseconds';
    claims.duration = Number(duration);
  }
  const waveform = fields.get('waveform');
  if (waveform !== undefined) {
    const points = waveform.split(',').map(Number);
    if (points.length > Limits.maxWaveform || points.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
      return `waveform must be at most ${Limits.maxWaveform} comma-separated whole numbers 0..255`;
    }
    claims.waveform = points;
  }
  return claims;
}

/** One `bytes=a-b` range within `size`; undefined without a header (or for forms served whole), null when unsatisfiable. */
export function parseRange(header: string, size: number): ByteRange | undefined | null {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return undefined; // several ranges or another unit: the whole file (RFC 9110 allows ignoring Range)
  const [, a, b] = m;
  if (a === '' && b === '') return null;
  let start: number;
  let end: number;
  if (a === '') {
    start = Math.max(0, size - Number(b));
    end = size - 1;
  } else {
    start = Number(a);
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  }
  if (start >= size || start > end) return null;
  return { start, end };
}
