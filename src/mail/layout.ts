/**
 * The frame every mail shares: a centred card, the logo (LOGO_URL) or nothing above it, the
 * product name below, `lang` set to the message's language. Inline styles only (mail clients drop
 * <style> and CSS variables), so the brand colour arrives as a value. `content` must be escaped
 * HTML already. Runtime-neutral.
 */
import type { Branding } from '../lib/branding.js';
import { escapeHtml } from '../lib/escape-html.js';

export function mailDocument({
  locale,
  subject,
  branding,
  content,
}: {
  locale: string;
  subject: string;
  branding: Branding;
  content: string;
}): string {
  const logo = branding.logoUrl
    ? `<tr><td style="padding:32px 32px 0;"><img src="${escapeHtml(branding.logoUrl)}" alt="${escapeHtml(branding.productName)}" height="40" style="display:block;height:40px;width:auto;border:0;"></td></tr>\n`
    : '';
  return `<!doctype html>
<html lang="${escapeHtml(locale)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>${escapeHtml(subject)}</title>
</head>
<body style="margin:0;padding:0;background-color:#f4f4f5;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f4f4f5;">
<tr><td align="center" style="padding:32px 16px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:480px;background-color:#ffffff;border-radius:8px;border-top:4px solid ${escapeHtml(branding.color)};">
${logo}<tr><td style="padding:32px;font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#18181b;font-size:16px;line-height:24px;">
${content}
</td></tr>
</table>
<p style="margin:16px 0 0;color:#71717a;font-family:Helvetica,Arial,sans-serif;font-size:12px;">${escapeHtml(branding.productName)}</p>
</td></tr>
</table>
</body>
</html>
`;
}
