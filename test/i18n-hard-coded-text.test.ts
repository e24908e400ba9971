/**
 * No page speaks past the catalogues: the components under web/src hold no text a person reads
 * except through `t`/`rich` (docs/i18n.md). Each file is parsed with the TypeScript compiler and
 * three things count as hard-coded text:
 *   1. JSX text with a letter in it (`<button>Save</button>`);
 *   2. a string with a letter in a JSX attribute a person reads or hears (aria-label, title,
 *      placeholder, alt, label, …), or shown as a JSX child (`{busy ? 'Saving' : name}`);
 *   3. anywhere else, a string or template that reads as prose: it starts with a capitalised
 *      word, carries typographic quotes, apostrophes or an ellipsis, or is words ending in a full
 *      stop, question or exclamation mark — unless it is compared (`event.key === 'Escape'`), a
 *      case label, a type, an import, or a message for developers (console.*, new Error).
 * The server's pages and mails (src/views, src/mail) are HTML written in templates: there, any
 * text between tags that is not a `${…}` value (from the translator, or data) counts.
 * The scanners are tried on samples with every kind first, so a pass means something.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');

/** Attributes whose value is read to a person (shown as a tooltip, announced, or drawn). */
const HUMAN_ATTRIBUTES = new Set([
  'aria-label',
  'aria-description',
  'aria-roledescription',
  'aria-valuetext',
  'aria-placeholder',
  'title',
  'placeholder',
  'alt',
  'label',
]);
const LETTER = /\p{L}/u;
const PROSE = [/^\s*\p{Lu}\p{Ll}/u, /[’‘“”„«»…]/u, /\p{L}+\s+\p{L}+.*[.?!]\s*$/u];

/** A node's parent, skipping what only wraps or chooses a value (`(…)`, `a ? b : c`, `a && b`, `a ?? b`). */
function valueParent(node: ts.Node): ts.Node {
  let current = node;
  for (;;) {
    const parent = current.parent;
    if (ts.isParenthesizedExpression(parent) || ts.isAsExpression(parent)) current = parent;
    else if (ts.isConditionalExpression(parent) && parent.condition !== current) current = parent;
    else if (
      ts.isBinaryExpression(parent) &&
      [ts.SyntaxKind.AmpersandAmpersandToken, ts.SyntaxKind.BarBarToken, ts.SyntaxKind.QuestionQuestionToken].includes(
        parent.operatorToken.kind,
      ) &&
      parent.right === current
    )
      current = parent;
    else return parent;
  }
}

/** Shown as such: a JSX child, or the value of an attribute a person reads. */
function shownInJsx(node: ts.Node): boolean {
  let parent = valueParent(node);
  if (ts.isJsxExpression(parent)) parent = parent.parent;
  if (ts.isJsxElement(parent) || ts.isJsxFragment(parent)) return true;
  return ts.isJsxAttribute(parent) && HUMAN_ATTRIBUTES.has(parent.name.getText());
}

/** Strings that are code, not text: compared, switched on, a type, a module, a property name, or for developers. */
function isCode(node: ts.Node): boolean {
  const parent = node.parent;
  if (
    ts.isImportDeclaration(parent) ||
    ts.isExportDeclaration(parent) ||
    ts.isExternalModuleReference(parent) ||
    ts.isLiteralTypeNode(parent)
  )
    return true;
  if (ts.isCaseClause(parent) || ts.isElementAccessExpression(parent)) return true;
  if ((ts.isPropertyAssignment(parent) || ts.isPropertySignature(parent)) && parent.name === node) return true;
  if (ts.isJsxAttribute(parent)) return true; // an attribute no person reads (class, id, media, d, …)
  if (ts.isBinaryExpression(parent)) {
    const op = parent.operatorToken.kind;
    if (
      [
        ts.SyntaxKind.EqualsEqualsEqualsToken,
        ts.SyntaxKind.ExclamationEqualsEqualsToken,
        ts.SyntaxKind.EqualsEqualsToken,
        ts.SyntaxKind.ExclamationEqualsToken,
      ].includes(op)
    )
      return true;
  }
  // Messages for developers: console.*(…) and new SomeError(…), wherever the string sits in their arguments.
  for (let up: ts.Node | undefined = parent; up && !ts.isSourceFile(up) && !ts.isBlock(up); up = up.parent) {
    if (ts.isNewExpression(up) && /Error$/.test(up.expression.getText())) return true;
    if (ts.isCallExpression(up) && /^console\./.test(up.expression.getText())) return true;
  }
  return false;
}

interface HardCodedText {
  line: number;
  text: string;
}

/** The hard-coded text in one source file (TSX or TS), with the line each starts on. */
function findHardCodedText(fileName: string, source: string): HardCodedText[] {
  const file = ts.createSourceFile(
    fileName,
    source,
    ts.ScriptTarget.Latest,
    true,
    fileName.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS,
  );
  const found: HardCodedText[] = [];
  const report = (node: ts.Node, text: string) =>
    found.push({ line: file.getLineAndCharacterOfPosition(node.getStart()).line + 1, text: text.trim() });
  const visit = (node: ts.Node) => {
    if (ts.isJsxText(node)) {
      if (LETTER.test(node.text)) report(node, node.text);
    } else if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateExpression(node)) {
      const text = ts.isTemplateExpression(node)
        ? node.head.text + node.templateSpans.map((span) => `{}${span.literal.text}`).join('')
        : node.text;
      if (LETTER.test(text) && (shownInJsx(node) || (!isCode(node) && PROSE.some((re) => re.test(text)))))
        report(node, text);
      if (ts.isTemplateExpression(node)) for (const span of node.templateSpans) visit(span.expression);
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** Text between the tags of an HTML template (`<p>Hello ${name}</p>`), outside its `${…}` values. */
function findHardCodedHtml(fileName: string, source: string): HardCodedText[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: HardCodedText[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateExpression(node)) {
      const parts = ts.isTemplateExpression(node)
        ? [node.head.text, ...node.templateSpans.map((span) => span.literal.text)]
        : [node.text];
      // A value splits the text: "Hello ${name}" leaves "Hello", which still counts.
      const whole = parts.join('\u0000');
      if (/<\/?[a-z!][^>]*>/i.test(whole) && !isCode(node)) {
        for (const text of whole.replace(/<[^>]*>/g, '\u0000').split('\u0000'))
          if (LETTER.test(text))
            found.push({ line: file.getLineAndCharacterOfPosition(node.getStart()).line + 1, text: text.trim() });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** Every .ts/.tsx file under dir, but the catalogues themselves and tests. */
function componentFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'messages') walk(full);
      } else if (/\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts'))
        out.push(full);
    }
  };
  walk(dir);
  return out.sort();
}

describe('the hard-coded text scanner', () => {
  const sample = `
    import { t } from './i18n.js';
    export function Page({ busy, name, key }: { busy: boolean; name: string; key: string }) {
      if (key === 'Escape') console.warn('Sesame: a warning for developers only.');
      if (!name) throw new Error('Name is missing. A developer sees this.');
      say('success', \`Passkey “\${name}” added.\`);
      const notice = { tone: 'info', text: 'You’re signed out.' };
      const lower = 'the code was sent.';
      return (
        <div class="card card-wide" aria-label="Confirm it’s you" data-x="Not text">
          <h1>{t('page.title')}</h1>
          <button title={busy ? 'Saving' : t('page.save')} class={\`button\${busy ? ' is-busy' : ''}\`}>Save</button>
          <p>{busy && 'Working'}{name}</p>
          <input placeholder={'you@example.com'} />
          <span>{' '}</span>
        </div>
      );
    }
  `;

  it('finds JSX text, read attributes, shown strings and prose, and nothing else', () => {
    expect(findHardCodedText('sample.tsx', sample)).toEqual([
      { line: 6, text: 'Passkey “{}” added.' },
      { line: 7, text: 'You’re signed out.' },
      { line: 8, text: 'the code was sent.' },
      { line: 10, text: 'Confirm it’s you' },
      { line: 12, text: 'Saving' },
      { line: 12, text: 'Save' },
      { line: 13, text: 'Working' },
      { line: 14, text: 'you@example.com' },
    ]);
  });

  it('finds nothing in code that only uses the translator', () => {
    const clean = `export const A = () => <p title={t('a.b')} class="muted">{t('a.c', { n: 1 })}</p>;`;
    expect(findHardCodedText('clean.tsx', clean)).toEqual([]);
  });
});

describe('the HTML template scanner', () => {
  it('finds text between tags outside values, and nothing in values, attributes or developer messages', () => {
    const sample = `
      const a = \`<h1>\${tr.html("x.heading")}</h1>
      <p class="lead" title="\${t}">\${body}</p>\`;
      const b = \`<p>Hello \${name}, welcome</p>\`;
      const c = '<button type="submit">Confirm</button>';
      throw new Error(\`MAIL_FROM must be like "Sesame <no-reply@example.com>"\`);
      const d = 'Content-Type: text/plain';
    `;
    expect(findHardCodedHtml('sample.ts', sample)).toEqual([
      { line: 4, text: 'Hello' },
      { line: 4, text: ', welcome' },
      { line: 5, text: 'Confirm' },
    ]);
  });
});

describe('the server’s pages and mails (src/views, src/mail)', () => {
  const files = ['src/views', 'src/mail'].flatMap((dir) => componentFiles(path.join(root, dir)));

  it('are found', () => {
    expect(files.map((file) => path.relative(root, file))).toEqual(
      expect.arrayContaining(['src/views/link-page.ts', 'src/mail/layout.ts', 'src/mail/templates.ts']),
    );
  });

  it('write no text into their HTML that is not from the catalogues', () => {
    const found = files.flatMap((file) =>
      findHardCodedHtml(file, fs.readFileSync(file, 'utf8')).map(
        ({ line, text }) => `${path.relative(root, file)}:${line} ${JSON.stringify(text)}`,
      ),
    );
    expect(found).toEqual([]);
  });
});

describe('the pages (web/src)', () => {
  const files = componentFiles(path.join(root, 'web/src'));

  it('are many files (the walk finds them)', () => {
    expect(files.filter((file) => file.endsWith('.tsx')).length).toBeGreaterThan(15);
  });

  it('hold no text a person reads outside the catalogues', () => {
    const found = files.flatMap((file) =>
      findHardCodedText(file, fs.readFileSync(file, 'utf8')).map(
        ({ line, text }) => `${path.relative(root, file)}:${line} ${JSON.stringify(text)}`,
      ),
    );
    expect(found).toEqual([]);
  });
});
