/**
 * Security notices: short messages that tell a person something changed on their account (or
 * that someone tried to use their address), with no link or code in them, so a notice can never
 * be used to sign in and a forwarded or leaked notice gives nothing away.
 *
 * Invariants: every interpolated value is escaped in HTML (the `html` tag of templates.ts is not
 * shared, so values go through escapeHtml here); the text part carries the same sentences.
 * Runtime-neutral: no node:* import.
 */
import { PRODUCT_NAME } from './product.js';
import { escapeHtml, type RenderedEmail } from './templates.js';

export type SecurityNotice =
  | { kind: 'passkey_added'; passkeyName: string }
  | { kind: 'passkey_removed'; passkeyName: string }
  /** To the old address, after the account moved to a new one. */
  | { kind: 'address_changed'; newEmail: string }
  /** To an address that already has an account, when another account asked to use it. */
  | { kind: 'address_taken' }
  | { kind: 'account_deleted' };

export interface SecurityNoticeInput {
  notice: SecurityNotice;
  /** The address the notice goes to. */
  email: string;
  /** When it happened, epoch ms. */
  at: number;
  /** "Chrome on macOS", or null when the request said nothing usable. */
  device: string | null;
  productName?: string;
}

/** "30 Nov 2026, 01:10 UTC": unambiguous in every locale, no time zone guessing. */
export function formatNoticeTime(ms: number): string {
  const d = new Date(ms);
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCDate()} ${month} ${d.getUTCFullYear()}, ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

export function renderSecurityNotice({ notice, email, at, device, productName = PRODUCT_NAME }: SecurityNoticeInput): RenderedEmail {
  const when = `${formatNoticeTime(at)}${device ? `, from ${device}` : ''}`;
  let subject: string;
  let lines: string[];
  switch (notice.kind) {
    case 'passkey_added':
      subject = `A passkey was added to your ${productName} account`;
      lines = [
        `A passkey named “${notice.passkeyName}” was added to your ${productName} account (${email}) on ${when}.`,
        'If this was you, there is nothing to do.',
        `If it wasn’t, sign in to ${productName}, delete that passkey on your account page, and choose “Sign out everywhere”.`,
      ];
      break;
    case 'passkey_removed':
      subject = `A passkey was removed from your ${productName} account`;
      lines = [
        `The passkey “${notice.passkeyName}” was removed from your ${productName} account (${email}) on ${when}.`,
        'If this was you, there is nothing to do.',
        `If it wasn’t, sign in to ${productName} with an emailed code and choose “Sign out everywhere”.`,
      ];
      break;
    case 'address_changed':
      subject = `Your ${productName} account has a new email address`;
      lines = [
        `The email address of your ${productName} account was changed from ${email} to ${notice.newEmail} on ${when}.`,
        'Messages about the account now go to the new address; this is the last one sent here.',
        `If this wasn’t you, contact the people who run ${productName} at once.`,
      ];
      break;
    case 'address_taken':
      subject = `Someone tried to use your address on ${productName}`;
      lines = [
        `On ${when}, a person signed in to another ${productName} account asked to move it to ${email}.`,
        `This address already belongs to your ${productName} account, so nothing changed, and they were not told.`,
        'If that was you, sign in with this address instead; otherwise you can ignore this message.',
      ];
      break;
    case 'account_deleted':
      subject = `Your ${productName} account was deleted`;
      lines = [
        `Your ${productName} account (${email}) was deleted on ${when}, with its passkeys and sessions.`,
        'If this was you, there is nothing to do. You can make a new account with this address at any time.',
        `If it wasn’t, contact the people who run ${productName}.`,
      ];
      break;
  }
  const text = [subject, '', ...lines.flatMap((l) => [l, '']), `— ${productName}`, ''].join('\n');
  const p = (l: string) => `<p style="margin:0 0 16px;">${escapeHtml(l)}</p>`;
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>${escapeHtml(subject)}</title>
</head>
<body style="margin:0;padding:0;background-color:#f4f4f5;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f4f4f5;">
<tr><td align="center" style="padding:32px 16px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:480px;background-color:#ffffff;border-radius:8px;">
<tr><td style="padding:32px;font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#18181b;font-size:16px;line-height:24px;">
<h1 style="margin:0 0 16px;font-size:22px;line-height:28px;font-weight:600;">${escapeHtml(subject)}</h1>
${lines.map(p).join('\n')}
</td></tr>
</table>
<p style="margin:16px 0 0;color:#a1a1aa;font-family:Helvetica,Arial,sans-serif;font-size:12px;">${escapeHtml(productName)}</p>
</td></tr>
</table>
</body>
</html>
`;
  return { subject, text, html };
}
