import { useEffect, useRef, useState } from 'preact/hooks';
import { Loading } from './Loading.jsx';
import { Banner } from './Banner.jsx';

// One ECharts chart from an option object. ECharts loads lazily; the container
// gets data-rendered="true" once ECharts reports 'finished' (the browser tests
// wait for it). `onClick(params)` receives ECharts' click event.
export function EChart({ option, testid, label, height = 360, onClick }) {
  const ref = useRef(null);
  const clickRef = useRef(onClick);
  const [loadError, setLoadError] = useState(null);
  const [ready, setReady] = useState(false);
  clickRef.current = onClick;

  useEffect(() => {
    const el = ref.current;
    let chart = null;
    let observer = null;
    let cancelled = false;
    el.setAttribute('data-rendered', 'false');
    import('../charts/echarts.js').then(
      ({ echarts }) => {
        if (cancelled) return;
        chart = echarts.init(el, null, { renderer: 'canvas' });
        chart.on('finished', () => el.setAttribute('data-rendered', 'true'));
        chart.on('click', (params) => clickRef.current && clickRef.current(params));
        chart.setOption(option);
        setReady(true);
        observer = new ResizeObserver(() => chart && chart.resize());
        observer.observe(el);
      },
      (e) => !cancelled && setLoadError(e),
    );
    return () => {
      cancelled = true;
      observer?.disconnect();
      chart?.dispose();
    };
  }, [option]);

  return (
    <div class="chart-wrap">
      {loadError ? <Banner error={loadError} title="The chart could not be loaded" /> : null}
      {!ready && !loadError ? <Loading label="Drawing chart…" /> : null}
      <div
        ref={ref}
        class="chart"
        style={{ height: `${height}px` }}
        data-testid={testid}
        role="img"
        aria-label={label}
      />
    </div>
  );
}
