/**
 * The message catalogues (server: src/i18n/messages, pages: web/src/i18n/messages) are complete
 * and in use: every locale has exactly English's keys, every message parses as ICU MessageFormat
 * with the same arguments and tags as its English source, no message names the product itself
 * (it says {product}), and every key is used somewhere in the code. Each locale has the same
 * family files as English (messages/<locale>/<family>.ts), no key is in two of them, and the merged
 * catalogue holds every family's keys (a family forgotten in messages.ts would otherwise go
 * unchecked). The checkers are tested on broken catalogues first, so a pass means something.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { describe, expect, it } from 'vitest';
import { LOCALES } from '../src/i18n/locales.js';
import { SERVER_MESSAGES } from '../src/i18n/server-messages.js';
import { MESSAGES as PAGE_MESSAGES } from '../web/src/i18n/messages.js';

type Catalogues = Record<string, Record<string, string>>;
const root = path.resolve(import.meta.dirname, '..');

/** Argument and tag names a message uses, e.g. ["arg:email", "tag:strong"]. */
function placeholders(elements: MessageFormatElement[], into = new Set<string>()): Set<string> {
  for (const el of elements) {
    if (el.type === TYPE.literal || el.type === TYPE.pound) continue;
    if (el.type === TYPE.tag) {
      into.add(`tag:${el.value}`);
      placeholders(el.children, into);
      continue;
    }
    into.add(`arg:${el.value}`);
    if (el.type === TYPE.plural || el.type === TYPE.select)
      for (const option of Object.values(el.options)) placeholders(option.value, into);
  }
  return into;
}

/** Every problem with a set of catalogues, as sentences (empty: complete and consistent). */
function checkCatalogues(catalogues: Catalogues): string[] {
  const problems: string[] = [];
  const source = catalogues.en!;
  for (const locale of Object.keys(catalogues)) {
    const messages = catalogues[locale]!;
    for (const key of Object.keys(source)) if (!(key in messages)) problems.push(`${locale}: missing ${key}`);
    for (const key of Object.keys(messages)) if (!(key in source)) problems.push(`${locale}: ${key} is not in English`);
    for (const [key, message] of Object.entries(messages)) {
      if (/sesame/i.test(message)) problems.push(`${locale}: ${key} names the product; use {product}`);
      let found: Set<string>;
      try {
        found = placeholders(parse(message));
      } catch (err) {
        problems.push(`${locale}: ${key} does not parse: ${(err as Error).message}`);
        continue;
      }
      if (locale === 'en' || !(key in source)) continue;
      const expected = placeholders(parse(source[key]!));
      if ([...expected].sort().join() !== [...found].sort().join())
        problems.push(
          `${locale}: ${key} uses ${[...found].join(', ') || 'nothing'}, English ${[...expected].join(', ') || 'nothing'}`,
        );
    }
  }
  return problems;
}

/** Source files that may use a key: everything but the catalogues themselves and tests. */
function sources(dir: string): string {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'messages' && entry.name !== 'node_modules' && entry.name !== 'dist') walk(full);
      } else if (/\.(ts|tsx)$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name))
        out.push(fs.readFileSync(full, 'utf8'));
    }
  };
  walk(path.join(root, dir));
  return out.join('\n');
}

type Families = Record<string, Record<string, Record<string, string>>>;

/** Each locale's family files (messages/<locale>/<family>.ts) as they are, before merging. */
async function familiesIn(dir: string): Promise<Families> {
  const families: Families = {};
  for (const locale of fs.readdirSync(path.join(root, dir))) {
    families[locale] = {};
    for (const file of fs
      .readdirSync(path.join(root, dir, locale))
      .filter((name) => name.endsWith('.ts'))
      .sort()) {
      const module = (await import(path.join(root, dir, locale, file))) as { default: Record<string, string> };
      families[locale]![file.replace(/\.ts$/, '')] = module.default;
    }
  }
  return families;
}

/** Problems between the family files and the merged catalogues (empty: every family merged, no key twice). */
function checkFamilies(families: Families, catalogues: Catalogues): string[] {
  const problems: string[] = [];
  const english = Object.keys(families.en ?? {}).sort();
  for (const [locale, files] of Object.entries(families)) {
    if (Object.keys(files).sort().join() !== english.join())
      problems.push(`${locale}: families ${Object.keys(files).sort().join(', ')}, English ${english.join(', ')}`);
    const seen = new Map<string, string>();
    for (const [family, messages] of Object.entries(files)) {
      for (const key of Object.keys(messages)) {
        if (seen.has(key)) problems.push(`${locale}: ${key} is in ${seen.get(key)} and ${family}`);
        seen.set(key, family);
        if (catalogues[locale]?.[key] !== messages[key])
          problems.push(`${locale}: ${key} of ${family} is not in the merged catalogue as written`);
      }
    }
    for (const key of Object.keys(catalogues[locale] ?? {}))
      if (!seen.has(key)) problems.push(`${locale}: ${key} is in no family file`);
  }
  return problems;
}

const unusedKeys = (catalogues: Catalogues, code: string) =>
  Object.keys(catalogues.en!).filter((key) => !code.includes(`'${key}'`) && !code.includes(`"${key}"`));

describe('the catalogue checker', () => {
  it('reports a missing key, an extra key, a changed argument, a bad message and a hard-coded name', () => {
    const problems = checkCatalogues({
      en: { a: 'Hello {name}', b: 'Bye', c: '{n, plural, one {# day} other {# days}}', d: 'ok' },
      de: { a: 'Hallo {nom}', c: '{n, plural, one {# Tag} other {# Tage}', d: 'Sesame', e: 'extra' },
    });
    expect(problems).toEqual([
      'de: missing b',
      'de: e is not in English',
      'de: a uses arg:nom, English arg:name',
      expect.stringMatching(/^de: c does not parse/),
      'de: d names the product; use {product}',
    ]);
  });

  it('reports a family missing in a locale, a key in two families, and a family not merged', () => {
    const problems = checkFamilies(
      {
        en: { one: { 'a.x': 'A' }, two: { 'b.x': 'B', 'a.x': 'A again' } },
        de: { one: { 'a.x': 'A' } },
      },
      { en: { 'a.x': 'A again', 'c.x': 'C' }, de: {} },
    );
    expect(problems).toEqual([
      'en: a.x of one is not in the merged catalogue as written',
      'en: b.x of two is not in the merged catalogue as written',
      'en: a.x is in one and two',
      'en: c.x is in no family file',
      'de: families one, English one, two',
      'de: a.x of one is not in the merged catalogue as written',
    ]);
  });

  it('reports a key no code uses', () => {
    expect(unusedKeys({ en: { 'x.used': '', 'x.unused': '' } }, "t('x.used')")).toEqual(['x.unused']);
  });
});

describe.each([
  ['server (mails, link page, shell)', SERVER_MESSAGES as Catalogues, ['src'], 'src/i18n/messages'],
  ['pages', PAGE_MESSAGES as Catalogues, ['web/src'], 'web/src/i18n/messages'],
])('%s catalogues', (_name, catalogues, dirs, familyDir) => {
  it('exist for every locale', () => {
    expect(Object.keys(catalogues).sort()).toEqual([...LOCALES].sort());
  });

  it('have every key of English in every locale, with the same arguments, and nothing else', () => {
    expect(checkCatalogues(catalogues)).toEqual([]);
  });

  it('are merged from every family file of their locale, no key in two families', async () => {
    const families = await familiesIn(familyDir);
    expect(Object.keys(families).sort()).toEqual([...LOCALES].sort());
    expect(checkFamilies(families, catalogues)).toEqual([]);
  });

  it('have no key that the code does not use', () => {
    expect(unusedKeys(catalogues, dirs.map(sources).join('\n'))).toEqual([]);
  });
});
