/**
 * The server's own page for an emailed link (used when no front end is built) and its script.
 * Plain HTML in the request's language, no inline script or style (the CSP allows neither): the
 * external script POSTs the token as JSON and then goes to the kept returnTo or `/`. Links carry
 * the token in the fragment, which never reaches the server: then the page is a confirm form whose
 * script takes the token from the fragment (or says the link is incomplete). Links mailed before
 * that change carry `?token=`, read as before. The script's status sentences come from the page
 * (data- attributes), so they are translated with it.
 */
import type { Locale } from '../i18n/locales.js';
import { createTranslator } from '../i18n/translator.js';
import type { Branding } from '../lib/branding.js';
import { escapeHtml } from '../lib/escape-html.js';

export interface LinkPageInput {
  token: string;
  info: { email: string; expiresAt: number; purpose: string } | null;
  locale: Locale;
  branding: Branding;
}

export function renderLinkPage({ token, info, locale, branding }: LinkPageInput): string {
  const tr = createTranslator({ locale, productName: branding.productName });
  const status = [
    ['confirming', tr.html('linkPage.status.confirming')],
    ['expired', tr.html('linkPage.status.expired')],
    ['too-many', tr.html('linkPage.status.tooMany')],
    ['failed', tr.html('linkPage.status.failed')],
    ['offline', tr.html('linkPage.status.offline')],
  ]
    .map(([name, text]) => ` data-${name}="${text}"`)
    .join('');
  const statusLine = `<p id="status" role="status" aria-live="polite"${status}></p>`;
  const tokenInput = `<input type="hidden" name="token" value="${escapeHtml(token)}">`;
  let main: string;
  if (!token) {
    main = `<div id="from-fragment">
<h1>${tr.html('linkPage.finish.heading')}</h1>
<p>${tr.html('linkPage.finish.fromFragment')}</p>
<form id="confirm" method="get" action="/auth/email/verify">
${tokenInput}
<button type="submit">${tr.html('linkPage.confirm')}</button>
</form>
${statusLine}
<noscript><p>${tr.html('linkPage.noscript.fromFragment')}</p></noscript>
</div>
<div id="incomplete" hidden>
<h1>${tr.html('linkPage.incomplete.heading')}</h1>
<p>${tr.html('linkPage.incomplete.body')}</p>
</div>`;
  } else if (!info) {
    main = `<h1>${tr.html('linkPage.expired.heading')}</h1>
<p>${tr.html('linkPage.expired.body')}</p>`;
  } else if (info.purpose === 'change') {
    main = `<h1>${tr.html('linkPage.change.heading')}</h1>
<p>${tr.html('linkPage.change.question', { email: info.email })}</p>
<form id="confirm" method="get" action="/auth/email/verify" data-change>
${tokenInput}
<button type="submit">${tr.html('linkPage.change.confirm')}</button>
</form>
${statusLine}
<noscript><p>${tr.html('linkPage.change.noscript')}</p></noscript>`;
  } else {
    main = `<h1>${tr.html('linkPage.finish.heading')}</h1>
<p>${tr.html('linkPage.signIn.question', { email: info.email })}</p>
<form id="confirm" method="get" action="/auth/email/verify">
${tokenInput}
<button type="submit">${tr.html('linkPage.signIn.confirm')}</button>
</form>
${statusLine}
<noscript><p>${tr.html('linkPage.signIn.noscript')}</p></noscript>
<p>${tr.html('linkPage.signIn.notYou')}</p>`;
  }
  return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${tr.html('linkPage.title')}</title>
<link rel="stylesheet" href="/branding.css">
<script src="/auth/email/confirm.js" defer></script>
</head>
<body>
<main>
${main}
</main>
</body>
</html>
`;
}

/** Runs under `script-src 'self'`: served from this origin, no eval, no inline handlers. */
export const CONFIRM_SCRIPT = `'use strict';
(function () {
  var form = document.getElementById('confirm');
  var status = document.getElementById('status');
  if (!form || !status) return;
  var say = function (name) { status.textContent = status.getAttribute('data-' + name) || ''; };
  var input = form.elements.namedItem('token');
  if (!input.value) {
    // The link carries the token in the fragment (never sent to a server); take it, then drop it from the address bar.
    var match = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(location.hash);
    if (match) {
      input.value = match[1];
      history.replaceState(null, '', location.pathname);
      // A link that proves a new address is confirmed on its own route: ask what this one is for.
      fetch('/auth/email/link-info?token=' + encodeURIComponent(match[1]), { credentials: 'same-origin' })
        .then(function (res) { return res.ok ? res.json() : null; })
        .then(function (info) { if (info && info.purpose === 'change') form.setAttribute('data-change', ''); }, function () {});
    } else {
      document.getElementById('from-fragment').hidden = true;
      document.getElementById('incomplete').hidden = false;
      return;
    }
  }
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var button = form.querySelector('button');
    var token = input.value;
    button.disabled = true;
    say('confirming');
    var request = {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token: token })
    };
    // A link that proves a new address for an account (data-change) is confirmed on its own route.
    (form.hasAttribute('data-change') ? fetch('/auth/email/change/verify', request) : fetch('/auth/email/verify', request)).then(function (res) {
      // Replace: going Back must not land on a link that is now used up. The server checked
      // returnTo against PUBLIC_URL and APP_ORIGINS before it kept it with the link.
      if (res.ok) return res.json().then(function (body) {
        location.replace(body && typeof body.returnTo === 'string' ? body.returnTo : '/');
      }, function () {
        location.replace('/');
      });
      say(res.status === 401 ? 'expired' : res.status === 429 ? 'too-many' : 'failed');
      button.disabled = false;
    }, function () {
      say('offline');
      button.disabled = false;
    });
  });
})();
`;
