// `file_urls` (44): signed, expiring download URLs for files of a room's messages, for whoever may read
// the room (its members; anyone for a public room, as for its history). Uploads themselves are HTTP
// (server/src/files/).
import { ErrorCode, Limits, type FileUrlsFrame, type Op, type ResultData } from '@parley/sdk/protocol';
import type { Config } from '../config.js';
import { RequestError } from './errors.js';
import { requireVisible } from './room-state.js';
import type { Session } from './session.js';

export async function fileUrls(s: Session, f: FileUrlsFrame): Promise<ResultData[typeof Op.FileUrls]> {
  const files = s.hub.files;
  if (!files) throw new RequestError(ErrorCode.NotFound, 'files are off on this server');
  if (!s.memberOf.has(f.room)) await requireVisible(s, f.room);
  await s.hub.moderation.checkRead(s, f.room);
  return files.urls(f.room, f.ids);
}

/** The file limits of `welcome.limits` (feature `files`); none when uploads are off. */
export function fileLimits(c: Config): Record<string, number | string[]> {
  if (c.uploadMaxBytes === 0) return {};
  return {
    maxUploadBytes: c.uploadMaxBytes,
    maxFilesPerMessage: Limits.maxFilesPerMessage,
    uploadQuotaBytes: c.uploadQuotaBytes,
    uploadsPerMinute: c.uploadsPerMinute,
    uploadTtlMs: c.uploadTtlMs,
    maxImagePixels: c.maxImagePixels,
    allowedTypes: c.uploadTypes,
    refusedTypes: c.uploadRefusedTypes,
  };
}
