import { createServer, type AddressInfo } from 'node:net';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { MailDeliveryError, type MailMessage } from './mailer.js';
import { createSmtpMailer, parseSmtpUrl, type SmtpMailer } from './smtp.js';

interface Received {
  mail: ParsedMail;
  mailFrom: string | false;
  rcptTo: string[];
  user: unknown;
}

interface TestServer {
  port: number;
  received: Received[];
  close(): Promise<void>;
}

const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  // Mailers first (their QUIT ends the server's connections), then servers.
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A real smtp-server on 127.0.0.1, random port, STARTTLS off; options override the defaults. */
async function startServer(options: SMTPServerOptions = {}): Promise<TestServer> {
  const received: Received[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    logger: false,
    closeTimeout: 1000,
    ...options,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          received.push({
            mail,
            mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : false,
            rcptTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            user: session.user,
          });
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  cleanups.push(close);
  return { port, received, close };
}

function mailerFor(url: string, from = 'Sesame <no-reply@sesame.example>'): SmtpMailer {
  const mailer = createSmtpMailer({ url, from });
  cleanups.push(() => mailer.close());
  return mailer;
}

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

async function sendFailure(mailer: SmtpMailer, message: MailMessage): Promise<MailDeliveryError> {
  const error = await mailer.send(message).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(MailDeliveryError);
  return error as MailDeliveryError;
}

function addresses(field: AddressObject | AddressObject[] | undefined) {
  const list = Array.isArray(field) ? field : field ? [field] : [];
  return list.flatMap((object) => object.value.map(({ name, address }) => ({ name, address })));
}

const message: MailMessage = {
  to: 'ada@example.com',
  subject: 'Sign in to Sesame',
  text: 'Your code is 012345.\nhttps://sesame.example/l#token=abc\n',
  html: '<p>Your code is <b>012345</b>.</p><a href="https://sesame.example/l#token=abc">Sign in</a>',
};

describe('createSmtpMailer', () => {
  it('hands a message to the server with exact envelope, headers and both parts', async () => {
    const server = await startServer();
    const mailer = mailerFor(`smtp://127.0.0.1:${server.port}?ignoreTLS=true`);
    expect(mailer.name).toBe('smtp');

    await mailer.send(message);

    expect(server.received).toHaveLength(1);
    const [{ mail, mailFrom, rcptTo }] = server.received as [Received];
    expect(mailFrom).toBe('no-reply@sesame.example');
    expect(rcptTo).toEqual(['ada@example.com']);
    expect(addresses(mail.to)).toEqual([{ name: '', address: 'ada@example.com' }]);
    expect(addresses(mail.from)).toEqual([{ name: 'Sesame', address: 'no-reply@sesame.example' }]);
    expect(mail.subject).toBe(message.subject);
    expect(mail.text).toBe(message.text);
    expect(mail.html).toBe(message.html);
  });

  it('logs each delivery and failure without the message content', async () => {
    const server = await startServer({
      onRcptTo(address, _session, callback) {
        if (address.address === 'nobody@example.com') {
          callback(Object.assign(new Error('No such user here'), { responseCode: 550 }));
        } else callback();
      },
    });
    const lines: Array<{ level: string; msg: string; fields?: Record<string, unknown> }> = [];
    const mailer = createSmtpMailer({
      url: `smtp://127.0.0.1:${server.port}`,
      from: 'no-reply@sesame.example',
      logger: { log: (level, msg, fields) => lines.push({ level, msg, fields }) },
    });
    cleanups.push(() => mailer.close());

    await mailer.send(message);
    await sendFailure(mailer, { ...message, to: 'nobody@example.com' });

    expect(lines.map(({ level, msg }) => [level, msg])).toEqual([
      ['info', 'mail sent'],
      ['warn', 'mail delivery failed'],
    ]);
    expect(lines[0]?.fields?.messageId).toEqual(expect.any(String));
    expect(lines[1]?.fields).toMatchObject({ permanent: true, responseCode: 550 });
    expect(JSON.stringify(lines)).not.toMatch(/012345|token=abc/);
  });

  it('reuses the pool for several messages', async () => {
    const server = await startServer();
    const mailer = mailerFor(`smtp://127.0.0.1:${server.port}`);

    await Promise.all([
      mailer.send({ ...message, to: 'one@example.com' }),
      mailer.send({ ...message, to: 'two@example.com' }),
      mailer.send({ ...message, to: 'three@example.com' }),
    ]);

    expect(server.received.map((r) => r.rcptTo).sort()).toEqual([
      ['one@example.com'],
      ['three@example.com'],
      ['two@example.com'],
    ]);
  });

  it('authenticates with the URL-decoded user and password from the URL', async () => {
    const user = 'mailer@sesame';
    const pass = 'p@ss:w/rd%&?# ü';
    const server = await startServer({
      authOptional: false,
      allowInsecureAuth: true,
      onAuth(auth, _session, callback) {
        if (auth.username === user && auth.password === pass) callback(null, { user: auth.username });
        else callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      },
    });
    const url = `smtp://${encodeURIComponent(user)}:${encodeURIComponent(pass)}@127.0.0.1:${server.port}`;

    await mailerFor(url).send(message);

    expect(server.received).toHaveLength(1);
    expect(server.received[0]?.user).toBe(user);
    expect(server.received[0]?.rcptTo).toEqual(['ada@example.com']);
  });

  it('reports a refused login (535) as permanent', async () => {
    const server = await startServer({
      authOptional: false,
      allowInsecureAuth: true,
      onAuth(_auth, _session, callback) {
        callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      },
    });

    const error = await sendFailure(mailerFor(`smtp://user:wrong@127.0.0.1:${server.port}`), message);

    expect(error.permanent).toBe(true);
    expect(error.message).not.toContain('wrong');
    expect(server.received).toHaveLength(0);
  });

  it('reports a recipient rejected with 550 as a permanent MailDeliveryError', async () => {
    const server = await startServer({
      onRcptTo(address, _session, callback) {
        if (address.address === 'nobody@example.com') {
          callback(Object.assign(new Error('No such user here'), { responseCode: 550 }));
        } else callback();
      },
    });
    const mailer = mailerFor(`smtp://127.0.0.1:${server.port}`);

    const error = await sendFailure(mailer, { ...message, to: 'nobody@example.com' });

    expect(error.permanent).toBe(true);
    expect(error.name).toBe('MailDeliveryError');
    expect(error.message).toContain('550');
    expect(error.cause).toBeInstanceOf(Error);
    expect(server.received).toHaveLength(0);

    // The pooled connection is still good for the next message.
    await mailer.send(message);
    expect(server.received).toHaveLength(1);
  });

  it('reports a recipient rejected with 450 as transient', async () => {
    const server = await startServer({
      onRcptTo(_address, _session, callback) {
        callback(Object.assign(new Error('Mailbox busy, try later'), { responseCode: 450 }));
      },
    });

    const error = await sendFailure(mailerFor(`smtp://127.0.0.1:${server.port}`), message);

    expect(error.permanent).toBe(false);
    expect(error.message).toContain('450');
  });

  it('reports an unreachable server as transient', async () => {
    const port = await closedPort();

    const error = await sendFailure(mailerFor(`smtp://127.0.0.1:${port}`), message);

    expect(error.permanent).toBe(false);
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('with requireTLS, refuses to send to a server that does not offer STARTTLS', async () => {
    const server = await startServer();

    const error = await sendFailure(mailerFor(`smtp://127.0.0.1:${server.port}?requireTLS=true`), message);

    // The server answers STARTTLS with "500 command not recognized": a 5xx, so permanent.
    expect(error.message).toContain('STARTTLS');
    expect(error.permanent).toBe(true);
    expect(server.received).toHaveLength(0);
  });

  it('sends to exactly one recipient even when the subject tries to add headers', async () => {
    const server = await startServer();

    await mailerFor(`smtp://127.0.0.1:${server.port}`).send({
      ...message,
      subject: 'Hello\r\nBcc: mallory@evil.example',
    });

    const [{ mail, rcptTo }] = server.received as [Received];
    expect(rcptTo).toEqual(['ada@example.com']);
    expect(mail.bcc).toBeUndefined();
    expect(mail.headers.has('bcc')).toBe(false);
  });

  it('refuses, without connecting, a recipient that is not one bare address', async () => {
    const server = await startServer();
    const mailer = mailerFor(`smtp://127.0.0.1:${server.port}`);

    for (const to of ['ada@example.com, mallory@evil.example', 'Ada <ada@example.com>', 'a(c)@example.com']) {
      const error = await sendFailure(mailer, { ...message, to });
      expect(error.permanent).toBe(true);
    }
    expect(server.received).toHaveLength(0);
  });

  it('refuses a MAIL_FROM that is not exactly one address', () => {
    for (const from of ['', 'Sesame', 'a@x.com, b@y.com', 'Sesame <no-reply@x.com>\r\nBcc: m@evil.example']) {
      expect(() => createSmtpMailer({ url: 'smtp://127.0.0.1:2525', from })).toThrow(/MAIL_FROM/);
    }
  });
});

describe('parseSmtpUrl', () => {
  it('reads host, port, TLS mode and URL-decoded credentials', () => {
    expect(parseSmtpUrl('smtp://user:pa%40ss@mail.example.com:587')).toEqual({
      host: 'mail.example.com',
      port: 587,
      secure: false,
      requireTLS: false,
      ignoreTLS: false,
      auth: { user: 'user', pass: 'pa@ss' },
    });
    expect(parseSmtpUrl('smtps://u%3Ax:p@mail.example.com')).toMatchObject({
      port: 465,
      secure: true,
      auth: { user: 'u:x', pass: 'p' },
    });
  });

  it('defaults to port 587 for smtp:// and has no auth without userinfo', () => {
    const settings = parseSmtpUrl('smtp://mail.example.com');
    expect(settings.port).toBe(587);
    expect(settings).not.toHaveProperty('auth');
  });

  it('reads requireTLS and ignoreTLS', () => {
    expect(parseSmtpUrl('smtp://h.example:25?requireTLS=true')).toMatchObject({ requireTLS: true, ignoreTLS: false });
    expect(parseSmtpUrl('smtp://h.example:25?ignoreTLS=true')).toMatchObject({ requireTLS: false, ignoreTLS: true });
    expect(parseSmtpUrl('smtp://h.example:25?ignoreTLS=false')).toMatchObject({ ignoreTLS: false });
  });

  it('accepts an IPv6 host', () => {
    expect(parseSmtpUrl('smtp://[::1]:2525').host).toBe('::1');
  });

  it.each([
    ['not a url', /not a valid URL/],
    ['http://mail.example.com', /smtp:\/\/ or smtps:\/\//],
    ['smtp://mail.example.com/path', /path/],
    ['smtp://mail.example.com?pool=true', /unknown parameter "pool"/],
    ['smtp://mail.example.com?requireTLS=yes', /true or false/],
    ['smtp://mail.example.com?requireTLS=true&requireTLS=false', /true or false/],
    ['smtp://mail.example.com?requireTLS=true&ignoreTLS=true', /both/],
    ['smtps://mail.example.com?ignoreTLS=true', /smtp:\/\/ only/],
    ['smtp://user@mail.example.com', /both a user name and a password/],
    ['smtp://user:p%ZZ@mail.example.com', /percent-encoded/],
  ])('refuses %j', (url, problem) => {
    expect(() => parseSmtpUrl(url)).toThrow(problem);
  });

  it('never repeats the password in its errors', () => {
    for (const url of [
      'smtp://user:s3cret@mail.example.com?x=1',
      'smtp://user:s3cret@bad host',
      'ftp://user:s3cret@h',
    ]) {
      let caught: unknown;
      try {
        parseSmtpUrl(url);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(Error);
      expect(String((caught as Error).message)).not.toContain('s3cret');
      expect((caught as Error).cause).toBeUndefined();
    }
  });
});
