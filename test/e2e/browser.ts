/**
 * Debian's Chromium driven by playwright-core, with the CDP virtual authenticator for passkeys.
 * When /usr/bin/chromium is missing, it is installed with apt-get if we are root; otherwise the
 * test fails with the exact command to run. Never downloads a browser of its own.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export function ensureChromium(): void {
  if (fs.existsSync(CHROMIUM)) return;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  let hasApt = false;
  try {
    execFileSync('which', ['apt-get'], { stdio: 'ignore' });
    hasApt = true;
  } catch {
    /* no apt-get */
  }
  if (!root || !hasApt)
    throw new Error(`Chromium is missing at ${CHROMIUM}. Install it with: sudo apt-get install -y chromium`);
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`apt-get ran but ${CHROMIUM} is still missing. Install it with: sudo apt-get install -y chromium`);
}

/** `args`: more Chromium switches (e.g. DBSC_SWITCHES), after the usual headless ones. */
export async function launchBrowser({ args = [] }: { args?: string[] } = {}): Promise<Browser> {
  ensureChromium();
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...args,
    ],
  });
}

/**
 * Device Bound Session Credentials with software keys (../shared/probes/dbsc/README.md): the
 * feature in its developer setting (no origin-trial token needed, no refresh quota), software keys
 * instead of a TPM, and refresh only once the bound cookie is gone (no proactive refresh). One
 * `--enable-features` replaces Playwright's own, so its two features are repeated here.
 */
export const DBSC_SWITCHES = [
  '--enable-features=' +
    [
      'DeviceBoundSessions:RequireOriginTrialTokens/false/RefreshQuota/false',
      'EnableBoundSessionCredentialsSoftwareKeysForManualTesting',
      'DeviceBoundSessionProactiveRefresh:Threshold/0s',
      'CDPScreenshotNewSurface',
      'SkipListAccountsWithoutGaiaCookies',
    ].join(','),
];

/** Makes Chromium trust the TLS front's self-signed certificate as valid (helpers/tls-front.ts). */
export const trustCertificate = (spki: string) => `--ignore-certificate-errors-spki-list=${spki}`;

/** Adds a CTAP2 platform authenticator with resident keys and user verification to the page. */
export async function addVirtualAuthenticator(page: Page): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, authenticatorId };
}

export type { Browser, BrowserContext, Page };
