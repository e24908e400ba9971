/**
 * The example's page. Everything about the session comes from @sesame/client:
 * - `auth.restore()` on load: one POST to Sesame's /auth/refresh (the refresh cookie is Sesame's,
 *   HttpOnly; this origin never sees it), so coming back from Sesame's pages finds the person signed in;
 * - `auth.fetch(url)`: calls this app's API with `Authorization: Bearer`, renewing the short-lived
 *   token first when needed (silent refresh);
 * - `auth.passkeySignIn()` / `auth.addPasskey()`: the WebAuthn ceremony on this origin (listed in
 *   Sesame's APP_ORIGINS, so Sesame accepts it for its RP_ID);
 * - `auth.logout()`: ends the Sesame session, here and on Sesame's pages.
 */
import { browserSupportsWebAuthn, createAuthClient, isAuthError } from '@sesame/client';

const sesameUrl = document.querySelector('meta[name="sesame-url"]').content;
const $ = (id) => document.getElementById(id);

const auth = createAuthClient({ baseUrl: sesameUrl, onSessionChange: (user) => void render(user) });

/** This app's own API: an absolute URL, so the token goes here (relative paths mean Sesame). */
const api = (path, init) => auth.fetch(new URL(path, location.origin), init);

function say(text) {
  $('status').textContent = text;
}

// Way 1: Sesame's page, coming back to exactly this URL after the sign-in.
$('sign-in').href = `${sesameUrl}/?${new URLSearchParams({ returnTo: location.href })}`;

$('passkey-sign-in').addEventListener('click', async () => {
  say('Follow your browser’s prompt to use your passkey.');
  try {
    await auth.passkeySignIn();
    say('');
  } catch (error) {
    say(isAuthError(error, 'PASSKEY_CANCELLED') ? 'No passkey was used.' : `Sign-in failed: ${error.message}`);
  }
});

$('add-passkey').addEventListener('click', async () => {
  say('Follow your browser’s prompt to create a passkey.');
  try {
    const passkey = await auth.addPasskey('Notes example');
    say(`Passkey “${passkey.name}” added: next time, use “Sign in with a passkey”.`);
  } catch (error) {
    say(
      isAuthError(error, 'REAUTH_REQUIRED')
        ? 'Sign in again to add a passkey.'
        : `No passkey was added: ${error.message}`,
    );
  }
});

$('sign-out').addEventListener('click', async () => {
  await auth.logout();
  say('Signed out.');
});

$('new-note').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = $('note-text');
  const response = await api('/api/notes', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ text: input.value }),
  });
  if (response.ok) {
    input.value = '';
    await loadNotes();
  } else say(`Could not add the note (${response.status}).`);
});

async function loadNotes() {
  const response = await api('/api/notes');
  if (!response.ok) return say(`Could not load notes (${response.status}).`);
  const { notes } = await response.json();
  const list = $('notes');
  list.replaceChildren(
    ...notes.map((note) => {
      const item = document.createElement('li');
      item.textContent = note.text;
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.textContent = 'Delete';
      remove.setAttribute('aria-label', `Delete “${note.text}”`);
      remove.addEventListener('click', async () => {
        await api(`/api/notes/${encodeURIComponent(note.id)}`, { method: 'DELETE' });
        await loadNotes();
      });
      item.append(remove);
      return item;
    }),
  );
}

async function render(user) {
  $('signed-out').hidden = user !== null;
  $('signed-in').hidden = user === null;
  if (!user) return;
  $('who').textContent = user.email;
  $('add-passkey').hidden = !browserSupportsWebAuthn();
  // What this app's API says about the token: verified by @sesame/client/server.
  const me = await api('/api/me');
  $('verified-by').textContent = me.ok ? `(verified by this app’s API: ${(await me.json()).userId})` : '';
  await loadNotes();
}

// The first answer (signed in or not) arrives through onSessionChange, which calls render.
auth.restore().catch(() => {
  say('Could not reach the sign-in service.');
  void render(null);
});
