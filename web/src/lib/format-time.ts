/** Human times for lists, in the page's language: "5 minutes ago", "Mar 3, 2025". Input is the API's ISO 8601 UTC. */
import { formatDate as format, formatRelativeTime, t } from '../i18n/i18n.js';

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

function parse(iso: string): Date | null {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

export function formatRelative(iso: string, now: number = Date.now()): string {
  const date = parse(iso);
  if (!date) return t('common.unknownTime');
  const seconds = Math.round((date.getTime() - now) / 1000);
  if (Math.abs(seconds) < 60) return t('common.justNow');
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return formatRelativeTime(Math.round(seconds / size), unit);
  }
  return t('common.justNow');
}

export function formatDate(iso: string): string {
  const date = parse(iso);
  return date ? format(date, { dateStyle: 'medium' }) : t('common.unknownTime');
}

export function formatDateTime(iso: string): string {
  const date = parse(iso);
  return date ? format(date, { dateStyle: 'medium', timeStyle: 'short' }) : t('common.unknownTime');
}

export function formatTime(iso: string): string {
  const date = parse(iso);
  return date ? format(date, { timeStyle: 'short' }) : '';
}
