/** useResource: load something once (and again on demand), keeping value, error and a setter. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export type Resource<T> =
  | { state: 'loading'; value?: undefined; error?: undefined }
  | { state: 'ready'; value: T; error?: undefined }
  | { state: 'failed'; value?: undefined; error: unknown };

/** `key`: a change (after an action that adds to the resource) loads it again. */
export function useResource<T>(load: () => Promise<T>, key: unknown = null) {
  const [resource, setResource] = useState<Resource<T>>({ state: 'loading' });
  const latest = useRef(0);
  const reload = useCallback(() => {
    const run = ++latest.current;
    setResource({ state: 'loading' });
    load().then(
      (value) => run === latest.current && setResource({ state: 'ready', value }),
      (error: unknown) => run === latest.current && setResource({ state: 'failed', error }),
    );
  }, []);
  useEffect(() => {
    reload();
    return () => {
      latest.current += 1;
    };
  }, [key]);
  const update = useCallback((change: (value: T) => T) => {
    setResource((current) => (current.state === 'ready' ? { state: 'ready', value: change(current.value) } : current));
  }, []);
  return { resource, reload, update };
}
