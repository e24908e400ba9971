/**
 * An HTTPS front for a server listening on plain HTTP on 127.0.0.1, as a TLS-terminating proxy
 * in production would be. Chromium's DBSC (from 151 on; seen on Debian's 155 and 156) registers
 * sessions only on a certificate the browser trusts, not on http://localhost any more: the
 * certificate made here (self-signed, `localhost`, by the openssl CLI) is trusted by launching
 * Chromium with `--ignore-certificate-errors-spki-list=<spki>`, which treats it as valid
 * (unlike `ignoreHTTPSErrors`, which leaves a certificate error that DBSC refuses).
 */
import { execFileSync } from 'node:child_process';
import { createHash, createPublicKey } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.js';

export interface TlsFront {
  /** https://localhost:<port> */
  origin: string;
  port: number;
  /** base64 SHA-256 of the certificate's SubjectPublicKeyInfo, for --ignore-certificate-errors-spki-list. */
  spki: string;
  close(): Promise<void>;
}

/** A self-signed P-256 certificate for localhost, made fresh for each front. */
function makeCertificate(): { key: string; cert: string; spki: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sesame-tls-'));
  try {
    const [keyFile, certFile] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        keyFile,
        '-out',
        certFile,
        '-days',
        '2',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost',
      ],
      { stdio: 'ignore' },
    );
    const [key, cert] = [fs.readFileSync(keyFile, 'utf8'), fs.readFileSync(certFile, 'utf8')];
    const der = createPublicKey(cert).export({ type: 'spki', format: 'der' });
    return { key, cert, spki: createHash('sha256').update(der).digest('base64') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Forwards every request (method, path, headers, body) to 127.0.0.1:`targetPort` and streams the answer back. */
export async function startTlsFront(targetPort: number, port?: number): Promise<TlsFront> {
  const { key, cert, spki } = makeCertificate();
  const listenPort = port ?? (await freePort());
  const server = https.createServer({ key, cert }, (req, res) => {
    const upstream = http.request(
      { host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, '127.0.0.1', () => resolve());
  });
  return {
    origin: `https://localhost:${listenPort}`,
    port: listenPort,
    spki,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
