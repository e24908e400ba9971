/**
 * HTTP/1.1 on one raw keep-alive socket: send a request byte for byte (a chunked body, a lying
 * Content-Length), read its response, then send the next one on the same connection. fetch cannot
 * show what happens to the *next* request after a refused body.
 */
import net from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export class RawConnection {
  private buffer = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  private closed = false;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, d]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {
      this.closed = true;
      this.wake();
    });
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  private wake() {
    for (const w of this.waiters.splice(0)) w();
  }

  private async more(deadline: number): Promise<void> {
    if (this.closed)
      throw new Error(`connection closed; unread: ${JSON.stringify(this.buffer.toString('latin1').slice(0, 200))}`);
    if (Date.now() > deadline) throw new Error('timed out waiting for a response');
    await new Promise<void>((resolve) => {
      this.waiters.push(resolve);
      setTimeout(resolve, 200);
    });
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Reads one whole response (Content-Length or chunked). */
  async read(timeoutMs = 20_000): Promise<RawResponse> {
    const deadline = Date.now() + timeoutMs;
    let end: number;
    while ((end = this.buffer.indexOf('\r\n\r\n')) === -1) await this.more(deadline);
    const head = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
    const status = Number(head[0]!.split(' ')[1]);
    const headers: Record<string, string> = {};
    for (const line of head.slice(1)) {
      const i = line.indexOf(':');
      headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    let rest = this.buffer.subarray(end + 4);
    let body: Buffer;
    if (headers['transfer-encoding']?.includes('chunked')) {
      for (;;) {
        const terminator = rest.indexOf('0\r\n\r\n');
        if (
          terminator !== -1 &&
          (terminator === 0 || rest.subarray(terminator - 2, terminator).toString() === '\r\n')
        ) {
          body = decodeChunked(rest.subarray(0, terminator + 5));
          this.buffer = rest.subarray(terminator + 5);
          break;
        }
        await this.more(deadline);
        rest = this.buffer.subarray(end + 4);
      }
    } else {
      const length = Number(headers['content-length'] ?? 0);
      while (rest.length < length) {
        await this.more(deadline);
        rest = this.buffer.subarray(end + 4);
      }
      body = rest.subarray(0, length);
      this.buffer = rest.subarray(length);
    }
    return { status, headers, body: body.toString('utf8') };
  }

  close(): void {
    this.socket.destroy();
  }
}

function decodeChunked(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let i = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', i);
    const size = parseInt(data.subarray(i, lineEnd).toString('latin1'), 16);
    if (!size) return Buffer.concat(parts);
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    i = lineEnd + 2 + size + 2;
  }
}

/** A POST whose body goes in chunks (no Content-Length), `size` bytes in all. */
export function chunkedPost(path: string, host: string, size: number, chunk = 8192): Buffer {
  const parts: Buffer[] = [
    Buffer.from(
      `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n`,
    ),
  ];
  for (let sent = 0; sent < size; sent += chunk) {
    const n = Math.min(chunk, size - sent);
    parts.push(Buffer.from(`${n.toString(16)}\r\n`), Buffer.alloc(n, 0x61), Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

/** A POST with a declared Content-Length and that many bytes of body. */
export function sizedPost(path: string, host: string, size: number): Buffer {
  return Buffer.concat([
    Buffer.from(
      `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${size}\r\nConnection: keep-alive\r\n\r\n`,
    ),
    Buffer.alloc(size, 0x61),
  ]);
}

export const simpleGet = (path: string, host: string) =>
  `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: keep-alive\r\n\r\n`;
