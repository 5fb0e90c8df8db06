import { useEffect, useState, useCallback } from 'preact/hooks';

// useApi(fetcher, deps) -> {data, error, loading, reload}
// Runs fetcher({signal}) and aborts it when the component goes away or deps change.
export function useApi(fetcher, deps = []) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    const ctrl = new AbortController();
    setState((s) => ({ data: s.data, error: null, loading: true }));
    fetcher({ signal: ctrl.signal }).then(
      (data) => {
        if (!ctrl.signal.aborted) setState({ data, error: null, loading: false });
      },
      (error) => {
        if (!ctrl.signal.aborted) setState({ data: null, error, loading: false });
      },
    );
    return () => ctrl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { ...state, reload };
}

// useHashRoute() -> current route id from "#/<id>", e.g. "overview".
export function useHashRoute(fallback) {
  const read = () => {
    const m = /^#\/([\w-]*)/.exec(window.location.hash);
    return m && m[1] ? m[1] : fallback;
  };
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const onChange = () => setRoute(read());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return route;
}
