/**
 * Branding: the product name, brand colour and logo that pages and mails show (README
 * "Branding"). parseBranding reads PRODUCT_NAME, BRAND_COLOR and LOGO_URL; lib/config.ts calls it.
 *
 * The colour becomes CSS variables of the pages (GET /branding.css) and inline styles of the
 * mails, with a text colour picked for contrast, so a light brand colour gets dark text.
 * Runtime-neutral, no imports.
 */

export interface Branding {
  /** PRODUCT_NAME: shown in pages, mails, the tab title; default "Sesame". */
  productName: string;
  /** BRAND_COLOR as #rrggbb (lower case). */
  color: string;
  /** Text on the brand colour: white or near-black, whichever contrasts more (WCAG 2 ratio). */
  colorText: string;
  /** LOGO_URL as an absolute URL, or null: the built-in mark in the brand colour (pages) and the name alone (mails). */
  logoUrl: string | null;
}

export const DEFAULT_PRODUCT_NAME = 'Sesame';
export const DEFAULT_BRAND_COLOR = '#2b54c4';

export const DEFAULT_BRANDING: Branding = {
  productName: DEFAULT_PRODUCT_NAME,
  color: DEFAULT_BRAND_COLOR,
  colorText: textColorOn(DEFAULT_BRAND_COLOR),
  logoUrl: null,
};

type Env = Record<string, string | undefined>;

/** Throws RangeError naming the setting when a value is unusable. */
export function parseBranding(
  env: Env,
  { publicUrl, production }: { publicUrl: string; production: boolean },
): Branding {
  const productName = (env.PRODUCT_NAME ?? '').trim() || DEFAULT_PRODUCT_NAME;
  // The name goes into mail subjects and headers: no line breaks or other control characters.
  if (productName.length > 60 || /[\u0000-\u001f\u007f]/.test(productName))
    throw new RangeError('PRODUCT_NAME must be at most 60 characters, without line breaks or control characters');

  const rawColor = (env.BRAND_COLOR ?? '').trim() || DEFAULT_BRAND_COLOR;
  const short = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/i.exec(rawColor);
  const color = (
    short ? `#${short[1]}${short[1]}${short[2]}${short[2]}${short[3]}${short[3]}` : rawColor
  ).toLowerCase();
  // Only a hex colour: the value is written into CSS and mail styles, where anything else could break out.
  if (!/^#[0-9a-f]{6}$/.test(color))
    throw new RangeError(`BRAND_COLOR must be a hex colour like #2b54c4, got ${JSON.stringify(rawColor)}`);

  return {
    productName,
    color,
    colorText: textColorOn(color),
    logoUrl: parseLogoUrl(env.LOGO_URL, { publicUrl, production }),
  };
}

function parseLogoUrl(
  raw: string | undefined,
  { publicUrl, production }: { publicUrl: string; production: boolean },
): string | null {
  const value = (raw ?? '').trim();
  if (!value) return null;
  // A path is a file served by this service (web/public); mails need it absolute.
  const url = URL.canParse(value, publicUrl) ? new URL(value, publicUrl) : null;
  const loopback = url !== null && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  // https only (mail clients and the pages' CSP load it); plain http only for a loopback logo in development.
  if (
    !url ||
    !(url.protocol === 'https:' || (url.protocol === 'http:' && loopback && !production)) ||
    url.username ||
    url.password
  )
    throw new RangeError(
      `LOGO_URL must be an https URL or a path on PUBLIC_URL (like /logo.png), got ${JSON.stringify(value)}`,
    );
  return url.href;
}

/** WCAG 2 relative luminance of #rrggbb. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a: number, b: number): number {
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}

export function textColorOn(hex: string): string {
  const l = luminance(hex);
  return contrast(l, 1) >= contrast(l, luminance('#111111')) ? '#ffffff' : '#111111';
}

/** `hex` mixed with `towards` in small steps until it reads on `background` at 4.5:1 (WCAG AA for text). */
export function readableOn(hex: string, background: string, towards: '#000000' | '#ffffff'): string {
  const bg = luminance(background);
  const channels = (h: string) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));
  const [from, to] = [channels(hex), channels(towards)];
  for (let step = 0; step <= 20; step++) {
    const mixed = `#${from
      .map((c, i) =>
        Math.round(c + ((to[i]! - c) * step) / 20)
          .toString(16)
          .padStart(2, '0'),
      )
      .join('')}`;
    if (contrast(luminance(mixed), bg) >= 4.5) return mixed;
  }
  return towards;
}
