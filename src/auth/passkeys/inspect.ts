/**
 * The checks of a WebAuthn response that need no secret and cost nothing (shape, encodings, ceremony
 * type, crossOrigin, origin, key size): run before the challenge is consumed, so a refusal changes
 * nothing. Policy in passkeys.ts.
 */
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import {
  cose,
  decodeAttestationObject,
  decodeCredentialPublicKey,
  parseAuthenticatorData,
} from '@simplewebauthn/server/helpers';
import type { Config } from '../../lib/config.js';
import { bytesToBase64Url } from '../../lib/encoding.js';
import { readClientData, type ClientData } from './webauthn-challenges.js';
import {
  MAX_CREDENTIAL_ID_BYTES,
  RSA_MIN_BITS,
  RSA_MAX_BITS,
  webauthnOrigins,
  refused,
  malformed,
  canonicalBytes,
} from './passkeys.js';

/** Bits of an RSA modulus (big-endian bytes), leading zero bits not counted. */
function modulusBits(n: Uint8Array): number {
  let i = 0;
  while (i < n.length && n[i] === 0) i++;
  if (i === n.length) return 0;
  return (n.length - i) * 8 - Math.clz32(n[i]!) + 24;
}

/** RSA keys outside RSA_MIN_BITS..RSA_MAX_BITS are refused (other key types are checked by the library). */
export function checkKeySize(credentialPublicKey: Uint8Array): void {
  let key: ReturnType<typeof decodeCredentialPublicKey>;
  try {
    key = decodeCredentialPublicKey(credentialPublicKey as Uint8Array<ArrayBuffer>);
  } catch {
    throw malformed('response.response.attestationObject: the public key is not valid COSE');
  }
  if (!((key as unknown) instanceof Map))
    throw malformed('response.response.attestationObject: the public key is not a COSE key');
  if (!cose.isCOSEPublicKeyRSA(key)) return;
  const n = key.get(cose.COSEKEYS.n);
  const bits = n ? modulusBits(n) : 0;
  // A short modulus can be factored; a huge one makes every verification slow (a cheap DoS).
  if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS)
    throw malformed(`response: RSA key of ${bits} bits; ${RSA_MIN_BITS} to ${RSA_MAX_BITS} bits are accepted`);
}

/** Refusals that need no secret: run before the challenge is consumed, so they change nothing. */
export function inspectRegistration(
  response: RegistrationResponseJSON,
  config: Pick<Config, 'publicUrl' | 'appOrigins'>,
): ClientData {
  const clientData = readClientData(response.response.clientDataJSON);
  if (response.id !== response.rawId) throw malformed('response: id and rawId differ');
  const attestation = canonicalBytes(response.response.attestationObject);
  if (!attestation) throw malformed('response.response.attestationObject: not base64url');
  let decoded: Map<string, unknown>;
  try {
    decoded = decodeAttestationObject(attestation) as unknown as Map<string, unknown>;
  } catch {
    throw malformed('response.response.attestationObject: not valid CBOR');
  }
  const authData = decoded instanceof Map ? decoded.get('authData') : undefined;
  if (
    !(authData instanceof Uint8Array) ||
    typeof decoded.get('fmt') !== 'string' ||
    !(decoded.get('attStmt') instanceof Map)
  )
    throw malformed('response.response.attestationObject: not an attestation object (fmt, attStmt, authData)');
  let parsed: ReturnType<typeof parseAuthenticatorData>;
  try {
    parsed = parseAuthenticatorData(authData as Uint8Array<ArrayBuffer>);
  } catch {
    throw malformed('response.response.attestationObject: malformed authenticator data');
  }
  if (!parsed.credentialID || !parsed.credentialPublicKey || !parsed.aaguid)
    throw malformed('response.response.attestationObject: no attested credential data');
  // WebAuthn L3 §7.1: a credential id longer than 1023 bytes is refused.
  if (parsed.credentialID.length > MAX_CREDENTIAL_ID_BYTES)
    throw malformed(`response: credential id longer than ${MAX_CREDENTIAL_ID_BYTES} bytes`);
  // We key the passkey on response.id: it must name the credential the authenticator attested.
  if (bytesToBase64Url(parsed.credentialID) !== response.id)
    throw malformed('response: id does not match the attested credential');
  checkKeySize(parsed.credentialPublicKey);
  if (response.clientExtensionResults?.credProps?.rk === false)
    throw malformed(
      'response: the authenticator made a non-discoverable credential; sign-in needs a passkey it can offer by itself',
    );
  if (clientData.type !== 'webauthn.create') throw refused('This is not a registration response');
  // Credentials created inside a cross-origin iframe are not ours to accept.
  if (clientData.crossOrigin === true || clientData.topOrigin !== undefined)
    throw refused('Cross-origin registration is not allowed');
  // Made on a page that is neither PUBLIC_URL nor an APP_ORIGINS app: refused before its challenge is used up.
  if (!webauthnOrigins(config).includes(clientData.origin))
    throw refused('This passkey was made on an origin this service does not serve');
  return clientData;
}

export function inspectAssertion(
  response: AuthenticationResponseJSON,
  config: Pick<Config, 'publicUrl' | 'appOrigins'>,
): { clientData: ClientData; userHandle: Uint8Array | null } {
  const clientData = readClientData(response.response.clientDataJSON);
  if (response.id !== response.rawId) throw malformed('response: id and rawId differ');
  const id = canonicalBytes(response.id);
  if (!id || id.length === 0) throw malformed('response.id: not base64url');
  if (id.length > MAX_CREDENTIAL_ID_BYTES) throw malformed(`response.id: longer than ${MAX_CREDENTIAL_ID_BYTES} bytes`);
  const authData = canonicalBytes(response.response.authenticatorData);
  if (!authData) throw malformed('response.response.authenticatorData: not base64url');
  try {
    parseAuthenticatorData(authData);
  } catch {
    throw malformed('response.response.authenticatorData: malformed');
  }
  const signature = canonicalBytes(response.response.signature);
  if (!signature || signature.length === 0) throw malformed('response.response.signature: not base64url');
  let userHandle: Uint8Array | null = null;
  if (response.response.userHandle) {
    userHandle = canonicalBytes(response.response.userHandle);
    if (!userHandle) throw malformed('response.response.userHandle: not base64url');
  }
  if (clientData.type !== 'webauthn.get') throw refused('This is not a sign-in response');
  // An assertion made inside a cross-origin iframe could be a framing attack on this origin.
  if (clientData.crossOrigin === true || clientData.topOrigin !== undefined)
    throw refused('Cross-origin sign-in is not allowed');
  // Made on a page that is neither PUBLIC_URL nor an APP_ORIGINS app: refused before its challenge is used up.
  if (!webauthnOrigins(config).includes(clientData.origin))
    throw refused('This assertion was made on an origin this service does not serve');
  return { clientData, userHandle };
}
