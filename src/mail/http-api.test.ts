import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpApiMailer } from './http-api.js';
import { MailDeliveryError } from './mailer.js';

let server: http.Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

function listen(handler: http.RequestListener): Promise<string> {
  server = http.createServer(handler);
  return new Promise((resolve) =>
    server!.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server!.address() as { port: number }).port}/emails`),
    ),
  );
}

const message = { to: 'ada@example.com', subject: 'Sign in', text: 'code 123456', html: '<p>code</p>' };

describe('createHttpApiMailer', () => {
  it('posts the message as JSON with the API key', async () => {
    const seen: { auth?: string; type?: string; body?: unknown }[] = [];
    const url = await listen((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        seen.push({ auth: req.headers.authorization, type: req.headers['content-type'], body: JSON.parse(body) });
        res.writeHead(200).end('{"id":"1"}');
      });
    });
    await createHttpApiMailer({ url, apiKey: 'key-1', from: 'Sesame <no-reply@example.com>' }).send(message);
    expect(seen).toEqual([
      {
        auth: 'Bearer key-1',
        type: 'application/json',
        body: {
          from: 'Sesame <no-reply@example.com>',
          to: ['ada@example.com'],
          subject: 'Sign in',
          text: 'code 123456',
          html: '<p>code</p>',
        },
      },
    ]);
  });

  it('maps a 4xx refusal to a permanent error and 429/5xx/down to transient ones', async () => {
    let status = 422;
    const url = await listen((_req, res) => res.writeHead(status).end());
    const mailer = createHttpApiMailer({ url, apiKey: 'k', from: 'a@example.com' });
    await expect(mailer.send(message)).rejects.toMatchObject({ name: 'MailDeliveryError', permanent: true });
    status = 429;
    await expect(mailer.send(message)).rejects.toMatchObject({ permanent: false });
    status = 503;
    await expect(mailer.send(message)).rejects.toMatchObject({ permanent: false });
    const down = createHttpApiMailer({ url: 'http://127.0.0.1:1/emails', apiKey: 'k', from: 'a@example.com' });
    const err = await down.send(message).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MailDeliveryError);
    expect((err as MailDeliveryError).permanent).toBe(false);
  });
});
