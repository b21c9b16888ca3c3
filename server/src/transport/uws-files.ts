// The uWS side of the file endpoints (protocol section 24): tus uploads whose bodies stream to disk with
// the request paused while a write is pending, and downloads streamed with backpressure (tryEnd and
// onWritable), so that memory does not grow with a file's size either way.
import type { HttpRequest as UwsRequest, HttpResponse, TemplatedApp } from '@trufflesuite/uws-js-unofficial';
import { AuthError, type Authenticator } from '../auth.js';
import { BOT_KEY_PREFIX, type BotRegistry } from '../bots/registry.js';
import { fail, FILES_PATH, UPLOADS_PATH, type FileDownload, type FileReply, type Files, type UploadSink } from '../files/files.js';
import { SlabFiller, uploadIntake as intake } from '../files/slabs.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../core/metrics.js';
import { StoreUnavailableError } from '../store/store.js';

const TUS_HEADERS = 'authorization, content-type, tus-resumable, upload-length, upload-metadata, upload-offset';
/** Filled slabs waiting for their write (or for the upload's check) before the request is paused: 1 MB. */
const HELD_SLABS = 2;
const EXPOSED = 'location, upload-offset, upload-length, upload-expires, tus-resumable, tus-version, tus-extension, tus-max-size';

export interface FileRouteDeps {
  files: Files;
  auth: Authenticator;
  /** Bot keys, when bots are on: a bot uploads with its key as it signs in with it. */
  bots: BotRegistry | undefined;
  metrics: Metrics;
  log: Logger;
  /** Whether a browser page at `origin` may call the API (PARLEY_ORIGINS, the server's own pages). */
  originAllowed: (origin: string) => boolean;
}

/** Registers /v1/uploads and /v1/files on `app` (before its catch-all route). */
export function attachFileRoutes(app: TemplatedApp, deps: FileRouteDeps): void {
  const handler = (res: HttpResponse, req: UwsRequest) => handle(res, req, deps);
  app.any(UPLOADS_PATH, handler);
  app.any(`${UPLOADS_PATH}/*`, handler);
  app.any(`${FILES_PATH}/*`, handler);
}

function handle(res: HttpResponse, req: UwsRequest, deps: FileRouteDeps): void {
  const method = req.getMethod().toUpperCase();
  const path = req.getUrl();
  const h = (name: string) => req.getHeader(name);
  const origin = h('origin');
  const cors: Record<string, string> =
    origin && deps.originAllowed(origin)
      ? {
          'access-control-allow-origin': origin,
          'access-control-allow-methods': 'GET, HEAD, POST, PATCH, DELETE, OPTIONS',
          'access-control-allow-headers': TUS_HEADERS,
          'access-control-expose-headers': EXPOSED,
          vary: 'Origin',
        }
      : {};
  const state = { aborted: false };
  let sink: UploadSink | undefined;
  /** What a PATCH does when its client goes away mid-body (set below). */
  let bodyAborted: (() => void) | undefined;
  let paused = false;
  /** The request body has all arrived (PATCH). */
  let ended = false;
  res.onAborted(() => {
    state.aborted = true;
    if (bodyAborted) bodyAborted();
    else sink?.abort();
  });
  const respond = (reply: FileReply): void => {
    deps.metrics.httpRequest(path, reply.status);
    if (state.aborted) return;
    state.aborted = true;
    // A PATCH answered before its body was all read (a refusal) leaves the rest of the body on the
    // connection: the client must not send another request on it.
    const headers = method === 'PATCH' && !ended ? { ...cors, ...reply.headers, connection: 'close' } : { ...cors, ...reply.headers };
    if (paused) res.resume();
    res.cork(() => writeReply(res, { ...reply, headers }, method === 'HEAD'));
  };
  const guarded = (work: () => Promise<FileReply | void>) =>
    work().then(
      (reply) => reply && respond(reply),
      (err: unknown) => {
        if (err instanceof StoreUnavailableError) return respond(fail(503, 'unavailable', 'storage unavailable; retry later', { 'retry-after': '1' }));
        deps.log.error('file request failed', { err, path });
        respond(fail(500, 'internal', 'internal error'));
      },
    );
  if (method === 'OPTIONS') return respond({ ...deps.files.options(), headers: { ...deps.files.options().headers, 'access-control-max-age': '600' } });

  if (path.startsWith(FILES_PATH + '/')) {
    const m = /^\/v1\/files\/([^/]+)(\/thumb)?$/.exec(path);
    if (!m || (method !== 'GET' && method !== 'HEAD')) return respond(fail(m ? 405 : 404, m ? 'method_not_allowed' : 'not_found', m ? 'GET or HEAD' : 'no such file'));
    const query = new URLSearchParams(req.getQuery() ?? '');
    const range = h('range');
    return void guarded(async () => {
      const out = await deps.files.download(m[1]!, m[2] ? 'thumb' : 'file', query, range);
      if (!('blob' in out)) return out;
      deps.metrics.httpRequest(path, out.status);
      if (state.aborted) out.blob.body.destroy();
      else sendDownload(res, out, cors, method === 'HEAD', state);
      return undefined;
    });
  }

  // Headers are read now: uWS's request is gone once this handler returns. Who is asking is known after
  // that (a bot key is looked up in the store).
  const caller = identify(h('authorization'), deps);
  // A request refused before its caller is awaited must not leave a rejection unhandled.
  caller.catch(() => undefined);
  const asCaller = (work: (who: string) => Promise<FileReply | void>) =>
    guarded(async () => {
      const who = await caller;
      return 'id' in who ? work(who.id) : who;
    });
  if (method !== 'POST' && h('tus-resumable') !== '1.0.0') {
    return respond(fail(412, 'bad_request', 'Tus-Resumable: 1.0.0 is required', { 'tus-version': '1.0.0' }));
  }
  const id = path === UPLOADS_PATH ? undefined : path.slice(UPLOADS_PATH.length + 1);
  if (id === undefined) {
    if (method !== 'POST') return respond(fail(405, 'method_not_allowed', 'POST creates an upload'));
    const length = h('upload-length');
    const metadata = h('upload-metadata');
    const contentLength = h('content-length');
    // Creation with a body is not offered (creation-with-upload): a body here is refused unread.
    if (contentLength !== '' && contentLength !== '0') return respond(fail(400, 'bad_request', 'send the bytes with PATCH, not with the POST that creates the upload'));
    return void asCaller((who) => deps.files.create(who, length, metadata));
  }
  if (method === 'HEAD') return void asCaller((who) => deps.files.head(who, id));
  if (method === 'GET') return void asCaller((who) => deps.files.describe(who, id));
  if (method === 'DELETE') return void asCaller((who) => deps.files.terminate(who, id));
  if (method !== 'PATCH') return respond(fail(405, 'method_not_allowed', 'HEAD, PATCH, GET or DELETE'));

  // PATCH: uWS lends the body in socket-sized pieces, each only during onData. They are copied into
  // pooled slabs (files/slabs.ts), and each full slab is written with one call, in order, once the
  // upload is known to take bytes (a few ms: the caller and the upload are looked up first). The request
  // is paused while HELD_SLABS slabs wait for their write, so memory does not grow with the file.
  let outstanding = 0;
  let refused: FileReply | undefined;
  let opened!: () => void;
  /** Writes in body order; it starts once `patch` has answered (with a sink or a refusal). */
  let writing = new Promise<void>((resolve) => (opened = resolve));
  /** Waiting for a later turn of the event loop: the process's share of body for this one is spent. */
  let waitingTurn = false;
  /** Pauses the request while its own writes are behind or its turn has not come; resumes it when neither holds. */
  const pace = () => {
    const hold = outstanding >= HELD_SLABS || waitingTurn;
    if (hold && !paused) {
      paused = true;
      res.pause();
    } else if (!hold && paused && !state.aborted) {
      paused = false;
      res.resume();
    }
  };
  const turnCame = () => {
    if (state.aborted) return false;
    waitingTurn = false;
    pace();
    return true;
  };
  const filler = new SlabFiller((slab) => {
    outstanding++;
    pace();
    writing = writing.then(async () => {
      try {
        if (refused || !sink) return;
        const reply = await sink.write(slab.bytes);
        if (reply) {
          refused = reply;
          respond(reply);
        }
      } catch (err) {
        deps.log.error('upload failed', { err, path });
        refused = fail(500, 'internal', 'internal error');
        respond(refused);
      } finally {
        slab.release();
        outstanding--;
        pace();
      }
    });
  });
  const finish = () => {
    writing = writing.then(async () => {
      if (refused || !sink) return;
      try {
        respond(await sink.end());
      } catch (err) {
        deps.log.error('upload failed', { err, path });
        respond(fail(500, 'internal', 'internal error'));
      }
    });
  };
  // What arrived before the client went away is written, then the sink closed: tus resumes from it.
  bodyAborted = () => {
    filler.seal();
    writing = writing.then(() => sink?.abort());
  };
  res.onData((chunk, isLast) => {
    if (state.aborted) return;
    filler.add(new Uint8Array(chunk));
    if (isLast) {
      ended = true;
      filler.seal();
      finish();
    } else if (!intake.take(chunk.byteLength) && !waitingTurn) {
      waitingTurn = true;
      intake.wait(turnCame);
      pace();
    }
  });
  const offset = h('upload-offset');
  const contentType = h('content-type');
  const contentLength = h('content-length');
  // The writes start when the PATCH is answered either way: a refusal's slabs go back to the pool.
  void asCaller(async (who) => {
    const answer = await deps.files.patch(who, id, offset, contentType, contentLength);
    if (!('write' in answer)) return answer;
    sink = answer;
    return undefined;
  }).finally(opened);
}

/** The caller of an upload request (a user's token or a bot's key), or the reply refusing them. */
async function identify(authorization: string, deps: FileRouteDeps): Promise<{ id: string } | FileReply> {
  const m = /^Bearer\s+(\S+)$/i.exec(authorization);
  if (!m) return fail(401, 'unauthorized', 'send Authorization: Bearer <token>', { 'www-authenticate': 'Bearer' });
  const token = m[1]!;
  if (token.startsWith(BOT_KEY_PREFIX)) {
    // A bot uploads as itself; which rooms its files may go to is checked when it sends them, like its messages.
    const grant = (await deps.bots?.verify(token)) ?? null;
    return grant ? { id: grant.id } : fail(401, 'unauthorized', 'token rejected: bot key is unknown or revoked', { 'www-authenticate': 'Bearer' });
  }
  try {
    return deps.auth.verify(token);
  } catch (err) {
    if (err instanceof AuthError) return fail(401, 'unauthorized', `token rejected: ${err.reason}`, { 'www-authenticate': 'Bearer' });
    throw err;
  }
}

function writeReply(res: HttpResponse, reply: FileReply, head: boolean): void {
  res.writeStatus(STATUS[reply.status] ?? String(reply.status));
  for (const [k, v] of Object.entries(reply.headers ?? {})) res.writeHeader(k, v);
  res.writeHeader('x-content-type-options', 'nosniff');
  // HEAD and 204 have no body by definition; any other status without one must say so (Content-Length:
  // 0, which end('') writes), or the client reads until the connection closes.
  if (head || reply.status === 204) return void res.endWithoutBody();
  if (reply.body === undefined) return void res.end('');
  res.writeHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(reply.body));
}

/** Streams a download: each chunk is offered with tryEnd; a refused one waits for onWritable. */
function sendDownload(res: HttpResponse, out: FileDownload, cors: Record<string, string>, head: boolean, state: { aborted: boolean }): void {
  const { body } = out.blob;
  const total = out.length;
  res.cork(() => {
    res.writeStatus(STATUS[out.status]!);
    for (const [k, v] of Object.entries({ ...cors, ...out.headers })) res.writeHeader(k, v);
    if (head || total === 0) {
      res.writeHeader('content-length', String(total)).endWithoutBody();
      state.aborted = true;
    }
  });
  if (state.aborted) return void body.destroy();
  body.on('error', () => {
    if (!state.aborted) res.close();
    state.aborted = true;
  });
  body.on('data', (chunk: Buffer) => {
    if (state.aborted) return void body.destroy();
    const start = res.getWriteOffset();
    let result: [boolean, boolean] = [false, false];
    res.cork(() => (result = res.tryEnd(chunk, total)));
    const [ok, done] = result;
    if (done) {
      state.aborted = true;
      return void body.destroy();
    }
    if (ok) return;
    body.pause();
    res.onWritable((offset) => {
      let again: [boolean, boolean] = [false, false];
      res.cork(() => (again = res.tryEnd(chunk.subarray(offset - start), total)));
      if (again[1]) {
        state.aborted = true;
        body.destroy();
      } else if (again[0]) {
        body.resume();
      }
      return again[0];
    });
  });
}

const STATUS: Record<number, string> = {
  200: '200 OK',
  201: '201 Created',
  202: '202 Accepted',
  204: '204 No Content',
  206: '206 Partial Content',
  400: '400 Bad Request',
  401: '401 Unauthorized',
  403: '403 Forbidden',
  404: '404 Not Found',
  405: '405 Method Not Allowed',
  409: '409 Conflict',
  412: '412 Precondition Failed',
  413: '413 Payload Too Large',
  415: '415 Unsupported Media Type',
  416: '416 Range Not Satisfiable',
  422: '422 Unprocessable Entity',
  429: '429 Too Many Requests',
  500: '500 Internal Server Error',
  503: '503 Service Unavailable',
};
