/**
 * A tiny history-API router: the current location as state, navigate(), and a Link that
 * navigates without a reload. Paths are real paths (no hash), served by the SPA fallback.
 */
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export interface RouteLocation {
  path: string;
  search: string;
  hash: string;
  /** history.state: small hand-overs between pages (a notice to show, an address to prefill). */
  state: NavigationState;
}

export interface NavigationState {
  notice?: string;
  email?: string;
  created?: boolean;
}

const listeners = new Set<() => void>();
let hasNavigated = false;

/** True after the first in-app navigation: only then does focus move to the new page's heading. */
export function navigatedInApp(): boolean {
  return hasNavigated;
}

export function currentLocation(): RouteLocation {
  const state = (history.state ?? {}) as NavigationState;
  return { path: location.pathname, search: location.search, hash: location.hash, state };
}

export function navigate(
  to: string,
  { replace = false, state = {} }: { replace?: boolean; state?: NavigationState } = {},
): void {
  hasNavigated = true;
  if (replace) history.replaceState(state, '', to);
  else history.pushState(state, '', to);
  window.scrollTo(0, 0);
  for (const listener of [...listeners]) listener();
}

/** Replaces the hand-over state of the current entry (e.g. to forget a notice once shown). */
export function replaceState(state: NavigationState): void {
  history.replaceState(state, '', location.href);
}

export function useLocation(): RouteLocation {
  const [current, setCurrent] = useState(currentLocation);
  useEffect(() => {
    const update = () => setCurrent(currentLocation());
    const onPop = () => {
      hasNavigated = true;
      update();
    };
    listeners.add(update);
    window.addEventListener('popstate', onPop);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', onPop);
    };
  }, []);
  return current;
}

type LinkProps = Omit<JSX.HTMLAttributes<HTMLAnchorElement>, 'href' | 'onClick'> & {
  href: string;
  state?: NavigationState;
  children: ComponentChildren;
};

export function Link({ href, state, children, ...rest }: LinkProps) {
  const onClick = (event: MouseEvent) => {
    // Let the browser handle new tabs, downloads and other modified clicks.
    if (
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey
    )
      return;
    event.preventDefault();
    navigate(href, { state: state ?? {} });
  };
  return (
    <a href={href} onClick={onClick} {...rest}>
      {children}
    </a>
  );
}
