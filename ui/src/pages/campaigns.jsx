// Campaign operations: the hierarchy with roll-ups, a board by state, the
// calendar with its conflicts, UTM health (top violations, preview and apply
// of the fixes, a link builder) and a campaign's detail (checklist, approvals,
// assets, members by status, budget vs actual), templates and the asset
// library (campaigns-library.jsx). Every figure comes from
// /api/v1/campaign-*, /api/v1/campaigns/..., /api/v1/utm/... and
// /api/v1/attribution/runs.
// Everything from data is text in JSX (escaped by Preact); chart tooltips are
// DOM nodes built by escape.js.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { get, post, request } from '../api.js';
import { useApi } from '../hooks.js';
import { formatInteger, formatMoney, humanize } from '../format.js';
import { axisTooltip } from '../escape.js';
import { Banner } from '../components/Banner.jsx';
import { Loading } from '../components/Loading.jsx';
import { EChart } from '../components/EChart.jsx';
import { AssetLibrary, AssetUrl, Templates } from './campaigns-library.jsx';
import './campaigns.css';

const STATES = ['draft', 'in_review', 'approved', 'scheduled', 'live', 'completed', 'cancelled'];
const TABS = [
  ['hierarchy', 'Hierarchy'],
  ['board', 'Board'],
  ['calendar', 'Calendar'],
  ['utm', 'UTM health'],
  ['templates', 'Templates'],
  ['assets', 'Asset library'],
];
const DECISIONS = [
  ['approved', 'Approve'],
  ['approved_with_changes', 'Approve with changes'],
  ['changes_required', 'Changes required'],
  ['rejected', 'Reject'],
];
const TRANSITION_LABELS = {
  in_review: 'Submit for review',
  draft: 'Back to draft',
  scheduled: 'Schedule',
  approved: 'Unschedule',
  live: 'Launch',
  completed: 'Complete',
  cancelled: 'Cancel',
};

// "#/campaigns?tab=board&id=12" -> {tab, id}
function hashParams() {
  const p = new URLSearchParams(window.location.hash.split('?')[1] || '');
  return { tab: p.get('tab') || 'hierarchy', id: p.get('id') || '' };
}
function setHash(params) {
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v)).toString();
  const next = `#/campaigns${q ? `?${q}` : ''}`;
  if (window.location.hash !== next) history.replaceState(null, '', next);
}

const money = (v, c) => formatMoney(Number(v), c);
const pct = (v) => (v == null ? '–' : `${Math.round(v * 100)}%`);

function StateBadge({ state }) {
  return <span class={`state state-${state}`}>{humanize(state)}</span>;
}

function Stat({ label, value, testid, tone }) {
  return (
    <div class={`card stat-card ${tone ? `tone-${tone}` : ''}`} data-testid={testid}>
      <div class="stat-label">{label}</div>
      <div class="stat-value">{value}</div>
    </div>
  );
}

// ---------------------------------------------------------------- hierarchy

function Hierarchy({ onOpen }) {
  const runs = useApi((o) => get('/api/v1/attribution/runs?limit=50', o), []);
  const runList = runs.data?.items ?? [];
  // By default the newest pipeline run and the newest revenue run together
  // (the runs come newest first); null until the user picks.
  const latest = ['created', 'won']
    .map((kind) => runList.find((r) => r.conversion === kind))
    .filter(Boolean)
    .map((r) => String(r.id))
    .join(',');
  const [picked, setRun] = useState(null);
  const run = picked ?? latest;
  const [model, setModel] = useState('linear');
  const rollups = useApi(
    (o) => get(`/api/v1/campaign-hierarchy${run ? `?run=${encodeURIComponent(run)}&model=${encodeURIComponent(model)}` : ''}`, o),
    [run, model],
  );
  const chosen = runList.find((r) => run.split(',').includes(String(r.id)));
  const models = chosen ? String(chosen.models).split(',') : [];
  const [collapsed, setCollapsed] = useState(() => new Set());
  const rows = rollups.data?.campaigns ?? [];
  const hidden = useMemo(() => {
    const parentOf = new Map(rows.map((r) => [r.id, r.parent_id]));
    const out = new Set();
    for (const r of rows) {
      for (let p = r.parent_id; p != null; p = parentOf.get(p)) {
        if (collapsed.has(p)) {
          out.add(r.id);
          break;
        }
      }
    }
    return out;
  }, [rows, collapsed]);
  const toggle = (id) => {
    const next = new Set(collapsed);
    next.has(id) ? next.delete(id) : next.add(id);
    setCollapsed(next);
  };
  const t = rollups.data?.totals;
  return (
    <div data-testid="panel-hierarchy">
      <div class="toolbar">
        <label class="field-inline">
          Pipeline and revenue from run
          <select value={run} data-testid="rollup-run" onChange={(e) => setRun(e.currentTarget.value)}>
            {latest && latest.includes(',') ? <option value={latest}>latest pipeline and revenue runs</option> : null}
            <option value="">none</option>
            {runList.map((r) => (
              <option key={r.id} value={String(r.id)}>
                #{r.id} {r.conversion} ({r.created_at?.slice(0, 10)})
              </option>
            ))}
          </select>
        </label>
        {chosen ? (
          <label class="field-inline">
            Model
            <select value={model} data-testid="rollup-model" onChange={(e) => setModel(e.currentTarget.value)}>
              {models.map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <span class="muted small" data-testid="rollup-model-shown">
          {rollups.data?.model ? `Attribution: run ${rollups.data.runs.join(', ')}, model ${rollups.data.model}` : 'No attribution run chosen: pipeline and revenue are 0'}
        </span>
      </div>
      {rollups.error ? <Banner error={rollups.error} title="Could not load the roll-ups" onRetry={rollups.reload} /> : null}
      {rollups.loading && !rollups.data ? <Loading /> : null}
      {t ? (
        <div class="card-grid card-grid-counts">
          <Stat label="Budget" value={money(t.budget)} testid="total-budget" />
          <Stat label="Actual cost" value={money(t.actual_cost)} testid="total-actual" tone={t.actual_cost > t.budget ? 'bad' : ''} />
          <Stat label="Members" value={formatInteger(t.members)} />
          <Stat label="Responses" value={formatInteger(t.responses)} />
          <Stat label="Pipeline" value={money(t.pipeline)} />
          <Stat label="Won revenue" value={money(t.won_revenue)} />
        </div>
      ) : null}
      {(rollups.data?.problems ?? []).map((p) => (
        <p class="warn small" key={p}>
          {p}
        </p>
      ))}
      <div class="card table-scroll tall">
        <table class="data-table" data-testid="hierarchy-table">
          <thead>
            <tr>
              <th>Campaign</th>
              <th>State</th>
              <th class="num">Budget</th>
              <th class="num">Actual cost</th>
              <th class="num">Members</th>
              <th class="num">Responses</th>
              <th class="num">Pipeline</th>
              <th class="num">Won revenue</th>
            </tr>
          </thead>
          <tbody>
            {rows
              .filter((r) => !hidden.has(r.id))
              .map((r) => (
                <tr key={r.id} data-testid="hierarchy-row" data-id={r.id}>
                  <td class={`indent-${Math.min(r.depth, 6)}`}>
                    {r.descendants > 0 ? (
                      <button type="button" class="tree-toggle" aria-label={collapsed.has(r.id) ? 'Expand' : 'Collapse'} onClick={() => toggle(r.id)}>
                        {collapsed.has(r.id) ? '▸' : '▾'}
                      </button>
                    ) : (
                      <span class="tree-leaf" />
                    )}
                    <button type="button" class="link" onClick={() => onOpen(r.id)}>
                      {r.name}
                    </button>
                  </td>
                  <td>
                    <StateBadge state={r.state} />
                  </td>
                  <td class="num">{money(r.total.budget)}</td>
                  <td class={`num ${r.total.actual_cost > r.total.budget && r.total.budget > 0 ? 'bad' : ''}`}>{money(r.total.actual_cost)}</td>
                  <td class="num">{formatInteger(r.total.members)}</td>
                  <td class="num">{formatInteger(r.total.responses)}</td>
                  <td class="num">{money(r.total.pipeline)}</td>
                  <td class="num">{money(r.total.won_revenue)}</td>
                </tr>
              ))}
            {rollups.data && rows.length === 0 ? (
              <tr>
                <td colSpan={8} class="muted" data-testid="hierarchy-empty">
                  No campaigns yet: import your CRM's campaigns (mops import Campaign.csv) or create one from a template.
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
    </div>
  );
}

// -------------------------------------------------------------------- board

function Board({ onOpen }) {
  const list = useApi((o) => get('/api/v1/campaign-board', o), []);
  const by = useMemo(() => {
    const m = Object.fromEntries(STATES.map((s) => [s, []]));
    for (const c of list.data?.campaigns ?? []) m[c.state]?.push(c);
    // Latest first: what is about to start or just started leads.
    for (const s of STATES) m[s].sort((a, b) => String(b.start_date ?? '').localeCompare(String(a.start_date ?? '')));
    return m;
  }, [list.data]);
  return (
    <div data-testid="panel-board">
      {list.error ? <Banner error={list.error} title="Could not load the campaigns" onRetry={list.reload} /> : null}
      {list.loading && !list.data ? <Loading /> : null}
      <div class="board">
        {STATES.map((s) => (
          <div class="board-column" key={s} data-testid={`board-${s}`}>
            <h3>
              <StateBadge state={s} /> <span class="muted">{by[s].length}</span>
            </h3>
            {by[s].slice(0, 60).map((c) => (
              <button type="button" class={`board-card ${c.unapproved_launch ? 'flagged' : ''}`} key={c.id} onClick={() => onOpen(c.id)} data-testid="board-card">
                <span class="board-name">{c.name}</span>
                <span class="muted small">
                  {c.start_date ?? 'no date'} · {c.channel || 'no channel'}
                </span>
                {c.unapproved_launch ? <span class="tag tag-danger">launched without approval</span> : null}
              </button>
            ))}
            {by[s].length > 60 ? <p class="muted small">and {by[s].length - 60} more</p> : null}
          </div>
        ))}
      </div>
    </div>
  );
}

// ----------------------------------------------------------------- calendar

function monthStart(ym) {
  return `${ym}-01`;
}
function nextMonth(ym) {
  const [y, m] = ym.split('-').map(Number);
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}
function prevMonth(ym) {
  const [y, m] = ym.split('-').map(Number);
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

function Calendar({ onOpen }) {
  const [month, setMonth] = useState(() => new Date().toISOString().slice(0, 7));
  const [view, setView] = useState('month');
  const cal = useApi((o) => get(`/api/v1/campaign-calendar?from=${monthStart(month)}&to=${monthStart(nextMonth(month))}`, o), [month]);
  const entries = cal.data?.entries ?? [];
  const conflicted = new Set((cal.data?.conflicts ?? []).flatMap((c) => c.campaigns));
  const days = useMemo(() => {
    const first = new Date(`${monthStart(month)}T00:00:00Z`);
    const offset = (first.getUTCDay() + 6) % 7; // Monday first
    const count = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
    const cells = [];
    for (let i = 0; i < offset; i++) cells.push(null);
    for (let d = 1; d <= count; d++) cells.push(`${month}-${String(d).padStart(2, '0')}`);
    return cells;
  }, [month]);
  return (
    <div data-testid="panel-calendar">
      <div class="toolbar">
        <button type="button" class="btn btn-small" onClick={() => setMonth(prevMonth(month))} aria-label="Previous month">
          ‹
        </button>
        <input type="month" value={month} data-testid="calendar-month" onChange={(e) => e.currentTarget.value && setMonth(e.currentTarget.value)} />
        <button type="button" class="btn btn-small" onClick={() => setMonth(nextMonth(month))} aria-label="Next month">
          ›
        </button>
        <div class="segmented">
          {['month', 'list'].map((v) => (
            <button type="button" key={v} class={`btn btn-small ${view === v ? 'btn-primary' : ''}`} onClick={() => setView(v)}>
              {humanize(v)}
            </button>
          ))}
        </div>
      </div>
      {cal.error ? <Banner error={cal.error} title="Could not load the calendar" onRetry={cal.reload} /> : null}
      {(cal.data?.conflicts ?? []).length > 0 ? (
        <div class="card conflicts" data-testid="calendar-conflicts">
          <h3>Conflicts</h3>
          <ul>
            {cal.data.conflicts.map((c) => (
              <li key={`${c.kind}-${c.when}-${c.audience}`}>{c.message}</li>
            ))}
          </ul>
        </div>
      ) : null}
      {view === 'month' ? (
        <div class="month-grid" data-testid="calendar-grid">
          {['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].map((d) => (
            <div class="month-head" key={d}>
              {d}
            </div>
          ))}
          {days.map((day, i) => (
            <div class={`month-cell ${day ? '' : 'empty'}`} key={day ?? `e${i}`}>
              {day ? <span class="day-number">{Number(day.slice(8))}</span> : null}
              {day
                ? entries
                    .filter((e) => e.start === day)
                    .map((e) => (
                      <button type="button" key={e.id} class={`chip ${conflicted.has(e.id) ? 'chip-conflict' : ''}`} onClick={() => onOpen(e.id)}>
                        {e.name}
                      </button>
                    ))
                : null}
            </div>
          ))}
        </div>
      ) : (
        <div class="card table-scroll">
          <table class="data-table" data-testid="calendar-list">
            <thead>
              <tr>
                <th>Start</th>
                <th>End</th>
                <th>Campaign</th>
                <th>Channel</th>
                <th>Audience</th>
                <th>State</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.id} class={conflicted.has(e.id) ? 'row-conflict' : ''}>
                  <td class="date">{e.start}</td>
                  <td class="date">{e.end}</td>
                  <td>
                    <button type="button" class="link" onClick={() => onOpen(e.id)}>
                      {e.name}
                    </button>
                  </td>
                  <td>{e.channel}</td>
                  <td>{e.audience}</td>
                  <td>
                    <StateBadge state={e.state} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

// --------------------------------------------------------------- UTM health

function UtmBuilder() {
  const [form, setForm] = useState({ url: '', source: '', medium: '', campaign: '', content: '', term: '' });
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);
  const set = (k) => (e) => setForm({ ...form, [k]: e.currentTarget.value });
  const build = async (e) => {
    e.preventDefault();
    setError(null);
    setResult(null);
    const utm = Object.fromEntries(['source', 'medium', 'campaign', 'content', 'term'].filter((k) => form[k].trim()).map((k) => [k, form[k]]));
    try {
      setResult(await post('/api/v1/utm/build', { url: form.url, utm }));
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form class="card utm-builder" onSubmit={build} data-testid="utm-builder">
      <h3>Build a tracked link</h3>
      <div class="form-grid">
        <label>
          URL
          <input type="url" required value={form.url} onInput={set('url')} data-testid="utm-url" placeholder="https://example.com/page?x=1#top" />
        </label>
        {['source', 'medium', 'campaign', 'content', 'term'].map((k) => (
          <label key={k}>
            utm_{k}
            <input value={form[k]} onInput={set(k)} data-testid={`utm-${k}`} />
          </label>
        ))}
      </div>
      <button type="submit" class="btn btn-primary" data-testid="utm-build">
        Build link
      </button>
      {error ? <Banner error={error} title="The link breaks the naming rules" /> : null}
      {result ? (
        <p class="built">
          <code data-testid="utm-built">{result.url}</code>
        </p>
      ) : null}
    </form>
  );
}

function UtmHealth() {
  const stored = useApi((o) => get('/api/v1/utm/stored?limit=20', o), []);
  const [preview, setPreview] = useState(null);
  const [applied, setApplied] = useState(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const s = stored.data;
  const run = async (dryRun) => {
    setBusy(true);
    setError(null);
    try {
      const r = await post('/api/v1/utm/fix', { dry_run: dryRun });
      if (dryRun) setPreview(r);
      else {
        setApplied(r);
        setPreview(null);
        stored.reload();
      }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const undo = async () => {
    setBusy(true);
    setError(null);
    try {
      await post(`/api/v1/utm/fixes/${applied.fix_id}/undo`, {});
      setApplied(null);
      stored.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div data-testid="panel-utm">
      {stored.error ? <Banner error={stored.error} title="Could not check the stored UTMs" onRetry={stored.reload} /> : null}
      {stored.loading && !s ? <Loading label="Checking every stored UTM…" /> : null}
      {s ? (
        <div class="card-grid card-grid-counts" data-testid="utm-summary">
          <Stat label="Touchpoints with UTMs" value={formatInteger(s.with_utm)} />
          <Stat label="Touchpoints affected" value={formatInteger(s.touchpoints_affected)} testid="utm-affected" tone={s.touchpoints_affected > 0 ? 'bad' : ''} />
          <Stat label="Violating values" value={formatInteger(s.violation_count)} />
          <Stat label="Fixable values" value={formatInteger(s.fixable_values)} />
          <Stat label="utm_campaign matching no campaign" value={formatInteger(s.unknown_campaign_count)} />
          <Stat label="Campaigns breaking the rules" value={formatInteger(s.campaign_violations.length)} />
        </div>
      ) : null}
      <div class="toolbar">
        <button type="button" class="btn btn-secondary" disabled={busy} onClick={() => run(true)} data-testid="utm-preview">
          Preview fixes
        </button>
        {preview && preview.touchpoints > 0 ? (
          <button type="button" class="btn btn-primary" disabled={busy} onClick={() => run(false)} data-testid="utm-apply">
            Apply fixes to {formatInteger(preview.touchpoints)} touchpoints
          </button>
        ) : null}
        {applied ? (
          <span data-testid="utm-applied">
            Fix #{applied.fix_id}: {formatInteger(applied.touchpoints)} touchpoints fixed, {formatInteger(applied.channels_changed)} channels reclassified.{' '}
            <button type="button" class="btn btn-small" disabled={busy} onClick={undo} data-testid="utm-undo">
              Undo
            </button>
          </span>
        ) : null}
      </div>
      {error ? <Banner error={error} title="The fix did not run" /> : null}
      {preview ? (
        <div class="card utm-preview" data-testid="utm-preview-result">
          <p>
            {formatInteger(preview.touchpoints)} touchpoints would change; {formatInteger(preview.channels_changed)} would move channel.
          </p>
          <ul class="small">
            {Object.entries(preview.fixes).flatMap(([param, m]) =>
              Object.entries(m).map(([from, to]) => (
                <li key={`${param}-${from}`}>
                  {param}: “{from}” → “{to}”
                </li>
              )),
            )}
            {Object.entries(preview.channel_moves).map(([move, n]) => (
              <li key={move}>
                channel {move}: {formatInteger(n)}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {s ? (
        <div class="panel-grid">
          <div class="card table-scroll wide">
            <h3>Top violations</h3>
            <table class="data-table" data-testid="utm-violations">
              <thead>
                <tr>
                  <th>Parameter</th>
                  <th>Value</th>
                  <th class="num">Touchpoints</th>
                  <th>Problem</th>
                  <th>Suggestion</th>
                </tr>
              </thead>
              <tbody>
                {s.violations.map((v) => (
                  <tr key={`${v.param}-${v.value}`}>
                    <td>{v.param}</td>
                    <td>
                      <code>{v.value}</code>
                    </td>
                    <td class="num">{formatInteger(v.touchpoints)}</td>
                    <td class="small">{v.message}</td>
                    <td>{v.suggestion ? <code>{v.suggestion}</code> : <span class="muted">–</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div class="card table-scroll">
            <h3>utm_campaign values that match no campaign</h3>
            <table class="data-table" data-testid="utm-unknown">
              <tbody>
                {s.unknown_campaigns.map((u) => (
                  <tr key={u.utm_campaign}>
                    <td>
                      <code>{u.utm_campaign}</code>
                    </td>
                    <td class="num">{formatInteger(u.touchpoints)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <h3>Campaigns whose utm_campaign breaks the rules</h3>
            <ul class="small">
              {s.campaign_violations.map((v) => (
                <li key={v.message}>{v.message}</li>
              ))}
            </ul>
          </div>
        </div>
      ) : null}
      <UtmBuilder />
    </div>
  );
}

// ------------------------------------------------------------------- detail

function BudgetChart({ budget }) {
  const option = useMemo(
    () => ({
      animation: false,
      grid: { left: 70, right: 20, top: 30, bottom: 30 },
      legend: { top: 0 },
      tooltip: { trigger: 'axis', formatter: axisTooltip((v) => money(v, budget.currency)) },
      xAxis: { type: 'category', data: budget.months.map((m) => m.month) },
      yAxis: { type: 'value' },
      series: [
        { name: 'Planned', type: 'bar', data: budget.months.map((m) => m.planned), itemStyle: { color: '#94a3b8' } },
        { name: 'Actual', type: 'bar', data: budget.months.map((m) => m.actual), itemStyle: { color: '#2563eb' } },
      ],
    }),
    [budget],
  );
  if (budget.months.length === 0) return <p class="muted">No budget or costs by month yet.</p>;
  return <EChart option={option} testid="chart-budget" label="Budget vs actual by month" height={260} />;
}

function Detail({ id, me, onClose, onChanged }) {
  const detail = useApi((o) => get(`/api/v1/campaigns/${id}/detail`, o), [id]);
  const [error, setError] = useState(null);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const act = async (fn) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      detail.reload();
      onChanged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  if (detail.error) return <Banner error={detail.error} title={`Could not load campaign ${id}`} onRetry={detail.reload} />;
  if (!detail.data) return <Loading />;
  const d = detail.data;
  const c = d.campaign;
  const b = d.budget;
  const canApprove = me && (me.role === 'approver' || me.role === 'admin');
  const canChange = me && (me.role === 'ops' || me.role === 'admin');
  const active = new Set(d.active_steps);
  return (
    <section class="card detail" data-testid="campaign-detail" data-id={c.id}>
      <header class="detail-header">
        <div>
          <h2 data-testid="detail-name">{c.name}</h2>
          <p class="muted small">
            {c.type || 'no type'} · {c.channel || 'no channel'} · owner {c.owner || '–'} · {c.start_date ?? '?'} to {c.end_date ?? '?'}
          </p>
        </div>
        <div class="detail-actions">
          <span data-testid="detail-state">
            <StateBadge state={c.state} />
          </span>
          {canChange
            ? d.transitions
                .filter((t) => t !== 'approved' || c.state === 'scheduled')
                .map((t) => (
                  <button type="button" key={t} class={`btn btn-small ${t === 'live' ? 'btn-primary' : ''}`} disabled={busy} data-testid={`transition-${t}`} onClick={() => act(() => post(`/api/v1/campaigns/${id}/transition`, { to: t }))}>
                    {TRANSITION_LABELS[t] ?? humanize(t)}
                  </button>
                ))
            : null}
          <button type="button" class="btn btn-small btn-ghost" onClick={onClose} aria-label="Close">
            ×
          </button>
        </div>
      </header>
      {error ? <Banner error={error} title="Not done" onDismiss={() => setError(null)} /> : null}
      <dl class="fields">
        <dt>Goal</dt>
        <dd>{c.goal || '–'}</dd>
        <dt>Audience</dt>
        <dd>{c.audience || '–'}</dd>
        <dt>utm_campaign</dt>
        <dd>
          <code>{c.utm_campaign || '–'}</code>
        </dd>
        <dt>Budget</dt>
        <dd>{money(c.budget, c.currency)}</dd>
      </dl>
      {d.launch_blockers.length > 0 ? (
        <div class="blockers" data-testid="launch-blockers">
          <strong>{c.state === 'live' || c.state === 'completed' ? 'Launched although:' : 'Cannot go live yet:'}</strong>
          <ul>
            {d.launch_blockers.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
        </div>
      ) : (
        <p class="ok" data-testid="launch-ready">
          Every approval and blocking QA item passed.
        </p>
      )}
      <div class="panel-grid">
        <div>
          <h3>QA checklist</h3>
          <ul class="checklist" data-testid="qa-list">
            {d.qa.map((q) => (
              <li key={q.key} class={q.passed ? 'pass' : 'fail'}>
                {q.automatic ? (
                  <span class="qa-mark">{q.passed ? '✓' : '✗'}</span>
                ) : (
                  <input
                    type="checkbox"
                    checked={q.passed}
                    disabled={!canChange || busy}
                    aria-label={q.label}
                    onChange={(e) => act(() => request('PUT', `/api/v1/campaigns/${id}/checklist/${q.key.slice(7)}`, { body: { done: e.currentTarget.checked } }))}
                  />
                )}
                <span>{q.label}</span>
                {!q.passed && q.detail ? <span class="muted small"> {q.detail}</span> : null}
              </li>
            ))}
          </ul>
        </div>
        <div>
          <h3>Approvals</h3>
          {d.overdue_steps.length > 0 ? <p class="warn small">{d.overdue_steps.length} step(s) overdue</p> : null}
          {d.approvals.length === 0 && d.approval_chain.length > 0 ? (
            <div class="small" data-testid="approval-chain">
              <span class="muted">Chain (its steps start when the campaign is submitted for review):</span>
              <ol class="plain">
                {d.approval_chain.map((s) => (
                  <li key={`${s.stage}-${s.name}`}>
                    stage {s.stage}: {s.name} ({s.user ? `user ${s.user}` : `role ${s.role}`}, due in {s.due_days} day(s))
                  </li>
                ))}
              </ol>
            </div>
          ) : null}
          <table class="data-table" data-testid="approvals">
            <thead>
              <tr>
                <th>Round</th>
                <th>Step</th>
                <th>For</th>
                <th>Decision</th>
                <th>Due</th>
              </tr>
            </thead>
            <tbody>
              {d.approvals.map((s) => (
                <tr key={s.id} data-testid="approval-step" data-step={s.id}>
                  <td>
                    {s.round}.{s.stage}
                  </td>
                  <td>{s.name}</td>
                  <td>{s.user ?? s.role}</td>
                  <td>
                    {humanize(s.decision)}
                    {s.decided_by ? <span class="muted small"> by {s.decided_by}</span> : null}
                    {s.comment ? <div class="small">“{s.comment}”</div> : null}
                    {active.has(s.id) && canApprove && c.state === 'in_review' ? (
                      <div class="decide">
                        {DECISIONS.map(([k, label]) => (
                          <button type="button" key={k} class={`btn btn-small ${k === 'approved' ? 'btn-primary' : ''}`} disabled={busy} data-testid={`decide-${k}`} onClick={() => act(() => post(`/api/v1/campaigns/${id}/approvals/${s.id}`, { decision: k, comment }))}>
                            {label}
                          </button>
                        ))}
                      </div>
                    ) : null}
                  </td>
                  <td class="date small">{s.due_at.slice(0, 10)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {canApprove && c.state === 'in_review' ? (
            <label class="field-inline">
              Comment
              <input value={comment} onInput={(e) => setComment(e.currentTarget.value)} data-testid="decision-comment" />
            </label>
          ) : null}
        </div>
      </div>
      <div class="panel-grid">
        <div>
          <h3>Assets</h3>
          <ul class="small" data-testid="assets">
            {d.assets.map((a) => (
              <li key={a.id}>
                {a.name} <span class="muted">({a.type}, {a.status})</span>
                {a.url ? (
                  <div>
                    <AssetUrl url={a.url} />
                  </div>
                ) : null}
              </li>
            ))}
            {d.assets.length === 0 ? <li class="muted">No assets</li> : null}
          </ul>
          <h3>Members by status</h3>
          <table class="data-table" data-testid="members">
            <tbody>
              {d.members.by_status.map((m) => (
                <tr key={m.status}>
                  <td>
                    {m.status}
                    {m.responded ? <span class="tag">responded</span> : null}
                  </td>
                  <td class="num">{formatInteger(m.members)}</td>
                </tr>
              ))}
              <tr>
                <th>Total</th>
                <th class="num">{formatInteger(d.members.total)}</th>
              </tr>
            </tbody>
          </table>
        </div>
        <div data-testid="budget">
          <h3>Budget vs actual</h3>
          <p class={b.over_budget ? 'bad' : ''} data-testid="budget-summary">
            {money(b.actual, b.currency)} of {money(b.budget, b.currency)} ({b.over_budget ? 'over budget' : `variance ${money(b.variance, b.currency)}`}) · pacing {b.pacing == null ? '–' : b.pacing.toFixed(2)} ({humanize(b.pacing_status)}) · elapsed {pct(b.elapsed)}
          </p>
          <p class="small muted">
            Cost per member {b.cost_per_member == null ? '–' : money(b.cost_per_member, b.currency)}, response{' '}
            {b.cost_per_response == null ? '–' : money(b.cost_per_response, b.currency)}, opportunity {b.cost_per_opportunity == null ? '–' : money(b.cost_per_opportunity, b.currency)}, won deal{' '}
            {b.cost_per_won_deal == null ? '–' : money(b.cost_per_won_deal, b.currency)}
          </p>
          <BudgetChart budget={b} />
        </div>
      </div>
    </section>
  );
}

// --------------------------------------------------------------------- page

function CampaignsPage() {
  const [params, setParams] = useState(hashParams);
  const [generation, setGeneration] = useState(0);
  const [listGeneration, setListGeneration] = useState(0);
  const [me, setMe] = useState(null);
  useEffect(() => setHash(params), [params]);
  // A link or the address bar changes the tab or the campaign in place.
  useEffect(() => {
    const onChange = () => setParams(hashParams());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  useEffect(() => {
    const ctrl = new AbortController();
    get('/api/v1/me', { signal: ctrl.signal }).then(setMe, () => {});
    return () => ctrl.abort();
  }, []);
  const open = (id) => {
    setParams({ ...params, id: String(id) });
    window.scrollTo?.(0, 0);
  };
  return (
    <section class="page campaigns-page" data-testid="page-campaigns">
      <header class="page-header">
        <div>
          <h1>Campaigns</h1>
          <p class="page-subtitle">Hierarchy, calendar, approvals, QA, launch, budgets and UTM governance.</p>
        </div>
        <nav class="tabs" aria-label="Campaign views">
          {TABS.map(([k, label]) => (
            <button type="button" key={k} class={`btn btn-small ${params.tab === k ? 'btn-primary' : ''}`} data-testid={`tab-${k}`} aria-pressed={params.tab === k} onClick={() => setParams({ ...params, tab: k })}>
              {label}
            </button>
          ))}
        </nav>
      </header>
      {params.id ? <Detail key={`${params.id}-${generation}`} id={params.id} me={me} onClose={() => setParams({ ...params, id: '' })} onChanged={() => setListGeneration((g) => g + 1)} /> : null}
      <div key={`${generation}-${listGeneration}`}>
        {params.tab === 'hierarchy' ? <Hierarchy onOpen={open} /> : null}
        {params.tab === 'board' ? <Board onOpen={open} /> : null}
        {params.tab === 'calendar' ? <Calendar onOpen={open} /> : null}
        {params.tab === 'utm' ? <UtmHealth /> : null}
        {params.tab === 'templates' ? <Templates me={me} onOpen={open} /> : null}
        {params.tab === 'assets' ? <AssetLibrary me={me} onOpen={open} /> : null}
      </div>
      <button type="button" class="btn btn-small btn-ghost" onClick={() => setGeneration((g) => g + 1)} data-testid="refresh">
        Refresh
      </button>
    </section>
  );
}

export default {
  id: 'campaigns',
  title: 'Campaigns',
  icon: 'campaigns',
  summary: 'Campaign hierarchy, UTM governance, approvals, QA and budgets.',
  component: CampaignsPage,
};
