/**
 * Software WebAuthn authenticator (plus the browser's client-data part) for tests.
 *
 * Produces RegistrationResponseJSON / AuthenticationResponseJSON exactly as
 * `@simplewebauthn/browser` would send them, using only node:crypto:
 * - attestation format "none" (attStmt = {}),
 * - ES256 (P-256, DER signatures), EdDSA (Ed25519) or RS256 (RSASSA-PKCS1-v1_5, any modulus size) credential keys,
 * - signature over authData || SHA-256(clientDataJSON),
 * - signCount 0 at registration, +1 on every assertion.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { decodeCbor, decodeCborFirst, encodeCbor, type CborValue } from './cbor.js';

export type SoftAlgorithm = 'ES256' | 'EdDSA' | 'RS256';

export const COSE_ALG: Record<SoftAlgorithm, number> = { ES256: -7, EdDSA: -8, RS256: -257 };

export const FLAGS = { UP: 0x01, UV: 0x04, BE: 0x08, BS: 0x10, AT: 0x40, ED: 0x80 } as const;

export interface SoftAuthenticatorOptions {
  /** 16 bytes; defaults to all zeros (what "none" attestation usually reports). */
  aaguid?: Uint8Array;
  /** BE flag. Default false. */
  backupEligible?: boolean;
  /** BS flag. Default false. (BS without BE is invalid; allowed here for negative tests.) */
  backedUp?: boolean;
  /** UV flag. Default true. */
  userVerification?: boolean;
  /** UP flag. Default true. */
  userPresence?: boolean;
  /** Algorithm of newly created credentials. Default 'ES256'. */
  algorithm?: SoftAlgorithm;
  /** RS256 only: the modulus length in bits. Default 2048. */
  rsaModulusBits?: number;
}

export interface SoftCredential {
  /** base64url credential id */
  id: string;
  rpId: string;
  /** base64url user handle, exactly as given in options.user.id */
  userHandle: string;
  userName: string;
  /** Last signCount sent (0 after registration). */
  counter: number;
  algorithm: SoftAlgorithm;
  /** COSE_Key bytes as embedded in authData (what a server stores as `publicKey`). */
  publicKey: Uint8Array;
  /** SPKI DER public key (what browsers return from getPublicKey()). */
  publicKeySpki: Uint8Array;
  privateKey: KeyObject;
}

export interface CreateCredentialOpts {
  options: PublicKeyCredentialCreationOptionsJSON;
  origin: string;
  /** Defaults to options.rp.id, then the origin's hostname. */
  rpId?: string;
  crossOrigin?: boolean;
  /** Defaults to 32 random bytes. An existing credential with the same id is replaced. */
  credentialId?: Uint8Array;
  /** clientData type, default 'webauthn.create'. */
  type?: string;
}

export interface GetAssertionOpts {
  options: PublicKeyCredentialRequestOptionsJSON;
  origin: string;
  /** Defaults to options.rpId, then the origin's hostname. */
  rpId?: string;
  /** base64url id of the credential to use; bypasses allowCredentials/rpId matching. */
  credentialId?: string;
  crossOrigin?: boolean;
  /** clientData type, default 'webauthn.get'. */
  type?: string;
  /** signCount to put in authData instead of the (still incremented) stored counter. */
  counterOverride?: number;
  /** string: send this base64url userHandle; null: omit userHandle. */
  userHandleOverride?: string | null;
}

export const b64url = {
  encode: (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url'),
  decode: (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64url')),
};

const sha256 = (data: Uint8Array): Buffer => createHash('sha256').update(data).digest();

function clientDataJSON(type: string, challenge: string, origin: string, crossOrigin: boolean): Buffer {
  return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin }), 'utf8');
}

function u32be(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

export class SoftAuthenticator {
  readonly credentials: SoftCredential[] = [];
  readonly aaguid: Uint8Array;
  readonly algorithm: SoftAlgorithm;
  readonly rsaModulusBits: number;
  backupEligible: boolean;
  backedUp: boolean;
  userVerification: boolean;
  userPresence: boolean;

  constructor(opts: SoftAuthenticatorOptions = {}) {
    const aaguid = opts.aaguid ?? new Uint8Array(16);
    if (aaguid.length !== 16) throw new RangeError('aaguid must be 16 bytes');
    this.aaguid = Uint8Array.from(aaguid);
    this.algorithm = opts.algorithm ?? 'ES256';
    this.rsaModulusBits = opts.rsaModulusBits ?? 2048;
    this.backupEligible = opts.backupEligible ?? false;
    this.backedUp = opts.backedUp ?? false;
    this.userVerification = opts.userVerification ?? true;
    this.userPresence = opts.userPresence ?? true;
  }

  private flags(extra = 0): number {
    return (
      (this.userPresence ? FLAGS.UP : 0) |
      (this.userVerification ? FLAGS.UV : 0) |
      (this.backupEligible ? FLAGS.BE : 0) |
      (this.backedUp ? FLAGS.BS : 0) |
      extra
    );
  }

  createCredential(opts: CreateCredentialOpts): RegistrationResponseJSON {
    const { options, origin } = opts;
    const rpId = opts.rpId ?? options.rp.id ?? new URL(origin).hostname;
    const alg = this.algorithm;
    const params = options.pubKeyCredParams ?? [];
    if (params.length > 0 && !params.some((p) => p.alg === COSE_ALG[alg])) {
      throw Object.assign(new Error(`NotSupportedError: ${alg} not in pubKeyCredParams`), {
        name: 'NotSupportedError',
      });
    }

    const { publicKey, privateKey } =
      alg === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : alg === 'RS256'
          ? generateKeyPairSync('rsa', { modulusLength: this.rsaModulusBits })
          : generateKeyPairSync('ed25519');
    const jwk = publicKey.export({ format: 'jwk' });
    const coseKey =
      alg === 'ES256'
        ? new Map<number, CborValue>([
            [1, 2], // kty: EC2
            [3, -7], // alg: ES256
            [-1, 1], // crv: P-256
            [-2, b64url.decode(jwk.x!)],
            [-3, b64url.decode(jwk.y!)],
          ])
        : alg === 'RS256'
          ? new Map<number, CborValue>([
              [1, 3], // kty: RSA
              [3, -257], // alg: RS256
              [-1, b64url.decode(jwk.n!)],
              [-2, b64url.decode(jwk.e!)],
            ])
          : new Map<number, CborValue>([
              [1, 1], // kty: OKP
              [3, -8], // alg: EdDSA
              [-1, 6], // crv: Ed25519
              [-2, b64url.decode(jwk.x!)],
            ]);
    const cosePublicKey = encodeCbor(coseKey);
    const credId = opts.credentialId ? Uint8Array.from(opts.credentialId) : new Uint8Array(randomBytes(32));
    const credIdLen = Buffer.alloc(2);
    credIdLen.writeUInt16BE(credId.length);

    const authData = Buffer.concat([
      sha256(Buffer.from(rpId, 'utf8')),
      Buffer.from([this.flags(FLAGS.AT)]),
      u32be(0),
      this.aaguid,
      credIdLen,
      credId,
      cosePublicKey,
    ]);
    const attestationObject = encodeCbor(
      new Map<string, CborValue>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', new Uint8Array(authData)],
      ]),
    );
    const cdj = clientDataJSON(opts.type ?? 'webauthn.create', options.challenge, origin, opts.crossOrigin ?? false);

    const id = b64url.encode(credId);
    const spki = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }));
    const existing = this.credentials.findIndex((c) => c.id === id);
    if (existing >= 0) this.credentials.splice(existing, 1);
    this.credentials.push({
      id,
      rpId,
      userHandle: options.user.id,
      userName: options.user.name,
      counter: 0,
      algorithm: alg,
      publicKey: cosePublicKey,
      publicKeySpki: spki,
      privateKey,
    });

    return {
      id,
      rawId: id,
      type: 'public-key',
      response: {
        clientDataJSON: b64url.encode(cdj),
        attestationObject: b64url.encode(attestationObject),
        transports: ['internal'],
        publicKeyAlgorithm: COSE_ALG[alg],
        publicKey: b64url.encode(spki),
        authenticatorData: b64url.encode(authData),
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  getAssertion(opts: GetAssertionOpts): AuthenticationResponseJSON {
    const { options, origin } = opts;
    const rpId = opts.rpId ?? options.rpId ?? new URL(origin).hostname;
    const cred = this.pickCredential(rpId, options, opts.credentialId);

    cred.counter += 1;
    const signCount = opts.counterOverride ?? cred.counter;
    const authData = Buffer.concat([sha256(Buffer.from(rpId, 'utf8')), Buffer.from([this.flags()]), u32be(signCount)]);
    const cdj = clientDataJSON(opts.type ?? 'webauthn.get', options.challenge, origin, opts.crossOrigin ?? false);
    const signed = Buffer.concat([authData, sha256(cdj)]);
    // ES256: ECDSA/SHA-256, DER-encoded (node's default); RS256: PKCS#1 v1.5/SHA-256. EdDSA: Ed25519 takes no digest.
    const signature =
      cred.algorithm === 'EdDSA' ? sign(null, signed, cred.privateKey) : sign('sha256', signed, cred.privateKey);

    const userHandle = opts.userHandleOverride === undefined ? cred.userHandle : opts.userHandleOverride;
    return {
      id: cred.id,
      rawId: cred.id,
      type: 'public-key',
      response: {
        clientDataJSON: b64url.encode(cdj),
        authenticatorData: b64url.encode(authData),
        signature: b64url.encode(signature),
        ...(userHandle === null ? {} : { userHandle }),
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /**
   * credentialId given: that credential (any rpId). Otherwise, with allowCredentials: the first
   * held credential for rpId in that list. Otherwise (discoverable): the newest credential for rpId.
   */
  private pickCredential(
    rpId: string,
    options: PublicKeyCredentialRequestOptionsJSON,
    credentialId: string | undefined,
  ): SoftCredential {
    const notAllowed = (msg: string): Error =>
      Object.assign(new Error(`NotAllowedError: ${msg}`), { name: 'NotAllowedError' });
    if (credentialId !== undefined) {
      const c = this.credentials.find((x) => x.id === credentialId);
      if (!c) throw notAllowed(`no credential ${credentialId}`);
      return c;
    }
    const forRp = this.credentials.filter((c) => c.rpId === rpId);
    const allow = options.allowCredentials ?? [];
    if (allow.length > 0) {
      const c = forRp.find((x) => allow.some((a) => a.id === x.id));
      if (!c) throw notAllowed(`no allowed credential for ${rpId}`);
      return c;
    }
    const c = forRp[forRp.length - 1];
    if (!c) throw notAllowed(`no credential for ${rpId}`);
    return c;
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers for negative tests / inspection.

/** Flip one bit of a base64url value (default: lowest bit of the last byte). */
export function flipBitB64url(value: string, byteIndex = -1, bit = 0): string {
  const bytes = b64url.decode(value);
  const i = byteIndex < 0 ? bytes.length + byteIndex : byteIndex;
  if (i < 0 || i >= bytes.length) throw new RangeError('byteIndex out of range');
  bytes[i] = bytes[i]! ^ (1 << bit);
  return b64url.encode(bytes);
}

/**
 * Copy of an assertion with one signature bit flipped. The default (lowest bit of the last byte)
 * keeps an ES256 DER signature well-formed, so it fails cryptographically, not at parsing.
 */
export function flipSignatureBit(
  resp: AuthenticationResponseJSON,
  byteIndex = -1,
  bit = 0,
): AuthenticationResponseJSON {
  return { ...resp, response: { ...resp.response, signature: flipBitB64url(resp.response.signature, byteIndex, bit) } };
}

export interface ParsedAuthData {
  rpIdHash: Uint8Array;
  flags: number;
  signCount: number;
  aaguid?: Uint8Array;
  credentialId?: Uint8Array;
  credentialPublicKey?: CborValue;
}

/** Parse authenticator data (raw bytes or base64url). */
export function parseAuthData(data: Uint8Array | string): ParsedAuthData {
  const bytes = typeof data === 'string' ? b64url.decode(data) : data;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const copy = (start: number, end: number): Uint8Array => new Uint8Array(bytes.subarray(start, end));
  const out: ParsedAuthData = {
    rpIdHash: copy(0, 32),
    flags: bytes[32]!,
    signCount: view.getUint32(33),
  };
  if (out.flags & FLAGS.AT) {
    out.aaguid = copy(37, 53);
    const len = view.getUint16(53);
    out.credentialId = copy(55, 55 + len);
    out.credentialPublicKey = decodeCborFirst(bytes, 55 + len).value;
  }
  return out;
}

/** Decode a (base64url) attestationObject into { fmt, attStmt, authData }. */
export function decodeAttestationObject(attestationObject: string): {
  fmt: string;
  attStmt: CborValue;
  authData: Uint8Array;
} {
  const m = decodeCbor(b64url.decode(attestationObject));
  if (!(m instanceof Map)) throw new Error('attestationObject is not a CBOR map');
  return { fmt: m.get('fmt') as string, attStmt: m.get('attStmt'), authData: m.get('authData') as Uint8Array };
}
