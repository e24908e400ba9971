import { describe, expect, it } from 'vitest';
import { DEFAULT_BRANDING, parseBranding } from '../lib/branding.js';
import { escapeHtml, renderChangeAddressEmail, renderSignInEmail } from './templates.js';

const PRODUCT_NAME = DEFAULT_BRANDING.productName;

const base = {
  link: 'https://sesame.example/auth/link#token=abc123',
  code: '012345',
  expiresInMinutes: 10,
  email: 'ada@example.com',
};

const renderers = [
  ['sign-in', renderSignInEmail],
  ['change address', renderChangeAddressEmail],
] as const;

/** Strips tags, leaving what a reader sees (entities are left as they are). */
function visibleText(html: string): string {
  return html.replace(/<[^>]*>/g, ' ');
}

describe('escapeHtml', () => {
  it('escapes the five significant characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  it('escapes & first so entities are not double-decoded', () => {
    expect(escapeHtml('&lt;')).toBe('&amp;lt;');
  });

  it('leaves other text alone', () => {
    expect(escapeHtml('plain text, 123 ü')).toBe('plain text, 123 ü');
  });
});

describe.each(renderers)('%s email', (_name, render) => {
  it('uses the default PRODUCT_NAME when no branding is given', () => {
    const mail = render(base);
    expect(mail.subject).toContain(PRODUCT_NAME);
    expect(mail.text).toContain(PRODUCT_NAME);
    expect(mail.html).toContain(PRODUCT_NAME);
  });

  it('puts the code as six consecutive digits in the text part, leading zero kept', () => {
    const mail = render(base);
    expect(mail.text).toMatch(/(^|\D)012345(\D|$)/);
    expect(mail.text.split('\n')).toContain('012345');
    expect(mail.html).toContain('012345');
  });

  it('carries the link in both parts', () => {
    const mail = render(base);
    expect(mail.text.split('\n')).toContain(base.link);
    expect(mail.html).toContain(`href="${base.link}"`);
  });

  it('shows the expiry', () => {
    expect(render(base).text).toContain('expire in 10 minutes');
    expect(render(base).html).toContain('expire in 10 minutes');
    expect(render({ ...base, expiresInMinutes: 1 }).text).toContain('expire in 1 minute ');
    expect(render({ ...base, expiresInMinutes: 1.5 }).text).toContain('expire in 1 minute ');
    expect(render({ ...base, expiresInMinutes: 0.5 }).text).toContain('expire in 1 minute ');
  });

  it("says the message can be ignored when it wasn't asked for", () => {
    const mail = render(base);
    expect(mail.text).toContain('If this wasn’t you, you can ignore this message.');
    expect(mail.html).toContain('If this wasn’t you, you can ignore this message.');
  });

  it('names the address the message is for', () => {
    expect(render(base).text).toContain('ada@example.com');
    expect(render(base).html).toContain('ada@example.com');
  });

  it('escapes <script>, quotes and & in the email address', () => {
    const email = `"><script>alert('x')</script>&@example.com`;
    const { html } = render({ ...base, email });
    expect(html).not.toContain('<script>');
    expect(html).not.toContain(`"><script`);
    expect(html).toContain('&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;@example.com');
  });

  it('escapes quotes, & and <script> in the link, so it cannot leave its href', () => {
    const link = `https://sesame.example/l?token=a&b="onmouseover='x'<script>`;
    const { html } = render({ ...base, link });
    expect(html).not.toContain('<script>');
    expect(html).not.toContain(`="onmouseover`);
    const escaped = 'https://sesame.example/l?token=a&amp;b=&quot;onmouseover=&#39;x&#39;&lt;script&gt;';
    expect(html).toContain(`href="${escaped}"`);
    // Every href holds exactly the escaped link and nothing else.
    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((match) => match[1]);
    expect(hrefs.length).toBeGreaterThan(0);
    expect(new Set(hrefs)).toEqual(new Set([escaped]));
  });

  it('escapes the product name', () => {
    const { html, subject } = render({ ...base, branding: { ...DEFAULT_BRANDING, productName: 'A&B <Co>' } });
    expect(html).toContain('A&amp;B &lt;Co&gt;');
    expect(html).not.toContain('<Co>');
    expect(subject).toContain('A&B <Co>');
  });

  it('has no unescaped markup in visible text for hostile input', () => {
    const { html } = render({ ...base, email: '<img src=x onerror=alert(1)>@x.com' });
    expect(visibleText(html)).not.toMatch(/[<>]/);
    expect(html).not.toContain('<img');
  });

  it('refuses a code that is not six digits', () => {
    for (const code of ['12345', '1234567', '12a456', '<b>12</b>', ' 123456', '１２３４５６']) {
      expect(() => render({ ...base, code })).toThrow(TypeError);
    }
  });

  it('refuses a link that is not an absolute http(s) URL', () => {
    for (const link of [
      'javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      '/relative/path?token=x',
      'https://sesame.example/l?token=a\r\nBcc: x@y.com',
      ' https://sesame.example/l?token=a',
    ]) {
      expect(() => render({ ...base, link })).toThrow(TypeError);
    }
  });

  it('refuses a non-positive expiry', () => {
    for (const expiresInMinutes of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => render({ ...base, expiresInMinutes })).toThrow(RangeError);
    }
  });

  it('renders a complete HTML document', () => {
    const { html } = render(base);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
  });
});

describe('wording', () => {
  it('the sign-in message talks about signing in', () => {
    const mail = renderSignInEmail(base);
    expect(mail.subject).toBe(`Sign in to ${PRODUCT_NAME}`);
    expect(mail.text).toContain('to sign in');
  });

  it('the address-change message asks to confirm the new address', () => {
    const mail = renderChangeAddressEmail(base);
    expect(mail.subject).toBe(`Confirm your new address for ${PRODUCT_NAME}`);
    expect(mail.text).toContain('confirm your new address');
    expect(mail.text).toContain(base.email);
  });
});

describe('branding and language', () => {
  const branding = parseBranding(
    { PRODUCT_NAME: 'Acme ID', BRAND_COLOR: '#ffcc00', LOGO_URL: '/logo.png' },
    { publicUrl: 'https://id.acme.example', production: true },
  );

  it('shows PRODUCT_NAME, the brand colour with a readable text colour, and the logo', () => {
    const mail = renderSignInEmail({ ...base, branding });
    expect(mail.subject).toBe('Sign in to Acme ID');
    expect(mail.text).toContain('Acme ID will never ask you for it.');
    expect(mail.html).toContain('background-color:#ffcc00;color:#111111;');
    expect(mail.html).toContain('<img src="https://id.acme.example/logo.png" alt="Acme ID"');
    expect(`${mail.subject}${mail.text}${mail.html}`).not.toContain('Sesame');
  });

  it('writes the whole message in German, with a German plural and date', () => {
    const at = Date.UTC(2026, 0, 15, 12, 34);
    const requested = { device: { browser: 'Firefox', system: 'Windows' }, at };
    const mail = renderSignInEmail({ ...base, branding, locale: 'de', requested });
    expect(mail.subject).toBe('Bei Acme ID anmelden');
    expect(mail.text).toContain('Angefordert von Firefox unter Windows am 15. Januar 2026 um 12:34 UTC.');
    expect(mail.text).toContain('Link und Code laufen in 10 Minuten ab');
    expect(renderSignInEmail({ ...base, locale: 'de', expiresInMinutes: 1 }).text).toContain('in 1 Minute ab');
    expect(mail.html).toContain('<html lang="de">');
    expect(mail.html).not.toMatch(/Sign in|expire|Never share/);
  });

  it('says the request time in English with the month written out', () => {
    const at = Date.UTC(2026, 0, 15, 12, 34);
    const mail = renderChangeAddressEmail({ ...base, requested: { device: { browser: null, system: 'Linux' }, at } });
    expect(mail.text).toContain('This was requested from a browser on Linux on January 15, 2026 at 12:34 UTC.');
  });
});
