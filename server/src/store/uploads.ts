// What the store keeps of uploaded files (migration 14): who owns each upload, what the server found
// it to be, and which message holds it. The bytes live in a blob store; this is the index of them.
import type { Attachment } from '@parley/sdk/protocol';

type Query = <Row>(text: string, params?: readonly unknown[]) => Promise<Row[]>;

export type UploadState = 'receiving' | 'ready' | 'attached' | 'doomed';

/** What the server measured of a file, besides its type and size. */
export type UploadMeta = Pick<Attachment, 'width' | 'height' | 'placeholder' | 'animated' | 'thumb' | 'duration' | 'waveform'> & {
  /** The uploader said this is a voice message (Upload-Metadata `voice`). */
  voice?: boolean;
};

export interface UploadRecord {
  id: string;
  owner: string;
  /** The file name made safe. */
  name: string;
  /** Bytes: declared when the upload began, exact once ready. */
  size: number;
  /** AttachmentKind, once ready. */
  kind: string | null;
  /** Sniffed media type, once ready. */
  mime: string | null;
  meta: UploadMeta | null;
  state: UploadState;
  room: string | null;
  seq: number | null;
  createdAt: number;
}

interface UploadRow {
  id: string;
  owner: string;
  name: string;
  size: string | number;
  kind: string | null;
  mime: string | null;
  meta: UploadMeta | null;
  state: UploadState;
  room_id: string | null;
  seq: string | number | null;
  created_at: string | number;
}

const COLUMNS = 'id, owner, name, size, kind, mime, meta, state, room_id, seq, created_at';

function toRecord(row: UploadRow): UploadRecord {
  return {
    id: row.id,
    owner: row.owner,
    name: row.name,
    size: Number(row.size),
    kind: row.kind,
    mime: row.mime,
    meta: row.meta,
    state: row.state,
    room: row.room_id,
    seq: row.seq === null ? null : Number(row.seq),
    createdAt: Number(row.created_at),
  };
}

/** The attachment a message carries for a ready upload. */
export function toAttachment(u: UploadRecord): Attachment {
  const a: Attachment = { id: u.id, kind: u.kind ?? 'file', name: u.name, mime: u.mime ?? 'application/octet-stream', size: u.size };
  const m = u.meta ?? {};
  if (m.width !== undefined) a.width = m.width;
  if (m.height !== undefined) a.height = m.height;
  if (m.placeholder !== undefined) a.placeholder = m.placeholder;
  if (m.animated) a.animated = true;
  if (m.thumb) a.thumb = true;
  if (m.duration !== undefined) a.duration = m.duration;
  if (m.waveform !== undefined) a.waveform = m.waveform;
  return a;
}

export class UploadStore {
  constructor(private readonly query: Query) {}

  /**
   * Records a new upload of `size` bytes for `owner`, unless it would take the owner's stored bytes
   * (every upload not doomed, this one included) past `quota` (0: no quota). Returns the bytes the
   * owner then uses, or null when refused (nothing recorded).
   */
  async create(upload: { id: string; owner: string; name: string; size: number; meta?: UploadMeta }, quota: number): Promise<{ used: number } | null> {
    const rows = await this.query<{ used: string | number; kept: number }>(
      `WITH used AS (
         SELECT coalesce(sum(size), 0)::int8 AS n FROM uploads WHERE owner = $2 AND state <> 'doomed'
       ), kept AS (
         INSERT INTO uploads (id, owner, name, size, meta, created_at)
         SELECT $1, $2, $3, $4, $5::jsonb, $6 FROM used WHERE $7::int8 = 0 OR used.n + $4 <= $7::int8
         RETURNING 1
       )
       SELECT (SELECT n FROM used) + $4 AS used, (SELECT count(*) FROM kept)::int AS kept`,
      [upload.id, upload.owner, upload.name, upload.size, upload.meta ? JSON.stringify(upload.meta) : null, Date.now(), quota],
    );
    const row = rows[0];
    return row && row.kept > 0 ? { used: Number(row.used) } : null;
  }

  /** Bytes `owner` keeps stored (uploads not doomed). */
  async used(owner: string): Promise<number> {
    const rows = await this.query<{ n: string | number }>(`SELECT coalesce(sum(size), 0)::int8 AS n FROM uploads WHERE owner = $1 AND state <> 'doomed'`, [owner]);
    return Number(rows[0]?.n ?? 0);
  }

  async get(id: string): Promise<UploadRecord | null> {
    const rows = await this.query<UploadRow>(`SELECT ${COLUMNS} FROM uploads WHERE id = $1`, [id]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** Marks a received upload ready to attach, with what the server found it to be; false when it is no longer receiving. */
  async ready(id: string, found: { kind: string; mime: string; size: number; meta: UploadMeta }): Promise<boolean> {
    const rows = await this.query(
      `UPDATE uploads SET state = 'ready', kind = $2, mime = $3, size = $4, meta = $5::jsonb WHERE id = $1 AND state = 'receiving' RETURNING 1`,
      [id, found.kind, found.mime, found.size, JSON.stringify(found.meta)],
    );
    return rows.length > 0;
  }

  /** Forgets an upload of `owner` that no message holds (tus termination, a refused file); false when there is none. */
  async remove(id: string, owner: string): Promise<boolean> {
    const rows = await this.query(`DELETE FROM uploads WHERE id = $1 AND owner = $2 AND room_id IS NULL RETURNING 1`, [id, owner]);
    return rows.length > 0;
  }

  /** The uploads among `ids` that `owner` may attach now (ready, held by no message), in no order. */
  async attachable(owner: string, ids: readonly string[]): Promise<UploadRecord[]> {
    const rows = await this.query<UploadRow>(`SELECT ${COLUMNS} FROM uploads WHERE id = ANY ($1::text[]) AND owner = $2 AND state = 'ready'`, [ids, owner]);
    return rows.map(toRecord);
  }

  /** The uploads among `ids` that messages of `room` hold, in no order. */
  async inRoom(room: string, ids: readonly string[]): Promise<UploadRecord[]> {
    const rows = await this.query<UploadRow>(`SELECT ${COLUMNS} FROM uploads WHERE id = ANY ($1::text[]) AND room_id = $2 AND state = 'attached'`, [ids, room]);
    return rows.map(toRecord);
  }

  /**
   * Takes out of the index, at most `limit` at a time, the uploads whose bytes must go: those of
   * deleted messages, and those no message attached that began before `before` (ms epoch). Each row
   * is returned to exactly one caller, whichever node sweeps.
   */
  async sweep(before: number, limit: number): Promise<UploadRecord[]> {
    const rows = await this.query<UploadRow>(
      `DELETE FROM uploads WHERE id IN (
         SELECT id FROM uploads WHERE state = 'doomed' OR (room_id IS NULL AND created_at < $1) LIMIT $2 FOR UPDATE SKIP LOCKED
       ) RETURNING ${COLUMNS}`,
      [before, limit],
    );
    return rows.map(toRecord);
  }
}
