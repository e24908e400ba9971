import { describe, expect, it } from 'vitest';
import { DEFAULT_BRANDING, parseBranding } from '../lib/branding.js';
import { brandAppShell, brandingCss, brandMark } from './app-shell.js';

/** The shape of web/dist/index.html as Vite writes it. */
const SHELL = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="description" content="Sign in with a passkey or an emailed link." />
    <title>Sign in</title>
    <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
    <script type="module" crossorigin src="/assets/index-abc.js"></script>
  </head>
  <body>
    <div id="app"></div>
    <noscript>
      <main class="noscript">
        <h1>This page needs JavaScript</h1>
        <p>Passkeys and sign-in links work through your browser.</p>
      </main>
    </noscript>
  </body>
</html>
`;

const acme = parseBranding(
  { PRODUCT_NAME: 'Acme & <Co>', BRAND_COLOR: '#0f766e', LOGO_URL: 'https://cdn.example.net/logo.png' },
  { publicUrl: 'https://id.example.com', production: true },
);

describe('the app shell', () => {
  it('is in the request’s language, named after PRODUCT_NAME (escaped), with the branding stylesheet', () => {
    const html = brandAppShell(SHELL, { branding: acme, locale: 'de' });
    expect(html).toContain('<html lang="de">');
    expect(html).toContain('<title>Acme &amp; &lt;Co&gt;</title>');
    expect(html).toContain(
      '<meta name="description" content="Melden Sie sich mit einem Passkey oder einem Link per E-Mail bei Acme &amp; &lt;Co&gt; an."',
    );
    expect(html).toContain('<h1>Acme &amp; &lt;Co&gt; braucht JavaScript</h1>');
    expect(html).toContain('<meta name="application-name" content="Acme &amp; &lt;Co&gt;">');
    expect(html).toContain('<meta name="brand-logo" content="https://cdn.example.net/logo.png">');
    expect(html).toContain('<link rel="icon" href="https://cdn.example.net/logo.png">');
    expect(html).toContain('<link rel="stylesheet" href="/branding.css">\n  </head>');
    expect(html).toContain('<script type="module" crossorigin src="/assets/index-abc.js"></script>');
    expect(html).not.toContain('<Co>');
  });

  it('keeps the built-in icon and has no logo tag without LOGO_URL', () => {
    const html = brandAppShell(SHELL, { branding: DEFAULT_BRANDING, locale: 'en' });
    expect(html).toContain('<title>Sesame</title>');
    expect(html).toContain('<link rel="icon" href="/favicon.svg"');
    expect(html).not.toContain('brand-logo');
    expect(html).toContain('<h1>Sesame needs JavaScript</h1>');
  });
});

describe('branding files', () => {
  it('gives the colour, its text colour and readable ink as CSS variables', () => {
    // A dark colour reads on white as it is; on the dark background it is lightened.
    expect(brandingCss(acme)).toMatch(
      /^:root\{--brand:#0f766e;--brand-text:#ffffff;--brand-ink:#0f766e;--brand-ink-dark:#[0-9a-f]{6}\}\n$/,
    );
    expect(brandingCss(acme)).not.toContain('--brand-ink-dark:#0f766e');
    const light = parseBranding({ BRAND_COLOR: '#ffcc00' }, { publicUrl: 'https://id.example.com', production: true });
    const css = brandingCss(light);
    expect(css).toMatch(
      /^:root\{--brand:#ffcc00;--brand-text:#111111;--brand-ink:#[0-9a-f]{6};--brand-ink-dark:#[0-9a-f]{6}\}\n$/,
    );
    expect(css).not.toContain('--brand-ink:#ffcc00');
  });

  it('draws the favicon in the brand colour', () => {
    expect(brandMark(acme)).toContain('<rect width="32" height="32" rx="9" fill="#0f766e"/>');
    expect(brandMark(acme)).toContain('stroke="#ffffff"');
  });
});
