import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config.js';
import { DEFAULT_BRANDING, parseBranding, readableOn, textColorOn } from './branding.js';

const at = { publicUrl: 'https://id.example.com', production: true };

describe('branding settings', () => {
  it('defaults to Sesame in the default colour, without a logo', () => {
    expect(parseBranding({}, at)).toEqual({
      productName: 'Sesame',
      color: '#2b54c4',
      colorText: '#ffffff',
      logoUrl: null,
    });
    expect(parseConfig({}).branding).toEqual(DEFAULT_BRANDING);
  });

  it('reads PRODUCT_NAME, BRAND_COLOR (short hex expanded) and LOGO_URL (a path made absolute)', () => {
    expect(parseBranding({ PRODUCT_NAME: '  Acme ID ', BRAND_COLOR: '#FC0', LOGO_URL: '/logo.png' }, at)).toEqual({
      productName: 'Acme ID',
      color: '#ffcc00',
      colorText: '#111111',
      logoUrl: 'https://id.example.com/logo.png',
    });
    expect(parseBranding({ LOGO_URL: 'https://cdn.example.net/a.svg' }, at).logoUrl).toBe(
      'https://cdn.example.net/a.svg',
    );
  });

  it('names the setting for a value it refuses', () => {
    for (const [env, name] of [
      [{ BRAND_COLOR: 'red' }, 'BRAND_COLOR'],
      [{ BRAND_COLOR: '#12345g' }, 'BRAND_COLOR'],
      [{ BRAND_COLOR: '#fff;}body{x:y' }, 'BRAND_COLOR'],
      [{ PRODUCT_NAME: 'Acme\r\nBcc: x@example.com' }, 'PRODUCT_NAME'],
      [{ PRODUCT_NAME: 'x'.repeat(61) }, 'PRODUCT_NAME'],
      [{ LOGO_URL: 'http://cdn.example.net/a.png' }, 'LOGO_URL'],
      [{ LOGO_URL: 'javascript:alert(1)' }, 'LOGO_URL'],
      [{ LOGO_URL: 'https://user:pw@cdn.example.net/a.png' }, 'LOGO_URL'],
    ] as const) {
      expect(() => parseBranding(env, at)).toThrow(name);
      expect(() => parseConfig({ ...env })).toThrow(ConfigError);
    }
  });

  it('allows a plain-http logo on loopback outside production only', () => {
    const dev = { publicUrl: 'http://localhost:3000', production: false };
    expect(parseBranding({ LOGO_URL: '/logo.svg' }, dev).logoUrl).toBe('http://localhost:3000/logo.svg');
    expect(() => parseBranding({ LOGO_URL: 'http://localhost:3000/logo.svg' }, { ...dev, production: true })).toThrow(
      'LOGO_URL',
    );
  });

  it('names authenticators and the default sender after the product', () => {
    const c = parseConfig({ PRODUCT_NAME: 'Acme ID' });
    expect(c.rpName).toBe('Acme ID');
    expect(c.mailFrom).toBe('Acme ID <no-reply@localhost>');
    expect(parseConfig({ PRODUCT_NAME: 'A "B", C' }).mailFrom).toBe('"A \\"B\\", C" <no-reply@localhost>');
    expect(parseConfig({ PRODUCT_NAME: 'Acme ID', RP_NAME: 'Acme', MAIL_FROM: 'X <x@example.com>' })).toMatchObject({
      rpName: 'Acme',
      mailFrom: 'X <x@example.com>',
    });
  });
});

describe('brand colour contrast', () => {
  it('puts white on dark colours and near-black on light ones', () => {
    expect(textColorOn('#2b54c4')).toBe('#ffffff');
    expect(textColorOn('#0f766e')).toBe('#ffffff');
    expect(textColorOn('#ffcc00')).toBe('#111111');
    expect(textColorOn('#ffffff')).toBe('#111111');
  });

  it('darkens a light colour until it reads as text on white, and leaves a dark one as it is', () => {
    expect(readableOn('#2b54c4', '#ffffff', '#000000')).toBe('#2b54c4');
    const ink = readableOn('#ffcc00', '#ffffff', '#000000');
    expect(ink).not.toBe('#ffcc00');
    expect(readableOn(ink, '#ffffff', '#000000')).toBe(ink);
  });
});
