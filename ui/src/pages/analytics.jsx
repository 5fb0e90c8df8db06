// Marketing analytics: the funnel with its breakdown, velocity, channel
// performance with spend sparklines, CAC trends, the cohort heatmap and
// targets vs actual. Every figure comes from /api/v1/analytics/...; a click on
// a bar, a point, a heatmap cell or a table cell lists the records behind it
// (/api/v1/analytics/<report>/records), whose count and sum are the cell's.
// The filters live in the hash query (#/analytics?from=...&steps=...), so a
// view can be shared. Each chart exports as PNG (ECharts' getDataURL) and CSV.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { get } from '../api.js';
import { useApi } from '../hooks.js';
import { formatInteger, formatMoney, humanize } from '../format.js';
import { axisTooltip, tooltip } from '../escape.js';
import { Banner } from '../components/Banner.jsx';
import { Loading } from '../components/Loading.jsx';
import './analytics.css';

const DEFAULTS = {
  from: '',
  to: '',
  steps: 'stage:lead,stage:mql,stage:sql,stage:opportunity,stage:customer',
  order: 'ordered',
  skipped: 'ignore',
  window: '',
  breakdown: '',
  by: 'channel',
  run: '',
  model: '',
  stage: 'mql',
  segment: '',
};
const BREAKDOWNS = [
  '',
  'channel',
  'source',
  'campaign',
  'segment',
  'first_touch_channel',
  'latest_touch_channel',
  'first_touch_source',
  'latest_touch_source',
  'cohort',
];
const COLORS = ['#2563eb', '#16a34a', '#f59e0b', '#dc2626', '#7c3aed', '#0891b2', '#db2777', '#65a30d'];

function readHash() {
  const q = window.location.hash.split('?')[1] || '';
  const p = new URLSearchParams(q);
  const out = { ...DEFAULTS };
  for (const key of Object.keys(DEFAULTS)) {
    if (p.has(key)) out[key] = p.get(key);
  }
  // Links shared before the switch was called `by`.
  if (!p.has('by') && p.has('dimension')) out.by = p.get('dimension');
  return out;
}

function writeHash(params) {
  const q = new URLSearchParams(
    Object.entries(params).filter(([k, v]) => v !== '' && v !== DEFAULTS[k]),
  ).toString();
  const next = q ? `#/analytics?${q}` : '#/analytics';
  if (window.location.hash !== next) history.replaceState(null, '', next);
}

function query(params) {
  return new URLSearchParams(Object.entries(params).filter(([, v]) => v !== '' && v != null)).toString();
}

function analyticsApi(report, params, opts) {
  return get(`/api/v1/analytics/${report}?${query(params)}`, opts);
}

const pct = (x) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '–');
const days = (x) => (Number.isFinite(x) ? `${x.toFixed(1)} d` : '–');
const num2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : '–');

// ---------------------------------------------------------------- export

// A spreadsheet cell that would start a formula gets a leading apostrophe
// (plain numbers stay numbers), as the server's CSV exports do.
function csvCell(v) {
  let s = v == null ? '' : String(v);
  if (/^[=+\-@\t\r]/.test(s) && !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function download(name, href) {
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
}

function downloadCsv(name, header, rows) {
  const text = [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
  download(name, url);
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// ---------------------------------------------------------------- chart

// One ECharts canvas with PNG and CSV export; data-rendered="true" once drawn.
function Chart({ option, testid, label, height = 320, onClick, csv }) {
  const ref = useRef(null);
  const chartRef = useRef(null);
  const clickRef = useRef(onClick);
  const [error, setError] = useState(null);
  const [ready, setReady] = useState(false);
  clickRef.current = onClick;
  useEffect(() => {
    const el = ref.current;
    let observer = null;
    let cancelled = false;
    import('../charts/stack-charts.js').then(
      ({ echarts }) => {
        if (cancelled) return;
        const chart = echarts.init(el, null, { renderer: 'canvas' });
        chart.on('finished', () => el.setAttribute('data-rendered', 'true'));
        chart.on('click', (p) => clickRef.current && clickRef.current(p));
        chartRef.current = chart;
        setReady(true);
        observer = new ResizeObserver(() => chart.resize());
        observer.observe(el);
      },
      (e) => !cancelled && setError(e),
    );
    return () => {
      cancelled = true;
      observer?.disconnect();
      chartRef.current?.dispose();
      chartRef.current = null;
    };
  }, []);
  useEffect(() => {
    const chart = chartRef.current;
    if (!ready || !chart) return;
    ref.current.setAttribute('data-rendered', 'false');
    chart.setOption(option, true);
  }, [option, ready]);
  const png = () => {
    const chart = chartRef.current;
    if (chart) download(`${testid}.png`, chart.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: '#fff' }));
  };
  return (
    <div class="chart-wrap">
      <div class="export-buttons">
        <button type="button" class="btn btn-small btn-secondary" onClick={png} disabled={!ready} data-testid={`${testid}-png`}>
          PNG
        </button>
        <button
          type="button"
          class="btn btn-small btn-secondary"
          onClick={() => csv && downloadCsv(`${testid}.csv`, csv.header, csv.rows)}
          data-testid={`${testid}-csv`}
        >
          CSV
        </button>
      </div>
      {error ? <Banner error={error} title="The chart could not be loaded" /> : null}
      {!ready && !error ? <Loading label="Drawing chart…" /> : null}
      <div
        ref={ref}
        class="chart"
        style={{ height: `${height}px` }}
        data-testid={testid}
        data-rendered="false"
        role="img"
        aria-label={label}
      />
    </div>
  );
}

function Sparkline({ values }) {
  if (!values || values.length < 2) return <span class="muted">–</span>;
  const max = Math.max(...values, 1);
  const w = 90;
  const h = 22;
  const points = values.map((v, i) => `${((i / (values.length - 1)) * w).toFixed(1)},${(h - (v / max) * h).toFixed(1)}`).join(' ');
  return (
    <svg class="sparkline" width={w} height={h} viewBox={`0 0 ${w} ${h}`} aria-hidden="true">
      <polyline points={points} fill="none" stroke="#2563eb" stroke-width="1.5" />
    </svg>
  );
}

// A clickable figure: opens the records behind it.
function Cell({ value, onOpen, testid, raw }) {
  return (
    <button type="button" class="cell-link" onClick={onOpen} data-testid={testid} data-value={String(raw ?? '')}>
      {value}
    </button>
  );
}

// ---------------------------------------------------------------- drill-down

const DRILL_PAGE = 1000;

// Every record of a cell as CSV (a list of people from a funnel step is a
// cohort to take elsewhere), fetched a page at a time.
async function exportRecords(drill) {
  const rows = [];
  let touches = false;
  for (let offset = 0; ; offset += DRILL_PAGE) {
    const page = await get(`/api/v1/analytics/${drill.report}/records?${query({ ...drill.params, limit: DRILL_PAGE, offset })}`);
    for (const r of page.records) {
      touches = touches || r.touchpoint_id != null;
      rows.push(r);
    }
    if (offset + DRILL_PAGE >= page.count || page.records.length === 0) break;
  }
  const header = touches
    ? ['kind', 'id', 'label', 'at', 'touchpoint_id', 'touch_at', 'touch', 'value']
    : ['kind', 'id', 'label', 'at', 'value'];
  downloadCsv(`${drill.report}-records.csv`, header, rows.map((r) => header.map((h) => r[h])));
}

function DrillPanel({ drill, onClose }) {
  const { data, error, loading } = useApi(
    (opts) => get(`/api/v1/analytics/${drill.report}/records?${query({ ...drill.params, limit: 200 })}`, opts),
    [JSON.stringify(drill)],
  );
  const [exportError, setExportError] = useState(null);
  const touches = data ? data.records.some((r) => r.touchpoint_id != null) : false;
  return (
    <div class="card drill" data-testid="drill-panel">
      <div class="card-header">
        <h2>{drill.title}</h2>
        <div class="toolbar">
          <button
            type="button"
            class="btn btn-small btn-secondary"
            disabled={!data || !data.count}
            onClick={() => {
              setExportError(null);
              exportRecords(drill).catch(setExportError);
            }}
            data-testid="drill-csv"
          >
            CSV
          </button>
          <button type="button" class="btn btn-small btn-secondary" onClick={onClose} data-testid="drill-close">
            Close
          </button>
        </div>
      </div>
      {exportError ? <Banner error={exportError} title="The records could not be exported" /> : null}
      {loading ? <Loading label="Loading records…" /> : null}
      {error ? <Banner error={error} title="The records could not be loaded" /> : null}
      {data ? (
        <>
          <p class="muted" data-testid="drill-summary" data-count={String(data.count)} data-sum={String(data.sum)}>
            {formatInteger(data.count)} records, sum {num2(data.sum)}
            {data.count > data.records.length ? ` (first ${data.records.length} shown)` : ''}
          </p>
          <div class="table-scroll tall">
            <table class="data-table">
              <thead>
                <tr>
                  <th>Kind</th>
                  <th>Id</th>
                  <th>Record</th>
                  <th>When</th>
                  {touches ? <th>Touch</th> : null}
                  {touches ? <th>Touched</th> : null}
                  <th class="num">Value</th>
                </tr>
              </thead>
              <tbody>
                {data.records.map((r) => (
                  <tr key={`${r.kind}-${r.id}-${r.at}-${r.touchpoint_id ?? ''}`} data-testid="drill-row">
                    <td>{r.kind}</td>
                    <td>{r.id}</td>
                    <td>{r.label}</td>
                    <td class="date">{r.at.slice(0, 10)}</td>
                    {touches ? (
                      <td data-testid="drill-touch" data-touchpoint={String(r.touchpoint_id ?? '')}>
                        {r.touchpoint_id != null ? `#${r.touchpoint_id} ${r.touch}` : ''}
                      </td>
                    ) : null}
                    {touches ? <td class="date">{r.touch_at ? r.touch_at.slice(0, 10) : ''}</td> : null}
                    <td class="num">{num2(r.value)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </div>
  );
}

// ---------------------------------------------------------------- funnel

function FunnelPanel({ params, open }) {
  const q = {
    from: params.from,
    to: params.to,
    steps: params.steps,
    order: params.order,
    skipped: params.skipped,
    window: params.window,
    breakdown: params.breakdown,
  };
  const { data, error, loading } = useApi((opts) => analyticsApi('funnel', q, opts), [query(q)]);
  const groups = useMemo(() => {
    if (!data) return [];
    return data.breakdown ? data.groups.slice(0, 6) : [data.total];
  }, [data]);
  const option = useMemo(() => {
    if (!data) return null;
    const labels = data.total.steps.map((s) => s.step);
    return {
      animation: false,
      grid: { left: 8, right: 16, top: 30, bottom: 8, containLabel: true },
      legend: { top: 0, type: 'scroll' },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, formatter: axisTooltip(formatInteger) },
      xAxis: { type: 'category', data: labels, axisLabel: { color: '#475569' } },
      yAxis: { type: 'value', minInterval: 1 },
      series: groups.map((g, i) => ({
        type: 'bar',
        name: g.key || 'all contacts',
        color: COLORS[i % COLORS.length],
        data: g.steps.map((s) => s.count),
      })),
    };
  }, [data, groups]);
  const drill = (step, group, dropped = false) =>
    open({
      report: 'funnel',
      title: `Funnel step ${step}${group ? ` · ${group}` : ''}${dropped ? ' · dropped off' : ''}`,
      params: { ...q, step, group, dropped: dropped ? 'true' : '' },
    });
  return (
    <section class="card" data-testid="panel-funnel">
      <div class="card-header">
        <h2>Funnel</h2>
        {data ? <span class="muted">{formatInteger(data.excluded)} excluded</span> : null}
      </div>
      {loading && !data ? <Loading label="Computing the funnel…" /> : null}
      {error ? <Banner error={error} title="The funnel could not be computed" /> : null}
      {data && data.total.steps[0]?.count === 0 ? (
        <p class="muted small" data-testid="funnel-empty">
          No contact did the first step{params.from || params.to ? ' in this period' : ''}. Stage steps count entries in the lifecycle
          history: a HubSpot export brings them (its "Became a … Date" columns) and rescoring leads records MQL, opportunity and customer
          moves (mops leads score); a Salesforce import brings none of its own.
          {params.skipped !== 'count' ? ' Contacts that went straight to a later stage count when skipped stages are counted.' : ''}
        </p>
      ) : null}
      {data ? (
        <>
          <Chart
            option={option}
            testid="chart-funnel"
            label="Contacts reaching each funnel step"
            onClick={(p) => drill(p.dataIndex + 1, data.breakdown ? groups[p.seriesIndex].key : '')}
            csv={{
              header: ['group', 'step', 'count', 'step_conversion', 'overall', 'dropped', 'median_days', 'p90_days'],
              rows: [data.total, ...data.groups].flatMap((g) =>
                g.steps.map((s) => [g.key || 'all', s.step, s.count, s.step_conversion, s.overall, s.dropped, s.median_days, s.p90_days]),
              ),
            }}
          />
          <div class="table-scroll">
            <table class="data-table" data-testid="funnel-table">
              <thead>
                <tr>
                  <th>Step</th>
                  <th class="num">Contacts</th>
                  <th class="num">% of previous</th>
                  <th class="num">Overall</th>
                  <th class="num">Dropped</th>
                  <th class="num">Median time</th>
                  <th class="num">p90 time</th>
                </tr>
              </thead>
              <tbody>
                {data.total.steps.map((s, i) => (
                  <tr key={s.step} data-testid="funnel-row">
                    <td>{s.step}</td>
                    <td class="num">
                      <Cell value={formatInteger(s.count)} raw={s.count} testid={`funnel-count-${i + 1}`} onOpen={() => drill(i + 1, '')} />
                    </td>
                    <td class="num">{i === 0 ? '–' : pct(s.step_conversion)}</td>
                    <td class="num">{pct(s.overall)}</td>
                    <td class="num">
                      {i === 0 ? '–' : <Cell value={formatInteger(s.dropped)} raw={s.dropped} testid={`funnel-dropped-${i + 1}`} onOpen={() => drill(i + 1, '', true)} />}
                    </td>
                    <td class="num">{i === 0 ? '–' : days(s.median_days)}</td>
                    <td class="num">{i === 0 ? '–' : days(s.p90_days)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </section>
  );
}

// ---------------------------------------------------------------- velocity

function VelocityPanel({ params, setParams, open }) {
  const q = { from: params.from, to: params.to };
  const segment = params.segment;
  const { data, error, loading } = useApi((opts) => analyticsApi('velocity', q, opts), [query(q)]);
  const rows = useMemo(() => (data ? data.rows.filter((r) => r.segment === segment && !r.quarter) : []), [data, segment]);
  const segments = useMemo(() => (data ? [...new Set(data.rows.map((r) => r.segment).filter(Boolean))].sort() : []), [data]);
  const option = useMemo(() => {
    if (!data) return null;
    return {
      animation: false,
      grid: { left: 8, right: 24, top: 10, bottom: 8, containLabel: true },
      tooltip: {
        trigger: 'item',
        formatter: (p) => {
          const r = rows[p.dataIndex];
          return tooltip({
            title: `${r.entity}: ${r.from} → ${r.to}`,
            lines: [`median ${days(r.median_days)}, p90 ${days(r.p90_days)}`, `${formatInteger(r.count)} records (${formatInteger(r.skipped)} skipped a stage)`],
          });
        },
      },
      xAxis: { type: 'value', name: 'days' },
      yAxis: { type: 'category', inverse: true, data: rows.map((r) => `${r.from} → ${r.to}`), axisLabel: { color: '#475569' } },
      series: [
        {
          type: 'bar',
          data: rows.map((r) => ({ value: r.median_days, itemStyle: { color: r.entity === 'contact' ? '#2563eb' : '#16a34a' } })),
        },
      ],
    };
  }, [data, rows]);
  return (
    <section class="card" data-testid="panel-velocity">
      <div class="card-header">
        <h2>Velocity (median days between stages)</h2>
        <label class="field-inline">
          Segment
          <select value={segment} onChange={(e) => setParams({ ...params, segment: e.currentTarget.value })} data-testid="velocity-segment">
            <option value="">all</option>
            {segments.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </div>
      {loading && !data ? <Loading label="Measuring velocity…" /> : null}
      {error ? <Banner error={error} title="Velocity could not be computed" /> : null}
      {data && rows.length === 0 ? (
        <p class="muted" data-testid="velocity-empty">
          No record moved between two stages in this period{segment ? ` in segment ${segment}` : ''}: velocity needs stage
          dates (the lifecycle history of contacts, the stage history of opportunities).
        </p>
      ) : null}
      {data && rows.length > 0 ? (
        <>
          <Chart
            option={option}
            testid="chart-velocity"
            label="Median days between stages"
            height={Math.max(220, rows.length * 26 + 40)}
            onClick={(p) => {
              const r = rows[p.dataIndex];
              open({
                report: 'velocity',
                title: `Velocity ${r.entity}: ${r.from} → ${r.to}`,
                params: { ...q, entity: r.entity, from_stage: r.from, to_stage: r.to, segment: r.segment },
              });
            }}
            csv={{
              header: ['entity', 'from', 'to', 'segment', 'quarter', 'count', 'skipped', 'median_days', 'p90_days'],
              rows: data.rows.map((r) => [r.entity, r.from, r.to, r.segment, r.quarter, r.count, r.skipped, r.median_days, r.p90_days]),
            }}
          />
          <p class="muted small">Rule for missing stages: {data.missing_stage_rule}.</p>
        </>
      ) : null}
    </section>
  );
}

// ---------------------------------------------------------------- channels

const CHANNEL_COLUMNS = [
  { key: 'spend', label: 'Spend', money: true, drill: 'spend' },
  { key: 'impressions', label: 'Impr.', int: true },
  { key: 'clicks', label: 'Clicks', int: true },
  { key: 'ctr', label: 'CTR', pct: true },
  { key: 'cpc', label: 'CPC', money2: true },
  { key: 'leads', label: 'Leads', int: true, drill: 'leads' },
  { key: 'cpl', label: 'CPL', money2: true },
  { key: 'mqls', label: 'MQLs', int: true, drill: 'mqls' },
  { key: 'sourced_pipeline', label: 'Sourced pipeline', money: true, drill: 'sourced_pipeline' },
  { key: 'influenced_pipeline', label: 'Influenced pipeline', money: true, drill: 'influenced_pipeline' },
  { key: 'revenue', label: 'Won revenue', money: true, drill: 'revenue' },
  { key: 'roas', label: 'ROAS', ratio: true },
  { key: 'roi', label: 'ROI', pct: true },
];

function formatColumn(c, v) {
  if (c.money) return formatMoney(v);
  if (c.money2) return Number.isFinite(v) ? `$${v.toFixed(2)}` : '–';
  if (c.pct) return pct(v);
  if (c.ratio) return num2(v);
  return formatInteger(v);
}

const REVENUE_COLUMNS = new Set(['revenue', 'roas', 'roi']);
const CHART_KEYS = 12;

function ChannelsPanel({ params, setParams, open }) {
  const q = { from: params.from, to: params.to, by: params.by, run: params.run, model: params.model };
  const { data, error, loading } = useApi((opts) => analyticsApi('channels', q, opts), [query(q)]);
  // The stored runs of deals (won: revenue; created: pipeline credit) to choose from.
  const runs = useApi((opts) => get('/api/v1/attribution/runs?limit=50', opts), []);
  const runChoices = (runs.data?.items ?? []).filter((r) => r.conversion === 'won' || r.conversion === 'created');
  const revenueShown = data ? data.revenue_available : true;
  const cell = (r, c) => {
    if (REVENUE_COLUMNS.has(c.key) && !revenueShown) return '–';
    return formatColumn(c, r[c.key]);
  };
  // Spend and attributed revenue of the largest keys.
  const top = useMemo(() => {
    if (!data) return [];
    return [...data.rows].sort((a, b) => b.spend + b.revenue - (a.spend + a.revenue)).slice(0, CHART_KEYS);
  }, [data]);
  const option = useMemo(() => {
    if (!data) return null;
    return {
      animation: false,
      grid: { left: 8, right: 16, top: 30, bottom: 8, containLabel: true },
      legend: { top: 0 },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, formatter: axisTooltip((v) => formatMoney(v)) },
      xAxis: { type: 'category', data: top.map((r) => r.key), axisLabel: { color: '#475569', interval: 0, rotate: top.length > 6 ? 30 : 0, width: 110, overflow: 'truncate' } },
      yAxis: { type: 'value' },
      series: [
        { type: 'bar', name: 'Spend', color: '#f59e0b', data: top.map((r) => r.spend) },
        { type: 'bar', name: 'Won revenue', color: '#2563eb', data: top.map((r) => (revenueShown ? r.revenue : 0)) },
      ],
    };
  }, [data, top, revenueShown]);
  const drillParams = (extra) => ({ ...q, model: data.model, ...extra });
  return (
    <section class="card" data-testid="panel-channels">
      <div class="card-header">
        <h2>Channel performance</h2>
        <div class="toolbar">
          <label class="field-inline">
            By
            <select value={params.by} onChange={(e) => setParams({ ...params, by: e.currentTarget.value })} data-testid="channels-by">
              <option value="channel">channel</option>
              <option value="source">source</option>
              <option value="campaign">campaign</option>
            </select>
          </label>
          <label class="field-inline">
            Run
            <select
              value={data && data.run ? String(data.run) : params.run}
              onChange={(e) => setParams({ ...params, run: e.currentTarget.value, model: '' })}
              data-testid="channels-run"
              disabled={!runChoices.length}
            >
              {runChoices.map((r) => (
                <option key={r.id} value={String(r.id)}>
                  #{r.id} {r.conversion} · {r.created_at.slice(0, 10)}
                </option>
              ))}
            </select>
          </label>
          <label class="field-inline">
            Attribution model
            <select
              value={data ? data.model : params.model}
              onChange={(e) => setParams({ ...params, model: e.currentTarget.value })}
              data-testid="model"
              disabled={!data || !data.models.length}
            >
              {(data?.models ?? []).map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </select>
          </label>
        </div>
      </div>
      {loading && !data ? <Loading label="Loading channel performance…" /> : null}
      {error ? <Banner error={error} title="Channel performance could not be loaded" /> : null}
      {data && !data.run ? (
        <p class="muted" data-testid="no-attribution-run">
          No stored attribution run of won deals: revenue, ROAS and ROI need one (<code>mops attribute --conversion won</code>).
        </p>
      ) : null}
      {data && data.revenue_note ? (
        <p class="muted" data-testid="revenue-note">
          {data.revenue_note}
        </p>
      ) : null}
      {data && top.length === 0 ? (
        <p class="muted" data-testid="channels-empty">
          No {data.by} has spend, leads or attributed revenue in this period.
        </p>
      ) : null}
      {data ? (
        <>
          {top.length > 0 ? (
            <Chart
              option={option}
              testid="chart-channels"
              label={`Spend and won revenue by ${data.by}`}
              height={280}
              onClick={(p) => {
                const r = top[p.dataIndex];
                if (!r) return;
                const revenue = p.seriesIndex === 1;
                if (revenue && !revenueShown) return;
                open({
                  report: 'channels',
                  title: `${r.key} · ${revenue ? 'Won revenue' : 'Spend'}`,
                  params: drillParams({ key: r.key, metric: revenue ? 'revenue' : 'spend' }),
                });
              }}
              csv={{
                header: ['key', ...CHANNEL_COLUMNS.map((c) => c.key)],
                rows: [...data.rows, data.total].map((r) => [r.key, ...CHANNEL_COLUMNS.map((c) => r[c.key])]),
              }}
            />
          ) : null}
          <div class="table-scroll tall">
            <table class="data-table" data-testid="channels-table" data-by={data.by} data-won-revenue={String(data.won_revenue)}>
              <thead>
                <tr>
                  <th>{humanize(data.by)}</th>
                  {CHANNEL_COLUMNS.map((c) => (
                    <th key={c.key} class="num">
                      {c.label}
                    </th>
                  ))}
                  <th>Weekly spend</th>
                </tr>
              </thead>
              <tbody>
                {[...data.rows, data.total].map((r, i) => (
                  <tr key={r.key} data-testid={i === data.rows.length ? 'channel-total' : 'channel-row'} data-key={r.key}>
                    <td>{i === data.rows.length ? <strong>Total</strong> : r.key}</td>
                    {CHANNEL_COLUMNS.map((c) => (
                      <td key={c.key} class="num">
                        {c.drill && i < data.rows.length && r[c.key] && (revenueShown || !REVENUE_COLUMNS.has(c.key)) ? (
                          <Cell
                            value={cell(r, c)}
                            raw={r[c.key]}
                            testid={`channel-${c.key}`}
                            onOpen={() => open({ report: 'channels', title: `${r.key} · ${c.label}`, params: drillParams({ key: r.key, metric: c.drill }) })}
                          />
                        ) : (
                          cell(r, c)
                        )}
                      </td>
                    ))}
                    <td>
                      <Sparkline values={r.weekly_spend} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {data.run ? (
              <p class="muted small">
                Won revenue{' '}
                <Cell
                  value={formatMoney(data.won_revenue)}
                  raw={data.won_revenue}
                  testid="channels-won-revenue"
                  onOpen={() => open({ report: 'channels', title: 'Won revenue', params: drillParams({ key: 'total', metric: 'won_revenue' }) })}
                />
                ; unattributed{' '}
                <Cell
                  value={formatMoney(data.unattributed_revenue)}
                  raw={data.unattributed_revenue}
                  testid="channels-unattributed"
                  onOpen={() => open({ report: 'channels', title: 'Unattributed revenue', params: drillParams({ key: 'total', metric: 'unattributed' }) })}
                />{' '}
                (run {data.run}, {data.model}
                {data.credit_per_touch ? ', credit per touch' : ', credit per channel'}). Influenced pipeline counts a deal under every key that touched it, so it is not summed.
              </p>
            ) : null}
          </div>
        </>
      ) : null}
    </section>
  );
}

// ---------------------------------------------------------------- CAC

function CacPanel({ params, open }) {
  const q = { from: params.from, to: params.to };
  const { data, error, loading } = useApi((opts) => analyticsApi('cac', q, opts), [query(q)]);
  const option = useMemo(() => {
    if (!data) return null;
    const m = data.months;
    return {
      animation: false,
      grid: { left: 8, right: 16, top: 34, bottom: 8, containLabel: true },
      legend: { top: 0 },
      tooltip: { trigger: 'axis', formatter: axisTooltip((v) => (Number.isFinite(v) ? v.toFixed(1) : '–')) },
      xAxis: { type: 'category', data: m.map((r) => r.period) },
      yAxis: [
        { type: 'value', name: 'CAC' },
        { type: 'value', name: 'months', splitLine: { show: false } },
      ],
      series: [
        { type: 'line', name: 'Blended CAC', data: m.map((r) => r.blended_cac), color: '#2563eb' },
        { type: 'line', name: 'Paid CAC', data: m.map((r) => r.paid_cac), color: '#f59e0b' },
        { type: 'line', name: 'Payback (months)', yAxisIndex: 1, data: m.map((r) => r.payback_months), color: '#16a34a' },
      ],
    };
  }, [data]);
  return (
    <section class="card" data-testid="panel-cac">
      <div class="card-header">
        <h2>CAC and payback</h2>
      </div>
      {loading && !data ? <Loading label="Computing CAC…" /> : null}
      {error ? <Banner error={error} title="CAC could not be computed" /> : null}
      {data ? (
        <>
          <Chart
            option={option}
            testid="chart-cac"
            label="Blended and paid CAC and payback by month"
            onClick={(p) => {
              const r = data.months[p.dataIndex];
              open({ report: 'cac', title: `New customers ${r.period}`, params: { ...q, period: r.period, metric: 'new_customers' } });
            }}
            csv={{
              header: ['period', 'paid_spend', 'blended_spend', 'new_customers', 'paid_customers', 'blended_cac', 'paid_cac', 'payback_months', 'new_arr', 'magic_number', 'pipeline_velocity'],
              rows: [...data.months, ...data.quarters].map((r) => [
                r.period, r.paid_spend, r.blended_spend, r.new_customers, r.paid_customers, r.blended_cac, r.paid_cac, r.payback_months, r.new_arr, r.magic_number, r.pipeline_velocity,
              ]),
            }}
          />
          <div class="table-scroll">
            <table class="data-table" data-testid="cac-quarters">
              <thead>
                <tr>
                  <th>Quarter</th>
                  <th class="num">Spend</th>
                  <th class="num">New customers</th>
                  <th class="num">Blended CAC</th>
                  <th class="num">Payback</th>
                  <th class="num">Magic number</th>
                  <th class="num">Pipeline velocity / day</th>
                </tr>
              </thead>
              <tbody>
                {data.quarters.map((r) => (
                  <tr key={r.period}>
                    <td>{r.period}</td>
                    <td class="num">
                      <Cell value={formatMoney(r.paid_spend)} raw={r.paid_spend} testid="cac-spend" onOpen={() => open({ report: 'cac', title: `Spend ${r.period}`, params: { ...q, period: r.period, metric: 'paid_spend' } })} />
                    </td>
                    <td class="num">
                      <Cell value={formatInteger(r.new_customers)} raw={r.new_customers} testid="cac-customers" onOpen={() => open({ report: 'cac', title: `New customers ${r.period}`, params: { ...q, period: r.period, metric: 'new_customers' } })} />
                    </td>
                    <td class="num">{formatMoney(r.blended_cac)}</td>
                    <td class="num">{r.payback_months ? `${r.payback_months.toFixed(1)} mo` : '–'}</td>
                    <td class="num">{num2(r.magic_number)}</td>
                    <td class="num">{formatMoney(r.pipeline_velocity)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </section>
  );
}

// ---------------------------------------------------------------- cohorts

function CohortPanel({ params, setParams, open }) {
  const q = { from: params.from, to: params.to, months: 12 };
  const { data, error, loading } = useApi((opts) => analyticsApi('cohorts', q, opts), [query(q)]);
  const stage = params.stage;
  const option = useMemo(() => {
    if (!data) return null;
    const rows = data.stage_cohorts;
    const cells = [];
    rows.forEach((c, y) => {
      (c.reached[stage] ?? []).forEach((n, x) => cells.push([x, y, c.size ? Math.round((n / c.size) * 1000) / 10 : 0]));
    });
    return {
      animation: false,
      grid: { left: 8, right: 16, top: 8, bottom: 40, containLabel: true },
      tooltip: {
        formatter: (p) => {
          const [x, y, v] = p.data;
          const c = rows[y];
          return tooltip({ title: `Cohort ${c.cohort} (${formatInteger(c.size)} contacts)`, lines: [`month ${x}: ${v}% reached ${stage}`] });
        },
      },
      xAxis: { type: 'category', name: 'months since created', nameLocation: 'middle', nameGap: 24, data: Array.from({ length: data.months }, (_, i) => String(i)) },
      yAxis: { type: 'category', inverse: true, data: rows.map((c) => c.cohort) },
      visualMap: { min: 0, max: Math.max(1, ...cells.map((c) => c[2])), calculable: false, orient: 'horizontal', left: 'center', bottom: 0, show: false, inRange: { color: ['#eff6ff', '#1d4ed8'] } },
      series: [{ type: 'heatmap', data: cells, label: { show: true, fontSize: 10 }, itemStyle: { borderColor: '#fff', borderWidth: 1 } }],
    };
  }, [data, stage]);
  return (
    <section class="card" data-testid="panel-cohorts">
      <div class="card-header">
        <h2>Cohorts: share reaching a stage</h2>
        <label class="field-inline">
          Stage
          <select value={stage} onChange={(e) => setParams({ ...params, stage: e.currentTarget.value })} data-testid="cohort-stage">
            {(data?.stages ?? ['mql']).map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </div>
      {loading && !data ? <Loading label="Building cohorts…" /> : null}
      {error ? <Banner error={error} title="Cohorts could not be built" /> : null}
      {data ? (
        <>
          <Chart
            option={option}
            testid="chart-cohorts"
            label="Cohort heatmap"
            height={Math.max(240, data.stage_cohorts.length * 22 + 60)}
            onClick={(p) => {
              const [x, y] = p.data;
              const c = data.stage_cohorts[y];
              open({ report: 'cohorts', title: `Cohort ${c.cohort}, ${stage} by month ${x}`, params: { ...q, table: 'stages', cohort: c.cohort, month: x, stage } });
            }}
            csv={{
              header: ['cohort', 'size', 'stage', ...Array.from({ length: data.months }, (_, i) => `m${i}`)],
              rows: data.stage_cohorts.flatMap((c) => data.stages.map((s) => [c.cohort, c.size, s, ...(c.reached[s] ?? [])])),
            }}
          />
          <RetentionTable
            title="Engagement retention (first time)"
            rows={data.first_time}
            months={data.months}
            testid="retention-first"
            open={(cohort, month) => open({ report: 'cohorts', title: `First-time retention ${cohort}, month ${month}`, params: { ...q, table: 'first_time', cohort, month } })}
          />
          <RetentionTable
            title="Engagement retention (recurring)"
            rows={data.recurring}
            months={data.months}
            testid="retention-recurring"
            open={(cohort, month) => open({ report: 'cohorts', title: `Recurring retention ${cohort}, month ${month}`, params: { ...q, table: 'recurring', cohort, month } })}
          />
          <RevenueCohorts rows={data.revenue} months={data.months} open={(cohort, month) =>
            open({ report: 'cohorts', title: `Revenue cohort ${cohort}, months 0-${month}`, params: { ...q, table: 'revenue', cohort, month } })
          } />
        </>
      ) : null}
    </section>
  );
}

// A cohort table: a row per cohort with its size, then one cell per month
// since the cohort began (at most six).
function CohortTable({ title, testid, sizeLabel, rows, months, sizeOf, valuesOf, renderCell }) {
  const shown = Math.min(months, 6);
  // Years of monthly cohorts scroll inside the panel (the newest last).
  return (
    <div>
      <h3 class="small-heading">{title}</h3>
      <div class="table-scroll tall">
        <table class="data-table" data-testid={testid}>
          <thead>
            <tr>
              <th>Cohort</th>
              <th class="num">{sizeLabel}</th>
              {Array.from({ length: shown }, (_, i) => (
                <th key={i} class="num">
                  M{i}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.cohort}>
                <td>{r.cohort}</td>
                <td class="num">{formatInteger(sizeOf(r))}</td>
                {valuesOf(r)
                  .slice(0, shown)
                  .map((v, i) => (
                    <td key={i} class="num">
                      {renderCell(r, v, i)}
                    </td>
                  ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function RetentionTable({ title, rows, months, testid, open }) {
  return (
    <CohortTable
      title={title}
      testid={testid}
      sizeLabel="Contacts"
      rows={rows}
      months={months}
      sizeOf={(r) => r.size}
      valuesOf={(r) => r.retained}
      renderCell={(r, n, i) =>
        r.size ? <Cell value={pct(n / r.size)} raw={n} testid={`${testid}-cell`} onOpen={() => open(r.cohort, i)} /> : '–'
      }
    />
  );
}

function RevenueCohorts({ rows, months, open }) {
  return (
    <CohortTable
      title="Revenue cohorts (accounts by first won deal, cumulative won revenue)"
      testid="revenue-cohorts"
      sizeLabel="Accounts"
      rows={rows}
      months={months}
      sizeOf={(r) => r.accounts}
      valuesOf={(r) => r.revenue}
      renderCell={(r, v, i) => (
        <Cell value={formatMoney(v)} raw={v} testid="revenue-cohort-cell" onOpen={() => open(r.cohort, i)} />
      )}
    />
  );
}

// ---------------------------------------------------------------- targets

function TargetsPanel({ open }) {
  const { data, error, loading } = useApi((opts) => analyticsApi('targets', {}, opts), []);
  const option = useMemo(() => {
    if (!data || !data.rows.length) return null;
    const rows = data.rows;
    return {
      animation: false,
      grid: { left: 8, right: 16, top: 34, bottom: 8, containLabel: true },
      legend: { top: 0 },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, formatter: axisTooltip((v) => formatInteger(v)) },
      xAxis: { type: 'category', data: rows.map((r) => `${r.month} ${r.metric}`) },
      yAxis: { type: 'value', name: '% of target' },
      series: [
        { type: 'bar', name: 'Actual', data: rows.map((r) => (r.target ? (r.actual / r.target) * 100 : 0)), color: '#2563eb' },
        { type: 'bar', name: 'Forecast', data: rows.map((r) => (r.target ? (r.forecast / r.target) * 100 : 0)), color: '#93c5fd' },
      ],
    };
  }, [data]);
  return (
    <section class="card" data-testid="panel-targets">
      <div class="card-header">
        <h2>Targets vs actual</h2>
        {data ? <span class="muted">as of {data.as_of}</span> : null}
      </div>
      {loading && !data ? <Loading label="Loading targets…" /> : null}
      {error ? <Banner error={error} title="Targets could not be loaded" /> : null}
      {data && !data.rows.length ? (
        <p class="muted" data-testid="no-targets">
          No monthly targets yet: store them with <code>mops report config targets.yaml</code>.
        </p>
      ) : null}
      {data && data.rows.length ? (
        <>
          <Chart
            option={option}
            testid="chart-targets"
            label="Actual and forecast as a share of target"
            height={260}
            onClick={(p) => {
              const r = data.rows[p.dataIndex];
              open({ report: 'targets', title: `${r.month} ${r.metric}`, params: { month: r.month, metric: r.metric } });
            }}
            csv={{
              header: ['month', 'metric', 'target', 'actual', 'expected_to_date', 'pacing', 'forecast', 'attainment'],
              rows: data.rows.map((r) => [r.month, r.metric, r.target, r.actual, r.expected_to_date, r.pacing, r.forecast, r.attainment]),
            }}
          />
          <table class="data-table" data-testid="targets-table">
            <thead>
              <tr>
                <th>Month</th>
                <th>Metric</th>
                <th class="num">Target</th>
                <th class="num">Actual</th>
                <th class="num">Pacing</th>
                <th class="num">Forecast</th>
              </tr>
            </thead>
            <tbody>
              {data.rows.map((r) => (
                <tr key={`${r.month}-${r.metric}`} data-testid="target-row">
                  <td>{r.month}</td>
                  <td>{r.metric}</td>
                  <td class="num">{formatInteger(r.target)}</td>
                  <td class="num">
                    <Cell value={formatInteger(r.actual)} raw={r.actual} testid="target-actual" onOpen={() => open({ report: 'targets', title: `${r.month} ${r.metric}`, params: { month: r.month, metric: r.metric } })} />
                  </td>
                  <td class="num">{pct(r.pacing)}</td>
                  <td class="num">{formatInteger(r.forecast)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </section>
  );
}

// ---------------------------------------------------------------- page

function Filters({ params, setParams }) {
  const [draft, setDraft] = useState(params);
  useEffect(() => setDraft(params), [JSON.stringify(params)]);
  const field = (key) => ({
    value: draft[key],
    onInput: (e) => setDraft({ ...draft, [key]: e.currentTarget.value }),
  });
  return (
    <form
      class="card filters-bar"
      data-testid="filters"
      onSubmit={(e) => {
        e.preventDefault();
        setParams(draft);
      }}
    >
      <label class="field-inline">
        From <input type="date" {...field('from')} data-testid="filter-from" />
      </label>
      <label class="field-inline">
        To <input type="date" {...field('to')} data-testid="filter-to" />
      </label>
      <label class="field-inline wide">
        Funnel steps <input type="text" {...field('steps')} data-testid="filter-steps" />
      </label>
      <label class="field-inline">
        Order
        <select value={draft.order} onChange={(e) => setDraft({ ...draft, order: e.currentTarget.value })} data-testid="filter-order">
          <option value="ordered">ordered</option>
          <option value="strict">strict</option>
          <option value="any">any order</option>
        </select>
      </label>
      <label class="field-inline" title="Count a lifecycle stage a contact skipped (lead straight to opportunity) as done when it entered a later one">
        Skipped stages
        <select value={draft.skipped} onChange={(e) => setDraft({ ...draft, skipped: e.currentTarget.value })} data-testid="filter-skipped">
          <option value="ignore">not counted</option>
          <option value="count">counted</option>
        </select>
      </label>
      <label class="field-inline">
        Window (days) <input type="number" min="1" {...field('window')} data-testid="filter-window" />
      </label>
      <label class="field-inline">
        Breakdown
        <select value={draft.breakdown} onChange={(e) => setDraft({ ...draft, breakdown: e.currentTarget.value })} data-testid="filter-breakdown">
          {BREAKDOWNS.map((b) => (
            <option key={b} value={b}>
              {b ? humanize(b) : 'none'}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" class="btn btn-primary btn-small" data-testid="apply-filters">
        Apply
      </button>
    </form>
  );
}

function AnalyticsPage() {
  const [params, setParamsState] = useState(readHash);
  const [drill, setDrill] = useState(null);
  useEffect(() => {
    const onChange = () => setParamsState(readHash());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  const setParams = (next) => {
    writeHash(next);
    setParamsState(next);
  };
  return (
    <section class="page analytics-page" data-testid="page-analytics">
      <header class="page-header">
        <div>
          <h1>Analytics</h1>
          <p class="page-subtitle">Funnel, velocity, channel performance, CAC, cohorts and targets. Click any figure for the records behind it.</p>
        </div>
      </header>
      <Filters params={params} setParams={setParams} />
      {drill ? <DrillPanel drill={drill} onClose={() => setDrill(null)} /> : null}
      <div class="panel-grid">
        <FunnelPanel params={params} open={setDrill} />
        <VelocityPanel params={params} setParams={setParams} open={setDrill} />
      </div>
      <ChannelsPanel params={params} setParams={setParams} open={setDrill} />
      <div class="panel-grid">
        <CacPanel params={params} open={setDrill} />
        <CohortPanel params={params} setParams={setParams} open={setDrill} />
      </div>
      <TargetsPanel open={setDrill} />
    </section>
  );
}

export default {
  id: 'analytics',
  title: 'Analytics',
  icon: 'analytics',
  summary: 'Funnel, velocity, channel performance, CAC, cohorts and targets.',
  component: AnalyticsPage,
};
