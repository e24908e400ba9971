/**
 * The one h1 of a page. After an in-app navigation, or when a page swaps to another step, focus
 * moves to it, so screen-reader and keyboard users start reading at what changed.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { t } from '../i18n/i18n.js';
import { navigatedInApp } from '../router.js';

export function PageHeading({
  children,
  title,
  focusOnMount = false,
}: {
  children: ComponentChildren;
  /** document.title, before " · PRODUCT_NAME". */
  title: string;
  /** Focus even on a first page load (a step of a page, not a page). */
  focusOnMount?: boolean;
}) {
  const ref = useRef<HTMLHeadingElement>(null);
  const mounted = useRef(false);
  useEffect(() => {
    document.title = t('common.titleSuffix', { title });
    // A new title on the same heading is a new view of the page (Preact reuses the element).
    if (mounted.current || focusOnMount || navigatedInApp()) ref.current?.focus();
    mounted.current = true;
  }, [title]);
  return (
    <h1 ref={ref} tabIndex={-1} class="page-title">
      {children}
    </h1>
  );
}
