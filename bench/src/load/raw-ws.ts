// A minimal WebSocket client over a plain TCP socket, so that thousands of receivers cost the load
// generator almost nothing: frames are walked header by header and only classified by their first
// bytes, unless a connection asks to see whole payloads (the latency-sampling clients).
import { connect, type Socket } from 'node:net';

export const WsOp = { Text: 1, Binary: 2, Close: 8, Ping: 9, Pong: 10 } as const;

/** What a connection does with each complete data frame it receives. */
export interface FrameSink {
  /** Called for every data frame with its opcode and payload (a view valid only during the call). */
  frame(opcode: number, payload: Buffer): void;
}

export interface RawWsOptions {
  port: number;
  host?: string;
  /** Source address, to spread many connections over several 127.0.0.x ephemeral port ranges. */
  localAddress?: string;
  path: string;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** Encodes one client frame (FIN set, masked with an all-zero key, which leaves the payload as is). */
export function encodeClientFrame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? 6 : len < 65_536 ? 8 : 14;
  const out = Buffer.allocUnsafe(head + len);
  out[0] = 0x80 | opcode;
  if (len < 126) {
    out[1] = 0x80 | len;
  } else if (len < 65_536) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(len, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeUInt32BE(0, 2);
    out.writeUInt32BE(len, 6);
  }
  out.writeUInt32BE(0, head - 4); // the mask key
  payload.copy(out, head);
  return out;
}

export class RawWs {
  readonly socket: Socket;
  closed = false;
  /** WebSocket close code received, or -1 when the TCP connection ended without one. */
  closeCode: number | undefined;
  private upgraded = false;
  private head: Buffer | undefined;
  /** Bytes of an incomplete frame carried over to the next read. */
  private rest: Buffer | undefined;
  private opened!: () => void;
  private failed!: (err: Error) => void;
  /** Resolves once the server answered the upgrade with 101. */
  readonly open: Promise<void>;

  private _sink: FrameSink | undefined;
  /** Frames that arrived before anyone listened (a server may speak right after the upgrade). */
  private early: [number, Buffer][] = [];

  constructor(options: RawWsOptions) {
    this.open = new Promise<void>((resolve, reject) => {
      this.opened = resolve;
      this.failed = reject;
    });
    const host = options.host ?? '127.0.0.1';
    this.socket = connect({ port: options.port, host, localAddress: options.localAddress, noDelay: true });
    this.socket.on('connect', () => {
      this.socket.write(
        `GET ${options.path} HTTP/1.1\r\nHost: ${host}:${options.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          'Sec-WebSocket-Key: cGFybGV5LWJlbmNoLWtleQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
    });
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (err) => this.onEnd(err));
    this.socket.on('close', () => this.onEnd(new Error('connection closed')));
  }

  get sink(): FrameSink | undefined {
    return this._sink;
  }

  /** Sets who receives data frames; frames that arrived while nobody did are handed over first. */
  set sink(sink: FrameSink | undefined) {
    this._sink = sink;
    while (sink && this._sink === sink && this.early.length > 0) {
      const [opcode, payload] = this.early.shift()!;
      sink.frame(opcode, payload);
    }
  }

  send(opcode: number, payload: Buffer): void {
    if (!this.closed) this.socket.write(encodeClientFrame(opcode, payload));
  }

  /** Writes several frames in one syscall. */
  sendMany(opcode: number, payloads: Buffer[]): void {
    if (!this.closed) this.socket.write(Buffer.concat(payloads.map((p) => encodeClientFrame(opcode, p))));
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private onEnd(err: Error): void {
    if (!this.upgraded) this.failed(err);
    this.closed = true;
    this.closeCode ??= -1;
  }

  private onData(chunk: Buffer): void {
    if (!this.upgraded) {
      const buf: Buffer = this.head ? Buffer.concat([this.head, chunk]) : chunk;
      const end = buf.indexOf(HEADER_END);
      if (end < 0) {
        this.head = buf;
        return;
      }
      this.head = undefined;
      const status = buf.toString('latin1', 0, Math.min(end, 64));
      if (!status.startsWith('HTTP/1.1 101')) {
        this.failed(new Error(`upgrade refused: ${status.split('\r\n')[0]}`));
        this.close();
        return;
      }
      this.upgraded = true;
      this.opened();
      chunk = buf.subarray(end + 4);
      if (chunk.length === 0) return;
    }
    let buf = chunk;
    if (this.rest) {
      buf = this.completeCarried(chunk);
      if (this.rest) return;
    }
    this.walk(buf);
  }

  /**
   * Finishes the frame carried over from the last read with the start of `chunk` (copying only that
   * frame's bytes, not the whole chunk) and returns what is left of `chunk`.
   */
  private completeCarried(chunk: Buffer): Buffer {
    let rest = this.rest!;
    let used = 0;
    // Complete the header first: up to 14 bytes.
    let total = frameLength(rest);
    while (total < 0 && used < chunk.length) {
      const take = Math.min(14 - rest.length, chunk.length - used);
      rest = Buffer.concat([rest, chunk.subarray(used, used + take)]);
      used += take;
      total = frameLength(rest);
      if (total >= 0 && rest.length > total) {
        // The header bytes we took reached into the next frame: give them back.
        used -= rest.length - total;
        rest = rest.subarray(0, total);
      }
    }
    if (total < 0) {
      this.rest = rest;
      return chunk.subarray(chunk.length);
    }
    const need = total - rest.length;
    if (need > chunk.length - used) {
      this.rest = Buffer.concat([rest, chunk.subarray(used)]);
      return chunk.subarray(chunk.length);
    }
    const frame = need > 0 ? Buffer.concat([rest, chunk.subarray(used, used + need)]) : rest;
    this.rest = undefined;
    this.walk(frame);
    return chunk.subarray(used + need);
  }

  private walk(buf: Buffer): void {
    let pos = 0;
    const len = buf.length;
    while (pos < len) {
      if (len - pos < 2) break;
      const b0 = buf[pos]!;
      const b1 = buf[pos + 1]!;
      let size = b1 & 0x7f;
      let head = 2;
      if (size === 126) {
        if (len - pos < 4) break;
        size = buf.readUInt16BE(pos + 2);
        head = 4;
      } else if (size === 127) {
        if (len - pos < 10) break;
        size = buf.readUInt32BE(pos + 2) * 2 ** 32 + buf.readUInt32BE(pos + 6);
        head = 10;
      }
      if (len - pos < head + size) break;
      const opcode = b0 & 0x0f;
      const payload = buf.subarray(pos + head, pos + head + size);
      pos += head + size;
      if (opcode === WsOp.Ping) this.send(WsOp.Pong, Buffer.from(payload));
      else if (opcode === WsOp.Close) {
        this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        this.close();
        return;
      } else if (opcode !== WsOp.Pong) {
        if (this._sink) this._sink.frame(opcode, payload);
        else this.early.push([opcode, Buffer.from(payload)]);
      }
    }
    if (pos < len) this.rest = Buffer.from(buf.subarray(pos));
  }
}

/** Total length of the server frame starting `buf`, or -1 when its header is not complete yet. */
function frameLength(buf: Buffer): number {
  if (buf.length < 2) return -1;
  const size = buf[1]! & 0x7f;
  if (size < 126) return 2 + size;
  if (size === 126) return buf.length < 4 ? -1 : 4 + buf.readUInt16BE(2);
  return buf.length < 10 ? -1 : 10 + buf.readUInt32BE(2) * 2 ** 32 + buf.readUInt32BE(6);
}
