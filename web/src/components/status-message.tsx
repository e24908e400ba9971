/**
 * The polite live region of a page: statuses and errors appear here, visibly and for screen
 * readers. The region itself is always in the DOM (so assistive technology is already watching
 * it); each message gets a fresh key so the same text said twice is announced twice.
 */
import { useCallback, useState } from 'preact/hooks';

export type StatusTone = 'info' | 'success' | 'error';

export interface Status {
  tone: StatusTone;
  text: string;
  id: number;
}

let nextId = 1;

export function useStatus(initial?: { tone: StatusTone; text: string } | null) {
  const [status, setStatusState] = useState<Status | null>(() => (initial ? { ...initial, id: nextId++ } : null));
  const setStatus = useCallback((tone: StatusTone, text: string) => setStatusState({ tone, text, id: nextId++ }), []);
  const clearStatus = useCallback(() => setStatusState(null), []);
  return { status, setStatus, clearStatus };
}

export function StatusMessage({ status, id }: { status: Status | null; id?: string }) {
  return (
    <div class="status-area" role="status" aria-live="polite" aria-atomic="true" id={id}>
      {status && (
        <p key={status.id} class={`notice notice-${status.tone}`}>
          {status.text}
        </p>
      )}
    </div>
  );
}
