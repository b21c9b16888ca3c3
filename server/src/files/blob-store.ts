// Where the bytes of uploaded files live, behind one interface: a local directory (the default, next
// to the embedded store) or any S3-compatible service (s3-blob-store.ts). Keys are server-made ids,
// never a client's file name.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** A byte range, both ends included (HTTP Range semantics). */
export interface ByteRange {
  start: number;
  end: number;
}

export interface Blob {
  /** The whole blob's size, bytes. */
  size: number;
  /** The bytes asked for (the range, or all). */
  body: Readable;
}

export interface BlobStore {
  /** Where the bytes go, for logs and docs: `local` or `s3`. */
  readonly name: string;
  /** Stores the file at `path` (a finished upload on local disk) under `key`; the file may be moved away. */
  putFile(key: string, path: string, size: number, mime: string): Promise<void>;
  /** The blob under `key` (a range of it), or null when there is none. */
  get(key: string, range?: ByteRange): Promise<Blob | null>;
  /** True when a blob is stored under `key`. */
  has(key: string): Promise<boolean>;
  /** Removes the blobs; keys without one are ignored. */
  delete(keys: readonly string[]): Promise<void>;
}

const KEY = /^[a-z]+\/[A-Za-z0-9_-]+$/;

/** Blobs as files in a directory: `<dir>/<kind>/<id>`. */
export class LocalBlobStore implements BlobStore {
  readonly name = 'local';

  constructor(private readonly dir: string) {}

  private path(key: string): string {
    if (!KEY.test(key)) throw new Error(`not a blob key: ${key}`);
    return join(this.dir, key);
  }

  async putFile(key: string, path: string, _size: number, _mime: string): Promise<void> {
    const to = this.path(key);
    await mkdir(dirname(to), { recursive: true });
    try {
      await rename(path, to);
    } catch (err) {
      // Another file system (a staging directory elsewhere): copy, then drop the original.
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
      await pipeline(createReadStream(path), createWriteStream(to));
      await rm(path, { force: true });
    }
  }

  async get(key: string, range?: ByteRange): Promise<Blob | null> {
    const path = this.path(key);
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch {
      return null;
    }
    return { size, body: createReadStream(path, range ? { start: range.start, end: range.end } : {}) };
  }

  async has(key: string): Promise<boolean> {
    try {
      await stat(this.path(key));
      return true;
    } catch {
      return false;
    }
  }

  async delete(keys: readonly string[]): Promise<void> {
    await Promise.all(keys.map((k) => rm(this.path(k), { force: true })));
  }
}
