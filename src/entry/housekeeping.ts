import type { Deps } from '../http/deps.js';
import type { Logger } from '../lib/log.js';
import { pruneExpired } from '../auth/prune.js';
import { deliverDueMail } from '../mail/queue.js';
import { deliverDueWebhooks } from '../webhooks/deliver.js';
import { syncWebhookOutbox } from '../webhooks/outbox-switch.js';

const PRUNE_EVERY_MS = 10 * 60_000;
/** How often mail that could not be handed over yet is retried (see mail/queue.ts). */
const MAIL_RETRY_EVERY_MS = 5_000;
/** How often due webhook events are posted (see webhooks/deliver.ts). */
const WEBHOOK_EVERY_MS = 1_000;

/** Pruning and mail retries on timers: once per deployment (the single process, or the primary). */
export function startHousekeeping(deps: Deps, logger: Logger): { stop(): Promise<void> } {
  const prune = () =>
    syncWebhookOutbox(deps)
      .then(() => pruneExpired(deps))
      .then((counts) => logger.log('info', 'pruned', counts))
      .catch((err) => logger.log('error', 'prune failed', { error: String(err) }));
  void prune();
  const timer = setInterval(prune, PRUNE_EVERY_MS);
  timer.unref();

  // Mail that could not be handed over at once (or whose sender died) is retried here.
  let delivering: Promise<void> | null = null;
  const retryMail = () =>
    (delivering ??= deliverDueMail(deps)
      .then((report) => {
        if (report.sent + report.retry + report.failed + report.expired > 0)
          logger.log('info', 'mail retried', { ...report });
      })
      .catch((err) => logger.log('error', 'mail retry failed', { error: String(err) }))
      .finally(() => (delivering = null)));
  void retryMail();
  const mailTimer = setInterval(retryMail, MAIL_RETRY_EVERY_MS);
  mailTimer.unref();

  // Webhook events committed by any request (or left by a process that died) are posted here.
  let posting: Promise<void> | null = null;
  const postWebhooks = () =>
    (posting ??= deliverDueWebhooks(deps)
      .then((report) => {
        if (report.delivered + report.retry + report.dead > 0) logger.log('info', 'webhooks posted', { ...report });
      })
      .catch((err) => logger.log('error', 'webhook delivery failed', { error: String(err) }))
      .finally(() => (posting = null)));
  const webhookTimer = deps.config.webhookUrl ? setInterval(postWebhooks, WEBHOOK_EVERY_MS) : undefined;
  webhookTimer?.unref();

  return {
    async stop() {
      clearInterval(timer);
      clearInterval(mailTimer);
      clearInterval(webhookTimer);
      // A webhook post in flight is not waited for: its row's lease runs out and it is sent again.
      await delivering;
    },
  };
}
