/**
 * A session's marks and its "signed in on <date>" in each language: the marks are the catalogue's
 * text (a bound session's mark with its explanation as a tooltip), and the date sits where the
 * language puts it, formatted by Intl. (The browser e2e, test/e2e/i18n.test.ts, sees the German
 * account page; a device-bound session needs Chromium's DBSC switches, so its German mark is read here.)
 */
import type { SessionInfo } from '@sesame/client';
import type { VNode } from 'preact';
import { afterEach, describe, expect, it } from 'vitest';
import { setLocale } from '../../i18n/i18n.js';
import { SessionBadges, SignedInOn } from './session-badges.js';

const session: SessionInfo = {
  id: 's1',
  current: true,
  deviceBound: true,
  method: 'passkey',
  createdAt: '2026-03-04T10:00:00.000Z',
  lastUsedAt: '2026-03-05T10:00:00.000Z',
  userAgent: null,
} as SessionInfo;

type Rendered = VNode<{ children?: unknown; title?: string; dateTime?: string }>;

/** The text of a rendered tree, and the title of each element that has one. */
function render(node: unknown, titles: string[] = []): string {
  if (node === null || node === undefined || typeof node === 'boolean') return '';
  if (typeof node === 'string' || typeof node === 'number') return String(node);
  if (Array.isArray(node)) return node.map((child) => render(child, titles)).join('');
  const vnode = node as Rendered;
  if (typeof vnode.type === 'function') return render((vnode.type as (props: unknown) => unknown)(vnode.props), titles);
  if (vnode.props.title) titles.push(vnode.props.title);
  return render(vnode.props.children, titles);
}

afterEach(() => setLocale('en'));

describe('a session’s marks', () => {
  it('reads "This device" and "Bound to device" in English, with why the binding matters as a tooltip', () => {
    setLocale('en');
    const titles: string[] = [];
    expect(render(SessionBadges({ session }), titles)).toBe('This deviceBound to device');
    expect(titles).toEqual([
      'This browser keeps a key for the session: a copy of its cookie is worthless on another device',
    ]);
    expect(render(SignedInOn({ session }))).toBe('Signed in with a passkey on Mar 4, 2026');
  });

  it('reads them in German, the date in German order', () => {
    setLocale('de');
    const titles: string[] = [];
    expect(render(SessionBadges({ session }), titles)).toBe('Dieses GerätAn Gerät gebunden');
    expect(titles).toEqual([
      'Dieser Browser verwahrt einen Schlüssel für die Sitzung: Eine Kopie ihres Cookies ist auf einem anderen Gerät wertlos',
    ]);
    expect(render(SignedInOn({ session }))).toBe('Am 04.03.2026 mit einem Passkey angemeldet');
  });

  it('shows no mark for another device’s unbound session', () => {
    setLocale('de');
    expect(render(SessionBadges({ session: { ...session, current: false, deviceBound: false } }))).toBe('');
  });
});
