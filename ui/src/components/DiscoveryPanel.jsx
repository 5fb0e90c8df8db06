// Tech stack discovery on the stack page: spend by tool over time, shadow
// tools with who pays, seats paid vs used per tool, unmatched recurring
// merchants and the preview of `mops stack discover apply`. Every figure comes
// from /api/v1/stack/discovery/...; every string from data is rendered as
// text (JSX) or drawn on canvas, and tooltips are DOM text (escape.js).
import { useMemo } from 'preact/hooks';
import { get } from '../api.js';
import { useApi } from '../hooks.js';
import { formatInteger, formatMoney, humanize } from '../format.js';
import { axisTooltip } from '../escape.js';
import { EChart } from './EChart.jsx';
import { Banner } from './Banner.jsx';
import { Loading } from './Loading.jsx';
import './DiscoveryPanel.css';

const COLORS = ['#6366f1', '#0ea5e9', '#10b981', '#f59e0b', '#ef4444', '#8b5cf6', '#14b8a6', '#f97316', '#94a3b8'];
const TOP_TOOLS = 8;

function discovery(path, asOf, opts) {
  const q = new URLSearchParams(asOf ? { as_of: asOf } : {}).toString();
  return get(`/api/v1/stack/discovery/${path}?${q}`, opts);
}

// Stacked monthly net spend of the largest tools; the rest summed as "Other tools".
export function spendOption(spend) {
  const currency = spend.currency && spend.currency !== 'mixed' ? spend.currency : 'USD';
  const tools = spend.tools.slice(0, TOP_TOOLS);
  const rest = spend.tools.slice(TOP_TOOLS);
  const series = tools.map((t, i) => ({
    name: t.tool,
    type: 'bar',
    stack: 'spend',
    data: t.month_net,
    itemStyle: { color: COLORS[i % COLORS.length] },
    barMaxWidth: 28,
  }));
  if (rest.length) {
    series.push({
      name: 'Other tools',
      type: 'bar',
      stack: 'spend',
      data: spend.months.map((_, m) => rest.reduce((s, t) => s + (t.month_net[m] ?? 0), 0)),
      itemStyle: { color: COLORS[COLORS.length - 1] },
      barMaxWidth: 28,
    });
  }
  return {
    animationDuration: 300,
    textStyle: { fontFamily: 'inherit' },
    grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
    legend: { type: 'scroll', top: 0, textStyle: { color: '#334155', fontSize: 11 } },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, formatter: axisTooltip((v) => formatMoney(v, currency)) },
    xAxis: { type: 'category', data: spend.months, axisLabel: { color: '#64748b' } },
    yAxis: { type: 'value', axisLabel: { color: '#64748b', formatter: (v) => formatMoney(v, currency) } },
    series,
  };
}

// Seats the inventory pays for beside the seats sign-ins show in use.
export function seatsOption(lines) {
  const rows = lines.slice().reverse();
  return {
    animationDuration: 300,
    textStyle: { fontFamily: 'inherit' },
    grid: { left: 8, right: 32, top: 32, bottom: 8, containLabel: true },
    legend: { top: 0, textStyle: { color: '#334155', fontSize: 11 } },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, formatter: axisTooltip((v) => formatInteger(v)) },
    xAxis: { type: 'value', minInterval: 1, axisLabel: { color: '#64748b' } },
    yAxis: { type: 'category', data: rows.map((l) => l.tool), axisLabel: { color: '#334155', fontSize: 11 } },
    series: [
      { name: 'Seats paid', type: 'bar', data: rows.map((l) => l.seats), itemStyle: { color: '#cbd5e1' }, barMaxWidth: 14 },
      { name: 'Seats used', type: 'bar', data: rows.map((l) => l.active), itemStyle: { color: '#6366f1' }, barMaxWidth: 14 },
    ],
  };
}

function Stat({ label, value, hint, testid, raw }) {
  return (
    <div class="card stat-card" data-testid={testid} data-value={String(raw ?? '')}>
      <div class="stat-label">{label}</div>
      <div class="stat-value">{value}</div>
      {hint ? <div class="stat-hint">{hint}</div> : null}
    </div>
  );
}

export function DiscoveryPanel({ asOf }) {
  const spend = useApi((opts) => discovery('spend', asOf, opts), [asOf]);
  const reconcile = useApi((opts) => discovery('reconcile', asOf, opts), [asOf]);
  const preview = useApi((opts) => discovery('apply', asOf, opts), [asOf]);
  const all = [spend, reconcile, preview];
  const loading = all.some((x) => x.loading);
  const error = all.find((x) => x.error)?.error;
  const spendOpt = useMemo(() => (spend.data?.tools.length ? spendOption(spend.data) : null), [spend.data]);
  const seatLines = useMemo(
    () => (reconcile.data ? reconcile.data.lines.filter((l) => l.seats != null && l.active != null) : []),
    [reconcile.data],
  );
  const seatsOpt = useMemo(() => (seatLines.length ? seatsOption(seatLines) : null), [seatLines]);

  if (error) {
    // Analysts and above read discovery; a viewer's token gets a 403.
    if (error.status === 403) return null;
    return <Banner error={error} title="Could not load the stack discovery" onRetry={() => all.forEach((x) => x.reload())} />;
  }
  if (loading && !spend.data) return <Loading label="Discovering the stack…" />;
  const s = spend.data;
  const r = reconcile.data;
  const p = preview.data;
  if (!s || !r || !p) return null;
  const currency = s.currency && s.currency !== 'mixed' ? s.currency : r.currency || 'USD';
  const shadow = r.lines.filter((l) => l.status === 'shadow');
  const unpaid = r.lines.filter((l) => l.status === 'unpaid');
  const recurring = s.unmatched.filter((u) => u.recurring);

  return (
    <div class="card chart-card discovery" data-testid="panel-discovery">
      <div class="card-header">
        <h2>Discovery: what the company pays for and uses</h2>
        <span class="muted">
          {formatInteger(s.transactions)} card transactions, as of {s.as_of}
        </span>
      </div>
      {s.transactions === 0 && seatLines.length === 0 ? (
        <div class="empty-state" data-testid="discovery-empty">
          <p>No spend or sign-in exports yet</p>
          <p class="muted">
            Load them with <code>mops stack discover spend ramp.csv</code> and <code>mops stack discover usage okta.csv</code>.
          </p>
        </div>
      ) : (
        <>
          <div class="card-grid card-grid-wide" data-testid="discovery-summary">
            <Stat label="Discovered spend" value={formatMoney(s.total, currency)} raw={s.total} testid="discovery-total" hint={`${s.tools.length} tools matched`} />
            <Stat
              label="Shadow tools"
              value={formatInteger(r.summary.shadow)}
              raw={r.summary.shadow}
              testid="discovery-shadow"
              hint={`${formatMoney(r.summary.shadow_cost, currency)} a year`}
            />
            <Stat label="Unpaid in inventory" value={formatInteger(r.summary.unpaid)} raw={r.summary.unpaid} testid="discovery-unpaid" hint={`${formatMoney(r.summary.unpaid_cost, currency)} recorded`} />
            <Stat
              label="Seats used / paid"
              value={`${formatInteger(r.summary.seats_used)} / ${formatInteger(r.summary.seats_paid)}`}
              raw={r.summary.seats_used}
              testid="discovery-seats"
              hint="tools with sign-ins and paid seats"
            />
          </div>

          {spendOpt ? (
            <>
              <h3 class="discovery-subtitle">Spend by tool over time</h3>
              <EChart option={spendOpt} testid="chart-discovery-spend" height={320} label="Monthly net spend per discovered tool" />
            </>
          ) : null}

          <h3 class="discovery-subtitle">Shadow tools: paid for, not in the inventory</h3>
          {shadow.length ? (
            <table class="table" data-testid="discovery-shadow-table">
              <thead>
                <tr>
                  <th>Tool</th>
                  <th>Who pays</th>
                  <th>Cadence</th>
                  <th class="num">Per year</th>
                  <th class="num">Seats used</th>
                </tr>
              </thead>
              <tbody>
                {shadow.map((l) => (
                  <tr key={l.tool} data-testid="shadow-row">
                    <td>
                      {l.tool}
                      {l.duplicate ? <span class="sev sev-medium">paid more than once</span> : null}
                    </td>
                    <td>{l.payers}</td>
                    <td>{l.cadence}</td>
                    <td class="num">{formatMoney(l.actual_cost, currency)}</td>
                    <td class="num">{l.active ?? '–'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p class="muted">None: every paid tool is in the inventory.</p>
          )}
          {unpaid.length ? (
            <p class="muted" data-testid="discovery-unpaid-list">
              In the inventory with no payment found (cancelled, or paid elsewhere): {unpaid.map((l) => l.tool).join(', ')}
            </p>
          ) : null}

          {seatsOpt ? (
            <>
              <h3 class="discovery-subtitle">Seats paid vs used (active in the last 30 days)</h3>
              <EChart option={seatsOpt} testid="chart-discovery-seats" height={Math.max(220, seatLines.length * 30 + 50)} label="Seats paid and seats used per tool" />
            </>
          ) : null}

          {recurring.length ? (
            <>
              <h3 class="discovery-subtitle">Recurring merchants no alias matches</h3>
              <ul class="discovery-unmatched" data-testid="discovery-unmatched">
                {recurring.map((u) => (
                  <li key={u.merchant}>
                    <strong>{u.merchant}</strong> {u.cadence}, {formatMoney(u.net, currency)} over {u.transactions} charges
                  </li>
                ))}
              </ul>
              <p class="muted">
                Add a pattern with <code>mops stack discover aliases aliases.csv</code> when one of them is a marketing tool.
              </p>
            </>
          ) : null}

          <h3 class="discovery-subtitle">Preview of apply</h3>
          {p.changes.length ? (
            <table class="table" data-testid="discovery-apply-preview">
              <thead>
                <tr>
                  <th>Tool</th>
                  <th>Change</th>
                  <th class="num">Annual cost</th>
                  <th class="num">Active seats</th>
                  <th>Why</th>
                </tr>
              </thead>
              <tbody>
                {p.changes.map((c) => (
                  <tr key={c.tool} data-testid="apply-row">
                    <td>{c.tool}</td>
                    <td>{humanize(c.action)}</td>
                    <td class="num">{c.after.annual_cost != null ? formatMoney(c.after.annual_cost, currency) : '–'}</td>
                    <td class="num">{c.after.active_seats ?? '–'}</td>
                    <td>{c.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p class="muted">The inventory already holds the discovered figures.</p>
          )}
          <p class="muted">
            <code>mops stack discover apply</code> writes these into the inventory in one transaction; <code>mops stack discover undo</code> reverts it.
          </p>
        </>
      )}
    </div>
  );
}
