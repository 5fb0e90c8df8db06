// Tech stack: inventory, capability overlap, integration map, renewals, cost and
// the audit's findings. Every figure comes from /api/v1/stack/...; the page
// passes its "as of" date and stage to each call so that all panels agree.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { get } from '../api.js';
import { useApi } from '../hooks.js';
import { formatInteger, formatMoney, humanize } from '../format.js';
import { axisTooltip, tooltip } from '../escape.js';
import { Banner } from '../components/Banner.jsx';
import { Loading } from '../components/Loading.jsx';
import { ChoiceSelect } from '../components/ChoiceSelect.jsx';
import { Icon } from '../components/icons.jsx';
import { DiscoveryPanel } from '../components/DiscoveryPanel.jsx';
import './stack.css';

const STAGES = ['seed', 'growth', 'scale'];
const SEVERITY_RANK = { high: 0, medium: 1, low: 2 };
const WINDOW_COLORS = { 30: '#dc2626', 60: '#f59e0b', 90: '#eab308', 120: '#3b82f6', 0: '#94a3b8' };

function todayIso() {
  return new Date().toISOString().slice(0, 10);
}

// "#/stack?as_of=2026-06-30&stage=scale&budget=1500000" -> {as_of, stage, budget}
function hashParams() {
  const q = window.location.hash.split('?')[1] || '';
  const p = new URLSearchParams(q);
  return { as_of: p.get('as_of') || todayIso(), stage: p.get('stage') || 'growth', budget: p.get('budget') || '' };
}

function setHashParams(params) {
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== '')).toString();
  const next = `#/stack?${q}`;
  if (window.location.hash !== next) history.replaceState(null, '', next);
}

// Whole days from one YYYY-MM-DD date to another.
function daysBetween(from, to) {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

function stackApi(path, params, opts) {
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== '')).toString();
  return get(`/api/v1/stack/${path}?${q}`, opts);
}

// One ECharts canvas; data-rendered="true" once ECharts reports 'finished'.
// The chart lives as long as the component: a new option replaces the old one
// in place (disposing mid-layout would leave the force layout running on a dead
// chart).
function Chart({ option, testid, height = 360, label }) {
  const ref = useRef(null);
  const chartRef = useRef(null);
  const [error, setError] = useState(null);
  const [ready, setReady] = useState(false);
  useEffect(() => {
    const el = ref.current;
    let observer = null;
    let cancelled = false;
    import('../charts/stack-charts.js').then(
      ({ echarts }) => {
        if (cancelled) return;
        const chart = echarts.init(el, null, { renderer: 'canvas' });
        chart.on('finished', () => el.setAttribute('data-rendered', 'true'));
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
  return (
    <div class="chart-wrap">
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

function Severity({ value }) {
  return <span class={`sev sev-${value}`}>{value}</span>;
}

function SummaryCard({ label, value, hint, testid, raw, tone }) {
  return (
    <div class={`card stat-card ${tone ? `money-${tone}` : ''}`} data-testid={testid} data-value={String(raw ?? '')}>
      <div class="stat-label">{label}</div>
      <div class="stat-value">{value}</div>
      {hint ? <div class="stat-hint">{hint}</div> : null}
    </div>
  );
}

// ---------------------------------------------------------------- inventory

const INVENTORY_COLUMNS = [
  { key: 'name', label: 'Tool' },
  { key: 'category', label: 'Category' },
  { key: 'owner', label: 'Owner' },
  { key: 'annual_cost', label: 'Annual cost', numeric: true },
  { key: 'seats', label: 'Seats', numeric: true },
  { key: 'utilization', label: 'Utilization', numeric: true },
  { key: 'notice_deadline', label: 'Notice by' },
  { key: 'renewal_date', label: 'Renewal' },
  { key: 'status', label: 'Status' },
];

function InventoryTable({ tools, currency }) {
  const [sort, setSort] = useState({ key: 'annual_cost', dir: -1 });
  const rows = useMemo(() => {
    const copy = [...tools];
    copy.sort((a, b) => {
      const x = a[sort.key];
      const y = b[sort.key];
      if (x === y) return a.name.localeCompare(b.name);
      if (x === null || x === undefined || x === '') return 1;
      if (y === null || y === undefined || y === '') return -1;
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return c * sort.dir;
    });
    return copy;
  }, [tools, sort]);
  const toggle = (key) =>
    setSort((s) => (s.key === key ? { key, dir: -s.dir } : { key, dir: key === 'name' || key === 'category' || key === 'owner' ? 1 : -1 }));
  return (
    <div class="table-scroll">
      <table class="data-table" data-testid="inventory-table">
        <thead>
          <tr>
            {INVENTORY_COLUMNS.map((c) => (
              <th
                key={c.key}
                class={c.numeric ? 'num' : ''}
                aria-sort={sort.key === c.key ? (sort.dir > 0 ? 'ascending' : 'descending') : 'none'}
              >
                <button type="button" class="sort-button" onClick={() => toggle(c.key)} data-testid={`sort-${c.key}`}>
                  {c.label}
                  {sort.key === c.key ? (sort.dir > 0 ? ' ▲' : ' ▼') : ''}
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((t) => (
            <tr key={t.id} data-testid="inventory-row" data-tool={t.name} data-cost={String(t.annual_cost)}>
              <td>
                <strong>{t.name}</strong>
                {t.vendor ? <div class="muted small">{t.vendor}</div> : null}
              </td>
              <td>
                {t.category}
                {t.capabilities.length ? <div class="muted small">{t.capabilities.join(', ')}</div> : null}
              </td>
              <td>{t.owner}</td>
              <td class="num">{formatMoney(t.annual_cost, t.currency || currency)}</td>
              <td class="num">{t.seats == null ? '–' : `${formatInteger(t.active_seats ?? 0)} / ${formatInteger(t.seats)}`}</td>
              <td class="num">
                {t.utilization == null ? (
                  '–'
                ) : (
                  <span class={t.underused ? 'util util-low' : 'util'}>
                    <span class="util-bar" style={{ width: `${Math.round(t.utilization * 100)}%` }} />
                    <span class="util-text">{Math.round(t.utilization * 100)}%</span>
                  </span>
                )}
              </td>
              <td class="date">{t.notice_deadline ?? '–'}</td>
              <td class="date">
                {t.renewal_date ?? '–'}
                {t.auto_renew ? <span class="tag">auto</span> : null}
              </td>
              <td>
                <span class={`tag status-${t.status}`}>{t.status}</span>
                {!t.reaches_crm && t.status === 'active' ? <span class="tag tag-danger">island</span> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

// ---------------------------------------------------------------- charts

function overlapOption(overlap) {
  // Rows: capabilities with at least two tools first (the redundancies).
  const counts = overlap.cells.map((row) => row.filter((v) => v > 0).length);
  const order = overlap.capabilities.map((_, i) => i).sort((a, b) => counts[b] - counts[a] || a - b);
  const rows = order.filter((i) => counts[i] > 0);
  const labels = rows.map((i) => overlap.capabilities[i].label);
  const data = [];
  rows.forEach((i, y) => {
    overlap.cells[i].forEach((v, x) => {
      data.push([x, y, v === 0 ? null : v + (counts[i] >= 2 ? 2 : 0)]);
    });
  });
  return {
    animation: false,
    textStyle: { fontFamily: 'inherit' },
    grid: { left: 8, right: 16, top: 8, bottom: 8, containLabel: true },
    tooltip: {
      formatter: (p) => {
        const [x, y, v] = p.data;
        if (v == null) return '';
        const role = v % 2 === 0 ? 'primary capability' : 'also covers it';
        return tooltip({ title: overlap.tools[x], lines: [`${labels[y]}: ${role}${v > 2 ? ' (overlap)' : ''}`] });
      },
    },
    xAxis: { type: 'category', data: overlap.tools, axisLabel: { rotate: 40, color: '#475569', fontSize: 11 }, splitArea: { show: true } },
    yAxis: { type: 'category', data: labels, inverse: true, axisLabel: { color: '#475569', fontSize: 11 }, splitArea: { show: true } },
    visualMap: {
      type: 'piecewise',
      dimension: 2,
      orient: 'horizontal',
      top: 'auto',
      bottom: 0,
      left: 'center',
      show: false,
      pieces: [
        { value: 1, color: '#bfdbfe', label: 'covers' },
        { value: 2, color: '#3b82f6', label: 'primary' },
        { value: 3, color: '#fed7aa', label: 'covers (overlap)' },
        { value: 4, color: '#ea580c', label: 'primary (overlap)' },
      ],
    },
    series: [{ type: 'heatmap', data, itemStyle: { borderColor: '#fff', borderWidth: 1 } }],
  };
}

// Rings around the CRM by hops (a force layout keeps animating and reflows
// on every resize); tools without a path to the CRM sit on the outer ring.
function ringPositions(graph) {
  const names = graph.nodes.map((n) => n.name);
  const adjacent = new Map(names.map((n) => [n, []]));
  for (const e of graph.edges) {
    if (!e.resolved || !adjacent.has(e.from) || !adjacent.has(e.to)) continue;
    adjacent.get(e.from).push(e.to);
    adjacent.get(e.to).push(e.from);
  }
  const depth = new Map();
  const crm = graph.nodes.find((n) => n.crm)?.name;
  if (crm) {
    depth.set(crm, 0);
    const queue = [crm];
    while (queue.length) {
      const n = queue.shift();
      for (const m of adjacent.get(n)) {
        if (!depth.has(m)) {
          depth.set(m, depth.get(n) + 1);
          queue.push(m);
        }
      }
    }
  }
  const maxDepth = Math.max(0, ...depth.values());
  const rings = new Map();
  for (const n of names) {
    const d = depth.has(n) ? depth.get(n) : maxDepth + 1;
    if (!rings.has(d)) rings.set(d, []);
    rings.get(d).push(n);
  }
  const pos = new Map();
  for (const [d, members] of rings) {
    const radius = d * 170;
    // Odd rings start at 45 degrees: a lone tool beside the CRM then sits
    // off its horizontal line (on it, the layout's box had no height and
    // the chart drew both nodes as tall bars).
    const offset = d % 2 ? Math.PI / 4 : Math.PI / members.length;
    members.forEach((n, i) => {
      const a = offset + (2 * Math.PI * i) / members.length;
      pos.set(n, [Math.round(radius * Math.cos(a)), Math.round(radius * Math.sin(a))]);
    });
  }
  return pos;
}

function graphOption(graph) {
  const pos = ringPositions(graph);
  const nodes = graph.nodes.map((n) => ({
    id: n.name,
    name: n.name,
    x: pos.get(n.name)[0],
    y: pos.get(n.name)[1],
    value: n.annual_cost,
    symbolSize: n.crm ? 46 : 14 + Math.min(22, Math.sqrt(n.annual_cost || 0) / 12),
    category: n.crm ? 0 : n.island ? 2 : n.status !== 'active' ? 3 : 1,
    label: { show: true, position: 'right', fontSize: 11, color: n.island ? '#b91c1c' : '#334155' },
  }));
  const present = new Set(nodes.map((n) => n.id));
  const edges = graph.edges
    .filter((e) => e.resolved && present.has(e.from) && present.has(e.to))
    .map((e) => ({
      source: e.from,
      target: e.to,
      value: (e.objects || []).join(', '),
      lineStyle: {
        color: e.problem === 'failing' ? '#dc2626' : e.problem === 'stale' ? '#f59e0b' : '#94a3b8',
        type: e.problem === 'stale' ? 'dashed' : 'solid',
        width: e.problem ? 2.5 : 1.5,
        curveness: 0.08,
      },
      symbol: e.direction === 'two_way' ? ['arrow', 'arrow'] : ['none', 'arrow'],
      symbolSize: 7,
    }));
  return {
    animation: false,
    textStyle: { fontFamily: 'inherit' },
    tooltip: {
      formatter: (p) =>
        p.dataType === 'edge'
          ? tooltip({ title: `${p.data.source} → ${p.data.target}`, lines: p.data.value ? [p.data.value] : [] })
          : tooltip({ title: p.name }),
    },
    legend: { top: 0, left: 0, data: ['CRM', 'Connected', 'Island', 'Not active'] },
    series: [
      {
        type: 'graph',
        layout: 'none',
        top: 40,
        bottom: 20,
        left: 40,
        right: 160,
        categories: [
          { name: 'CRM', itemStyle: { color: '#1d4ed8' } },
          { name: 'Connected', itemStyle: { color: '#60a5fa' } },
          { name: 'Island', itemStyle: { color: '#dc2626' } },
          { name: 'Not active', itemStyle: { color: '#cbd5e1' } },
        ],
        data: nodes,
        links: edges,
        emphasis: { focus: 'adjacency' },
      },
    ],
  };
}

function renewalOption(renewals) {
  // A bar from the notice deadline to the renewal date, in days from "as of".
  const rows = renewals.renewals.filter((r) => r.days_to_renewal >= 0).slice().reverse();
  const names = rows.map((r) => r.tool);
  const gap = rows.map((r) => Math.max(0, r.days_to_deadline));
  const notice = rows.map((r) => ({
    value: r.days_to_renewal - Math.max(0, r.days_to_deadline),
    itemStyle: { color: WINDOW_COLORS[r.window] ?? '#94a3b8' },
    renewal: r,
  }));
  return {
    animationDuration: 300,
    textStyle: { fontFamily: 'inherit' },
    grid: { left: 8, right: 24, top: 16, bottom: 8, containLabel: true },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      formatter: (ps) => {
        const p = ps.find((x) => x.seriesIndex === 1);
        const r = p?.data?.renewal;
        if (!r) return '';
        return tooltip({
          title: r.tool,
          lines: [
            `notice by ${r.notice_deadline} (${r.days_to_deadline} days)`,
            `renews ${r.renewal_date}${r.auto_renew ? ' automatically' : ''}`,
          ],
        });
      },
    },
    xAxis: {
      type: 'value',
      name: 'days from today',
      nameLocation: 'middle',
      nameGap: 24,
      axisLabel: { color: '#64748b' },
      splitLine: { lineStyle: { color: '#e2e8f0' } },
    },
    yAxis: { type: 'category', data: names, axisLabel: { color: '#334155', fontSize: 11 } },
    series: [
      { type: 'bar', stack: 'r', data: gap, itemStyle: { color: 'transparent' }, silent: true, barMaxWidth: 14 },
      {
        type: 'bar',
        stack: 'r',
        data: notice,
        barMaxWidth: 14,
        markLine: {
          symbol: 'none',
          silent: true,
          lineStyle: { color: '#dc2626', type: 'dashed' },
          label: { formatter: '{b}', color: '#64748b' },
          data: [30, 60, 90, 120].map((d) => ({ xAxis: d, name: `${d}d` })),
        },
      },
    ],
  };
}

function costOption(cost) {
  const lines = cost.by_category.slice().reverse();
  return {
    animationDuration: 300,
    textStyle: { fontFamily: 'inherit' },
    grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, formatter: axisTooltip((v) => formatMoney(v, cost.currency)) },
    xAxis: { type: 'value', minInterval: 1, axisLabel: { color: '#64748b', formatter: (v) => formatMoney(v, cost.currency) } },
    yAxis: { type: 'category', data: lines.map((l) => l.name), axisLabel: { color: '#334155', fontSize: 11 } },
    series: [
      {
        type: 'bar',
        data: lines.map((l) => l.annual_cost),
        itemStyle: { color: '#6366f1' },
        barMaxWidth: 18,
        label: { show: true, position: 'right', formatter: (p) => formatMoney(p.value, cost.currency), fontSize: 11 },
      },
    ],
  };
}

// ---------------------------------------------------------------- findings

function Findings({ audit }) {
  const [kind, setKind] = useState('all');
  const kinds = Object.keys(audit.summary.by_kind ?? {});
  const rows = audit.findings.filter((f) => kind === 'all' || f.kind === kind);
  const currency = audit.summary.currency;
  return (
    <>
      <div class="filters" role="group" aria-label="Filter findings">
        {['all', ...kinds].map((k) => (
          <button
            type="button"
            key={k}
            class={`btn btn-small ${kind === k ? 'btn-primary' : 'btn-secondary'}`}
            onClick={() => setKind(k)}
            data-testid={`filter-${k}`}
          >
            {k === 'all' ? `All (${audit.findings.length})` : `${humanize(k)} (${audit.summary.by_kind[k]})`}
          </button>
        ))}
      </div>
      <div class="table-scroll tall">
        <table class="data-table" data-testid="findings-table">
          <thead>
            <tr>
              <th>Severity</th>
              <th>Finding</th>
              <th>Tools</th>
              <th>Evidence</th>
              <th>Action</th>
              <th class="num">Annual impact</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((f, i) => (
              <tr key={i} data-testid="finding-row" data-kind={f.kind} data-impact={String(f.annual_impact)}>
                <td>
                  <Severity value={f.severity} />
                </td>
                <td>{humanize(f.kind)}</td>
                <td>{f.tools.join(', ')}</td>
                <td class="evidence">{f.evidence}</td>
                <td class="action">
                  <strong>{f.action}</strong>
                  <div class="muted small">{f.recommendation}</div>
                </td>
                <td class={`num ${f.annual_impact > 0 ? 'impact-saving' : f.annual_impact < 0 ? 'impact-cost' : ''}`}>
                  {f.annual_impact === 0 ? '–' : formatMoney(f.annual_impact, currency)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

// ---------------------------------------------------------------- page

function Panel({ title, aside, children, testid }) {
  return (
    <div class="card chart-card" data-testid={testid}>
      <div class="card-header">
        <h2>{title}</h2>
        {aside ? <span class="muted">{aside}</span> : null}
      </div>
      {children}
    </div>
  );
}

function useStack(path, params) {
  return useApi((opts) => stackApi(path, params, opts), [path, params.as_of, params.stage, params.budget]);
}

function StackPage() {
  const [params, setState] = useState(hashParams);
  // The address keeps what the user chose, so a link reopens the same view.
  const setParams = (next) => {
    setState(next);
    setHashParams(next);
  };
  const audit = useStack('audit', params);
  const tools = useStack('tools', params);
  const overlap = useStack('overlap', params);
  const graph = useStack('graph', params);
  const renewals = useStack('renewals', params);
  const all = [audit, tools, overlap, graph, renewals];
  const loading = all.some((x) => x.loading);
  const error = all.find((x) => x.error)?.error;

  const overlapOpt = useMemo(() => (overlap.data ? overlapOption(overlap.data) : null), [overlap.data]);
  const graphOpt = useMemo(() => (graph.data ? graphOption(graph.data) : null), [graph.data]);
  const renewalOpt = useMemo(() => (renewals.data ? renewalOption(renewals.data) : null), [renewals.data]);
  const costOpt = useMemo(() => (audit.data ? costOption(audit.data.cost) : null), [audit.data]);

  // The date of the newest sync: a workspace loaded from old exports (the
  // demo company) is better audited as of its own date than as of today.
  // The data is current up to its newest sync, so it is audited as of the
  // day after.
  const [syncDate, dataDate] = useMemo(() => {
    const times = (graph.data?.edges ?? []).map((e) => e.last_sync_at).filter(Boolean).sort();
    if (!times.length) return [null, null];
    const newest = times[times.length - 1];
    return [newest.slice(0, 10), new Date(Date.parse(newest) + 86_400_000).toISOString().slice(0, 10)];
  }, [graph.data]);

  const a = audit.data;
  const currency = a?.summary?.currency ?? 'USD';
  const activeTools = tools.data ? tools.data.tools.filter((t) => t.status === 'active').length : null;
  const nextDeadline = renewals.data?.renewals.find((r) => r.days_to_deadline >= 0);
  const overlapRows = overlap.data ? overlap.data.cells.filter((r) => r.some((v) => v > 0)).length : 0;

  return (
    <section class="page stack-page" data-testid="page-stack">
      <header class="page-header">
        <div>
          <h1>Tech stack</h1>
          <p class="page-subtitle">Tools, costs, overlap, integrations and renewals, audited.</p>
        </div>
        <div class="toolbar">
          <label class="field-inline">
            As of
            <input
              type="date"
              value={params.as_of}
              data-testid="as-of"
              onChange={(e) => e.currentTarget.value && setParams({ ...params, as_of: e.currentTarget.value })}
            />
          </label>
          <label class="field-inline">
            Stage
            <ChoiceSelect values={STAGES} value={params.stage} data-testid="stage" onChange={(stage) => setParams({ ...params, stage })} />
          </label>
          <label class="field-inline">
            Marketing budget
            <input
              type="number"
              min="0"
              step="1000"
              placeholder="per year"
              value={params.budget}
              data-testid="budget"
              style={{ width: '9em' }}
              onChange={(e) => setParams({ ...params, budget: e.currentTarget.value.trim() })}
            />
          </label>
          <button type="button" class="btn btn-secondary" onClick={() => all.forEach((x) => x.reload())} disabled={loading} data-testid="refresh">
            <Icon name="refresh" size={16} />
            {loading ? 'Loading…' : 'Refresh'}
          </button>
        </div>
      </header>

      {error ? <Banner error={error} title="Could not load the stack" onRetry={() => all.forEach((x) => x.reload())} /> : null}

      {dataDate && daysBetween(dataDate, params.as_of) > 30 ? (
        <div class="card data-date" data-testid="data-date-hint">
          <span>
            The newest sync in this workspace is from <strong>{syncDate}</strong>, {daysBetween(syncDate, params.as_of)} days
            before {params.as_of}: syncs look stale and renewals past. Audit the stack as of the data's date?
          </span>
          <button type="button" class="btn btn-small btn-primary" onClick={() => setParams({ ...params, as_of: dataDate })} data-testid="use-data-date">
            Audit as of {dataDate}
          </button>
        </div>
      ) : null}

      {a && tools.data ? (
        <div class="card-grid card-grid-counts" data-testid="stack-summary">
          <SummaryCard label="Active tools" value={formatInteger(activeTools)} raw={activeTools} testid="summary-tools" hint={`${tools.data.tools.length} in the inventory`} />
          <SummaryCard label="Annual cost" value={formatMoney(a.cost.total, currency)} raw={a.cost.total} testid="summary-cost" hint={a.cost.budget_share != null ? `${(a.cost.budget_share * 100).toFixed(1)}% of budget` : `${formatMoney(a.cost.per_active_seat, currency)} per active seat`} />
          <SummaryCard label="Estimated saving" value={formatMoney(a.summary.total_saving, currency)} raw={a.summary.total_saving} testid="summary-saving" tone="won" hint="per year" />
          <SummaryCard label="Findings" value={formatInteger(a.summary.findings)} raw={a.summary.findings} testid="summary-findings" hint={`${a.summary.by_severity.high ?? 0} high`} />
          <SummaryCard
            label="Next notice deadline"
            value={nextDeadline ? `${nextDeadline.days_to_deadline} days` : '–'}
            raw={nextDeadline?.days_to_deadline}
            testid="summary-deadline"
            hint={nextDeadline ? `${nextDeadline.tool}, ${nextDeadline.notice_deadline}` : 'none ahead'}
          />
        </div>
      ) : loading ? (
        <Loading label="Auditing the stack…" />
      ) : null}

      {a ? (
        <Panel title="Audit findings" aside={`as of ${a.as_of}, ${a.stage}-stage reference`} testid="panel-findings">
          {a.findings.length ? <Findings audit={a} /> : <div class="empty-state"><p>No findings</p></div>}
        </Panel>
      ) : null}

      {tools.data ? (
        <Panel title="Inventory" aside={`${tools.data.tools.length} tools; click a column to sort`} testid="panel-inventory">
          {tools.data.tools.length ? (
            <InventoryTable tools={tools.data.tools} currency={currency} />
          ) : (
            <div class="empty-state">
              <p>No tools yet</p>
              <p class="muted">
                Import them with <code>mops stack import tools tools.csv</code>.
              </p>
            </div>
          )}
        </Panel>
      ) : null}

      {overlapOpt && overlap.data.tools.length ? (
        <Panel title="Capability overlap" aside={`${overlap.data.redundancies.length} capabilities covered twice or more`} testid="panel-overlap">
          <Chart option={overlapOpt} testid="chart-overlap" height={Math.max(320, overlapRows * 20 + 110)} label="Capability by tool overlap heatmap" />
        </Panel>
      ) : null}
      {graphOpt && graph.data.nodes.length ? (
        <Panel
          title="Integration map"
          aside={graph.data.islands.length ? `islands: ${graph.data.islands.join(', ')}` : 'every tool reaches the CRM'}
          testid="panel-graph"
        >
          <Chart option={graphOpt} testid="chart-graph" height={520} label="Integration graph" />
          {graph.data.islands.length ? (
            <ul class="island-list" data-testid="islands">
              {graph.data.islands.map((n) => (
                <li key={n}>{n}</li>
              ))}
            </ul>
          ) : null}
        </Panel>
      ) : null}
      <div class="panel-grid">
        {renewalOpt && renewals.data.renewals.length ? (
          <Panel title="Renewal timeline" aside="bar: notice deadline to renewal; lines: 30/60/90/120-day windows" testid="panel-renewals">
            <Chart option={renewalOpt} testid="chart-renewals" height={Math.max(280, renewals.data.renewals.length * 24 + 60)} label="Renewal timeline" />
          </Panel>
        ) : null}
        {costOpt && a.cost.by_category.length ? (
          <Panel title="Cost by category" aside={`${formatMoney(a.cost.total, currency)} a year`} testid="panel-cost">
            {a.cost.total > 0 ? (
              <Chart option={costOpt} testid="chart-cost" height={Math.max(280, a.cost.by_category.length * 26 + 40)} label="Annual cost by category" />
            ) : (
              <p class="muted" data-testid="cost-empty">
                No tool has an annual cost: import the tool inventory with costs (mops stack import tools FILE).
              </p>
            )}
          </Panel>
        ) : null}
      </div>
      <DiscoveryPanel asOf={params.as_of} />
    </section>
  );
}

export default {
  id: 'stack',
  title: 'Tech stack',
  icon: 'stack',
  summary: 'Tools, costs, overlap, integrations and renewals.',
  component: StackPage,
};
