/**
 * The browser half of the WebAuthn ceremonies, through @simplewebauthn/browser, with the
 * caller's AbortSignal wired in and WebAuthn failures turned into AuthError codes.
 *
 * SimpleWebAuthn keeps one ceremony at a time: starting one aborts the one before (this is how
 * a modal passkey prompt replaces the autofill one). An aborted ceremony never reaches the server.
 */
import {
  WebAuthnAbortService,
  browserSupportsWebAuthn,
  browserSupportsWebAuthnAutofill,
  startAuthentication,
  startRegistration,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/browser';
import { AuthError } from './auth-error.js';

export { browserSupportsWebAuthn, browserSupportsWebAuthnAutofill };

export async function runAuthentication({
  optionsJSON,
  conditional,
  signal,
}: {
  optionsJSON: PublicKeyCredentialRequestOptionsJSON;
  conditional: boolean;
  signal: AbortSignal | undefined;
}): Promise<AuthenticationResponseJSON> {
  return withCeremony(signal, () => startAuthentication({ optionsJSON, useBrowserAutofill: conditional }));
}

export async function runRegistration({
  optionsJSON,
  signal,
  conditional = false,
}: {
  optionsJSON: PublicKeyCredentialCreationOptionsJSON;
  signal: AbortSignal | undefined;
  /** The automatic upgrade: `mediation: "conditional"` on create (no prompt; the manager may refuse). */
  conditional?: boolean;
}): Promise<RegistrationResponseJSON> {
  return withCeremony(signal, () => startRegistration({ optionsJSON, useAutoRegister: conditional }));
}

export function abortedError(): AuthError {
  return new AuthError({ status: 0, code: 'ABORTED', message: 'The request was aborted' });
}

async function withCeremony<T>(signal: AbortSignal | undefined, ceremony: () => Promise<T>): Promise<T> {
  if (!browserSupportsWebAuthn()) {
    throw new AuthError({ status: 0, code: 'PASSKEY_UNSUPPORTED', message: 'This browser does not support passkeys' });
  }
  if (signal?.aborted) throw abortedError();
  const cancel = () => WebAuthnAbortService.cancelCeremony();
  signal?.addEventListener('abort', cancel, { once: true });
  try {
    const result = await ceremony();
    // An abort that raced the ceremony's start must still keep its result away from the server.
    if (signal?.aborted) throw abortedError();
    return result;
  } catch (error) {
    throw ceremonyError(error, signal);
  } finally {
    signal?.removeEventListener('abort', cancel);
  }
}

function ceremonyError(error: unknown, signal: AbortSignal | undefined): AuthError {
  if (error instanceof AuthError) return error;
  if (signal?.aborted) return abortedError();
  const { code, name, cause } = error as { code?: string; name?: string; cause?: { name?: string } };
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ERROR_CEREMONY_ABORTED' || name === 'AbortError') {
    return new AuthError({ status: 0, code: 'ABORTED', message, cause: error });
  }
  if (name === 'NotAllowedError' || cause?.name === 'NotAllowedError') {
    return new AuthError({ status: 0, code: 'PASSKEY_CANCELLED', message, cause: error });
  }
  if (code === 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED') {
    return new AuthError({ status: 0, code: 'PASSKEY_ALREADY_REGISTERED', message, cause: error });
  }
  return new AuthError({ status: 0, code: 'PASSKEY_FAILED', message, cause: error });
}
