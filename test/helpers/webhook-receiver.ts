/**
 * A real HTTP receiver for webhooks on 127.0.0.1 that checks every request with the
 * `standardwebhooks` package (not our own code), and can be down, slow or rude on demand.
 */
import http from 'node:http';
import type net from 'node:net';
import { Webhook } from 'standardwebhooks';

export type ReceiverMode = 'ok' | 'error' | 'client_error' | 'redirect' | 'hang' | 'reset';

export interface Received {
  id: string;
  timestamp: string;
  body: string;
  /** What the receiver answered. */
  status: number | 'hang' | 'reset';
  /** standardwebhooks' verdict: null when the signature verified, else its error message. */
  verifyError: string | null;
  payload: { type: string; timestamp: string; data: Record<string, unknown> } | null;
}

export interface Receiver {
  url: string;
  port: number;
  mode: ReceiverMode;
  received: Received[];
  /** Requests answered 2xx, deduplicated by webhook-id as a receiver should. */
  delivered(): Map<string, Received>;
  /** Stops listening (connections refused) until start() again, on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  waitFor(check: () => boolean, ms?: number): Promise<void>;
}

export async function startReceiver({
  secret,
  port = 0,
  listening = true,
}: {
  secret: string;
  port?: number;
  listening?: boolean;
}): Promise<Receiver> {
  const verifier = new Webhook(secret);
  const sockets = new Set<net.Socket>();
  const receiver: Receiver = {
    url: '',
    port,
    mode: 'ok',
    received: [],
    delivered: () =>
      new Map(receiver.received.filter((r) => typeof r.status === 'number' && r.status < 300).map((r) => [r.id, r])),
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
    },
    start: () => new Promise<void>((resolve) => server.listen(receiver.port, '127.0.0.1', () => resolve())),
    async waitFor(check, ms = 20_000) {
      const deadline = Date.now() + ms;
      while (!check()) {
        if (Date.now() > deadline)
          throw new Error(
            `receiver: timed out; got ${JSON.stringify(receiver.received.map((r) => [r.id, r.status, r.payload?.type, r.timestamp]))}`,
          );
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const headers = {
        'webhook-id': String(req.headers['webhook-id']),
        'webhook-timestamp': String(req.headers['webhook-timestamp']),
        'webhook-signature': String(req.headers['webhook-signature']),
      };
      let verifyError: string | null = null;
      let payload: Received['payload'] = null;
      try {
        payload = verifier.verify(body, headers) as Received['payload'];
      } catch (err) {
        verifyError = (err as Error).message;
      }
      const mode = receiver.mode;
      const status =
        mode === 'ok'
          ? verifyError
            ? 400
            : 204
          : mode === 'error'
            ? 503
            : mode === 'client_error'
              ? 410
              : mode === 'redirect'
                ? 307
                : mode;
      receiver.received.push({
        id: headers['webhook-id'],
        timestamp: headers['webhook-timestamp'],
        body,
        status,
        verifyError,
        payload,
      });
      if (mode === 'hang') return;
      if (mode === 'reset') return void req.socket.destroy();
      if (mode === 'redirect') res.setHeader('location', '/elsewhere');
      res.statusCode = status as number;
      res.end();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  receiver.port = (server.address() as net.AddressInfo).port;
  receiver.url = `http://127.0.0.1:${receiver.port}/hooks`;
  if (!listening) await receiver.stop();
  return receiver;
}

export const TEST_WEBHOOK_SECRET = `whsec_${Buffer.from('sesame-test-webhook-secret-32-by').toString('base64')}`;
