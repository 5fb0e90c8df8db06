import { useMemo, useState } from 'preact/hooks';
import { api } from '../api.js';
import { useApi } from '../hooks.js';
import { formatInteger, formatMoney, humanize } from '../format.js';
import { axisTooltip } from '../escape.js';
import { Banner } from '../components/Banner.jsx';
import { Loading } from '../components/Loading.jsx';
import { EChart } from '../components/EChart.jsx';
import { ChannelRulesPanel } from '../components/ChannelRulesPanel.jsx';
import { channelColor, channelLabel } from '../charts/channels.js';

const MODELS = [
  'first_touch',
  'last_touch',
  'last_non_direct',
  'linear',
  'time_decay',
  'position_based',
  'w_shaped',
  'full_path',
  'custom',
  'markov',
  'shapley',
];
const MODEL_COLORS = [
  '#1d4ed8', '#0891b2', '#0d9488', '#16a34a', '#65a30d', '#ca8a04',
  '#ea580c', '#dc2626', '#db2777', '#7c3aed', '#4f46e5',
];
const CONVERSIONS = [
  { id: 'created', label: 'Pipeline (opportunity created)' },
  { id: 'won', label: 'Revenue (closed won)' },
  { id: 'lead', label: 'Leads created' },
  { id: 'mql', label: 'MQLs' },
];
const isMoney = (conversion) => conversion === 'created' || conversion === 'won';

// Runs the models for the filters; a token that may not run them (viewer)
// reads the newest stored run of that conversion instead.
async function loadRun(filters, conversion, opts) {
  const body = {
    conversion,
    journey: filters.journey,
    lookback_days: Number(filters.lookback),
    from: filters.from || null,
    to: filters.to || null,
  };
  try {
    return await api.attributionRun(body, opts);
  } catch (e) {
    if (e.status !== 403) throw e;
    const runs = await api.attributionRuns(opts);
    const match = (runs.items ?? []).find((r) => r.conversion === conversion);
    if (!match) throw e;
    return api.attributionRunById(match.id, opts);
  }
}

// results -> {dimension: {key: {model: {conversions, value}}}}
function pivot(run) {
  const out = {};
  for (const r of run?.results ?? []) {
    const dim = (out[r.dimension] ??= {});
    const key = (dim[r.key] ??= {});
    key[r.model] = { conversions: r.conversions, value: r.value };
  }
  return out;
}

function metricOf(cell, money) {
  if (!cell) return 0;
  return money ? cell.value : cell.conversions;
}

function formatMetric(v, money) {
  return money ? formatMoney(v) : Number(v).toLocaleString('en-US', { maximumFractionDigits: 1 });
}

function modelsChartOption(run, money) {
  const byChannel = pivot(run).channel ?? {};
  const models = MODELS.filter((m) => run.models.split(',').includes(m));
  const channels = Object.keys(byChannel).sort(
    (a, b) => metricOf(byChannel[b].linear, money) - metricOf(byChannel[a].linear, money),
  );
  return {
    animationDuration: 300,
    textStyle: { fontFamily: 'inherit' },
    grid: { left: 8, right: 16, top: 64, bottom: 8, containLabel: true },
    legend: { type: 'scroll', top: 0, left: 0, itemWidth: 12, itemHeight: 12 },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      formatter: axisTooltip((v) => formatMetric(v, money)),
    },
    xAxis: {
      type: 'category',
      data: channels.map(channelLabel),
      axisLabel: { rotate: 30, color: '#64748b', hideOverlap: false, interval: 0 },
    },
    yAxis: {
      type: 'value',
      axisLabel: { color: '#64748b', formatter: (v) => (money ? formatMoney(v) : formatInteger(v)) },
      splitLine: { lineStyle: { color: '#e2e8f0' } },
    },
    series: models.map((m, i) => ({
      name: humanize(m),
      type: 'bar',
      barMaxWidth: 10,
      itemStyle: { color: MODEL_COLORS[i % MODEL_COLORS.length] },
      data: channels.map((c) => ({ value: metricOf(byChannel[c][m], money), channel: c, model: m })),
    })),
  };
}

function campaignChartOption(pipelineRun, revenueRun, model, money) {
  const pipeline = pivot(pipelineRun).campaign ?? {};
  const revenue = revenueRun ? pivot(revenueRun).campaign ?? {} : {};
  const keys = new Set([...Object.keys(pipeline), ...Object.keys(revenue)]);
  keys.delete('(none)');
  keys.delete('(unattributed)');
  const rows = [...keys]
    .map((k) => ({
      key: k,
      pipeline: metricOf(pipeline[k]?.[model], money),
      revenue: metricOf(revenue[k]?.[model], money),
    }))
    .sort((a, b) => b.pipeline + b.revenue - (a.pipeline + a.revenue))
    .slice(0, 15)
    .reverse();
  if (rows.length === 0) return null;  // no touch with a campaign got credit
  const series = [
    {
      name: revenueRun ? 'Pipeline' : 'Credit',
      type: 'bar',
      itemStyle: { color: '#2563eb' },
      data: rows.map((r) => r.pipeline),
    },
  ];
  if (revenueRun) {
    series.push({ name: 'Revenue', type: 'bar', itemStyle: { color: '#16a34a' }, data: rows.map((r) => r.revenue) });
  }
  return {
    animationDuration: 300,
    textStyle: { fontFamily: 'inherit' },
    grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
    legend: { top: 0, left: 0 },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, formatter: axisTooltip((v) => formatMetric(v, money)) },
    xAxis: { type: 'value', axisLabel: { formatter: (v) => (money ? formatMoney(v) : formatInteger(v)) } },
    yAxis: {
      type: 'category',
      data: rows.map((r) => r.key),
      axisLabel: { width: 220, overflow: 'truncate', color: '#334155' },
    },
    series,
  };
}

function sourcedChartOption(si) {
  const rows = (si?.channels ?? []).filter((r) => r.sourced_value > 0 || r.influenced_value > 0);
  rows.sort((a, b) => b.influenced_value - a.influenced_value);
  return {
    animationDuration: 300,
    textStyle: { fontFamily: 'inherit' },
    grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
    legend: { top: 0, left: 0 },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, formatter: axisTooltip((v) => formatMoney(v)) },
    xAxis: {
      type: 'category',
      data: rows.map((r) => channelLabel(r.channel)),
      axisLabel: { rotate: 30, interval: 0, color: '#64748b' },
    },
    yAxis: { type: 'value', axisLabel: { formatter: (v) => formatMoney(v) } },
    series: [
      {
        name: 'Sourced',
        type: 'bar',
        data: rows.map((r, i) => ({ value: r.sourced_value, itemStyle: { color: channelColor(r.channel, i) } })),
      },
      {
        name: 'Influenced',
        type: 'bar',
        itemStyle: { color: '#94a3b8' },
        data: rows.map((r) => r.influenced_value),
      },
    ],
  };
}

function Filters({ filters, setFilters, busy, onRun }) {
  const set = (key) => (e) => setFilters({ ...filters, [key]: e.currentTarget.value });
  return (
    <div class="card filters" data-testid="attribution-filters">
      <label>
        Conversion
        <select value={filters.conversion} onChange={set('conversion')} data-testid="filter-conversion">
          {CONVERSIONS.map((c) => (
            <option value={c.id}>{c.label}</option>
          ))}
        </select>
      </label>
      <label>
        Model (campaigns, drill-down)
        <select value={filters.model} onChange={set('model')} data-testid="filter-model">
          {MODELS.map((m) => (
            <option value={m}>{humanize(m)}</option>
          ))}
        </select>
      </label>
      <label>
        Journey
        <select value={filters.journey} onChange={set('journey')} data-testid="filter-journey">
          <option value="roles">Contact roles</option>
          <option value="account">Whole account</option>
        </select>
      </label>
      <label>
        Lookback window
        <select value={filters.lookback} onChange={set('lookback')} data-testid="filter-lookback">
          {[30, 60, 90, 180, 365].map((d) => (
            <option value={String(d)}>{d} days</option>
          ))}
        </select>
      </label>
      <label>
        From
        <input type="date" value={filters.from} onChange={set('from')} data-testid="filter-from" />
      </label>
      <label>
        To
        <input type="date" value={filters.to} onChange={set('to')} data-testid="filter-to" />
      </label>
      <button type="button" class="btn btn-primary" onClick={onRun} disabled={busy} data-testid="run">
        {busy ? 'Running…' : 'Run models'}
      </button>
    </div>
  );
}

// The figures behind the grouped bars; a cell opens the drill-down.
function CreditTable({ run, money, onSelect }) {
  const byChannel = pivot(run).channel ?? {};
  const models = MODELS.filter((m) => run.models.split(',').includes(m));
  const channels = Object.keys(byChannel).sort(
    (a, b) => metricOf(byChannel[b].linear, money) - metricOf(byChannel[a].linear, money),
  );
  const short = (v) =>
    money
      ? formatMoney(v)
      : Number(v).toLocaleString('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 });
  return (
    <div class="table-scroll">
      <table class="table table-compact" data-testid="credit-table">
        <thead>
          <tr>
            <th>Channel</th>
            {models.map((m) => (
              <th class="num">{humanize(m)}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {channels.map((c) => (
            <tr>
              <td>{channelLabel(c)}</td>
              {models.map((m) => (
                <td class="num">
                  <button
                    type="button"
                    class="link-button"
                    data-testid={`credit-${c}-${m}`}
                    onClick={() => onSelect({ channel: c, model: m })}
                  >
                    {short(metricOf(byChannel[c][m], money))}
                  </button>
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Drilldown({ run, selection, money }) {
  const credits = useApi(
    (opts) => api.attributionCredits(run.id, selection.model, selection.channel, opts),
    [run.id, selection.model, selection.channel],
  );
  return (
    <div class="card chart-card" data-testid="drilldown">
      <div class="card-header">
        <h2>
          {channelLabel(selection.channel)} under {humanize(selection.model)}: the{' '}
          {money ? 'opportunities' : 'contacts'} behind its credit
        </h2>
      </div>
      {credits.error ? <Banner error={credits.error} title="Could not load the credit" /> : null}
      {credits.data ? (
        <table class="table" data-testid="drilldown-table">
          <thead>
            <tr>
              <th>{money ? 'Opportunity' : 'Contact'}</th>
              {money ? <th class="num">Amount</th> : null}
              <th class="num">Share of the conversion</th>
              {money ? <th class="num">Credited value</th> : null}
            </tr>
          </thead>
          <tbody>
            {credits.data.items.map((c) => (
              <tr>
                <td>{c.name || `#${c.conversion_id}`}</td>
                {money ? <td class="num">{formatMoney(c.amount)}</td> : null}
                <td class="num">{(c.conversions * 100).toFixed(1)}%</td>
                {money ? <td class="num">{formatMoney(c.value)}</td> : null}
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <Loading label="Loading…" />
      )}
    </div>
  );
}

function Attribution() {
  const [filters, setFilters] = useState({
    conversion: 'created',
    model: 'w_shaped',
    journey: 'roles',
    lookback: '90',
    from: '',
    to: '',
  });
  const [applied, setApplied] = useState(filters);
  const [selection, setSelection] = useState(null);
  const money = isMoney(applied.conversion);

  const runs = useApi(
    async (opts) => {
      if (!money) return { main: await loadRun(applied, applied.conversion, opts) };
      const created = await loadRun(applied, 'created', opts);
      const won = await loadRun(applied, 'won', opts);
      return { main: applied.conversion === 'won' ? won : created, created, won };
    },
    [applied.conversion, applied.journey, applied.lookback, applied.from, applied.to],
  );
  const main = runs.data?.main;
  const modelsOption = useMemo(() => (main ? modelsChartOption(main, money) : null), [main, money]);
  const campaignOption = useMemo(
    () =>
      runs.data
        ? money
          ? campaignChartOption(runs.data.created, runs.data.won, filters.model, true)
          : campaignChartOption(main, null, filters.model, false)
        : null,
    [runs.data, filters.model, money, main],
  );
  const si = main?.summary?.sourced_influenced;
  const sourcedOption = useMemo(() => (si ? sourcedChartOption(si) : null), [si]);

  const apply = () => {
    setSelection(null);
    setApplied(filters);
  };

  return (
    <section class="page" data-testid="page-attribution">
      <header class="page-header">
        <div>
          <h1>Attribution</h1>
          <p class="page-subtitle">
            Credit for pipeline and revenue by channel and campaign, every model side by side.
          </p>
        </div>
      </header>
      <Filters filters={filters} setFilters={setFilters} busy={runs.loading} onRun={apply} />
      {runs.error ? <Banner error={runs.error} title="Could not run attribution" onRetry={runs.reload} /> : null}
      {!main && runs.loading ? <Loading label="Running the models…" /> : null}
      {main ? (
        <>
          <div class="card-grid card-grid-wide" data-testid="attribution-totals">
            <div class="card stat-card" data-testid="total-conversions" data-value={String(main.conversions)}>
              <div class="stat-label">Conversions</div>
              <div class="stat-value">{formatInteger(main.conversions)}</div>
              <div class="stat-hint">{CONVERSIONS.find((c) => c.id === main.conversion)?.label}</div>
            </div>
            {money ? (
              <div class="card stat-card" data-testid="total-value" data-value={String(main.value)}>
                <div class="stat-label">{main.conversion === 'won' ? 'Revenue' : 'Pipeline'}</div>
                <div class="stat-value">{formatMoney(main.value)}</div>
              </div>
            ) : null}
            <div class="card stat-card" data-testid="total-unattributed" data-value={String(main.unattributed)}>
              <div class="stat-label">Unattributed</div>
              <div class="stat-value">{formatInteger(main.unattributed)}</div>
              <div class="stat-hint">No touch in the {main.lookback_days}-day window</div>
            </div>
            {money && main.journey === 'roles' && main.summary?.account_journeys ? (
              <div
                class="card stat-card"
                data-testid="through-accounts"
                data-value={String(main.summary.account_journeys.value)}
              >
                <div class="stat-label">Through accounts</div>
                <div class="stat-value">{formatMoney(main.summary.account_journeys.value)}</div>
                <div class="stat-hint">
                  {formatInteger(main.summary.account_journeys.count)} opportunities without a contact role
                  touch, attributed through their account
                </div>
              </div>
            ) : null}
            {si ? (
              <div class="card stat-card" data-testid="marketing-sourced" data-value={String(si.marketing_sourced.value)}>
                <div class="stat-label">Marketing sourced / influenced</div>
                <div class="stat-value">{formatMoney(si.marketing_sourced.value)}</div>
                <div class="stat-hint">influenced {formatMoney(si.marketing_influenced.value)} (never summed)</div>
              </div>
            ) : null}
          </div>

          <div class="card chart-card">
            <div class="card-header">
              <h2>Credit by channel, every model</h2>
              <span class="muted">Run #{main.id} · click a bar to see what is behind it</span>
            </div>
            <EChart
              option={modelsOption}
              testid="chart-models"
              label="Credit by channel for every model"
              height={400}
              onClick={(p) => p.data?.channel && setSelection({ channel: p.data.channel, model: p.data.model })}
            />
            <CreditTable run={main} money={money} onSelect={setSelection} />
          </div>

          {selection ? <Drilldown run={main} selection={selection} money={money} /> : null}

          <div class="card chart-card">
            <div class="card-header">
              <h2>{money ? 'Pipeline and revenue' : 'Credit'} by campaign ({humanize(filters.model)})</h2>
              <span class="muted">Top 15 campaigns</span>
            </div>
            {campaignOption ? (
              <EChart option={campaignOption} testid="chart-campaigns" label="Credit by campaign" height={420} />
            ) : (
              <p class="muted" data-testid="campaigns-empty">
                No touch with a campaign got credit. Campaign members, UTM campaigns and opportunities' primary
                campaigns are credited here.
              </p>
            )}
          </div>

          {si ? (
            <div class="card chart-card">
              <div class="card-header">
                <h2>Sourced vs influenced {main.conversion === 'won' ? 'revenue' : 'pipeline'}</h2>
                <span class="muted">Sourced by the first touch; influenced by any marketing touch</span>
              </div>
              <EChart option={sourcedOption} testid="chart-sourced" label="Sourced and influenced by channel" />
            </div>
          ) : null}

          <div class="card chart-card">
            <div class="card-header">
              <h2>Top journeys</h2>
              <span class="muted">Channel paths, repeats collapsed</span>
            </div>
            <table class="table" data-testid="top-paths">
              <thead>
                <tr>
                  <th>Path</th>
                  <th class="num">Journeys</th>
                  {money ? <th class="num">Value</th> : null}
                </tr>
              </thead>
              <tbody>
                {(main.summary?.top_paths ?? []).map((p) => (
                  <tr>
                    <td>{p.path}</td>
                    <td class="num">{formatInteger(p.journeys)}</td>
                    {money ? <td class="num">{formatMoney(p.value)}</td> : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
      <ChannelRulesPanel />
    </section>
  );
}

export default {
  id: 'attribution',
  title: 'Attribution',
  icon: 'attribution',
  summary: 'Journeys and attribution models, credit to pipeline and revenue.',
  component: Attribution,
};
