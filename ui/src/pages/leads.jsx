// Leads: score distribution and grade matrix, MQLs per week, the handoff
// funnel, SLA by rep, the routing queue, the backtest's lift per decile, and
// one lead's score explanation, stored scores and lifecycle timeline. Every figure comes from
// /api/v1/leads/...; the grade matrix's cells list the records behind them.
import { useMemo, useState } from 'preact/hooks';
import { get, post } from '../api.js';
import { useApi } from '../hooks.js';
import { formatInteger, formatMinutes } from '../format.js';
import { axisTooltip } from '../escape.js';
import { Banner } from '../components/Banner.jsx';
import { Loading } from '../components/Loading.jsx';
import { EChart } from '../components/EChart.jsx';
import './leads.css';

const LETTERS = ['A', 'B', 'C', 'D'];
const DIGITS = ['1', '2', '3', '4'];
const points = (v) => (Number.isFinite(v) ? v.toFixed(1) : '–');
const percent = (v) => (Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : '–');

function Panel({ title, aside, testid, children }) {
  return (
    <div class="card panel" data-testid={testid}>
      <div class="panel-head">
        <h2>{title}</h2>
        {aside ? <span class="muted small">{aside}</span> : null}
      </div>
      {children}
    </div>
  );
}

function barOption(categories, series, { yName, stack, percentAxis } = {}) {
  return {
    animation: false,
    tooltip: { trigger: 'axis', formatter: axisTooltip((v) => (percentAxis ? Number(v).toFixed(2) : formatInteger(v))) },
    legend: series.length > 1 ? { top: 0 } : undefined,
    grid: { left: 56, right: 16, top: series.length > 1 ? 34 : 16, bottom: 48 },
    xAxis: { type: 'category', data: categories, axisLabel: { hideOverlap: true } },
    yAxis: { type: 'value', name: yName, minInterval: percentAxis ? 0 : 1 },
    series: series.map((s) => ({ type: s.type || 'bar', stack, ...s })),
  };
}

function GradeMatrix({ grades, selected, onSelect }) {
  return (
    <table class="grade-matrix" data-testid="grade-matrix">
      <thead>
        <tr>
          <th>fit \ engagement</th>
          {DIGITS.map((d) => (
            <th key={d}>{d}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {LETTERS.map((l) => (
          <tr key={l}>
            <th>{l}</th>
            {DIGITS.map((d) => {
              const g = l + d;
              const n = grades[g] ?? 0;
              return (
                <td key={g} class={`${selected === g ? 'selected' : ''} heat-${Math.min(4, Math.ceil(Math.log10(n + 1)))}`}>
                  <button type="button" class="cell-button" data-testid={`grade-${g}`} data-value={n} onClick={() => onSelect(selected === g ? null : g)}>
                    {formatInteger(n)}
                  </button>
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

// A score's fit, engagement, total and grade: the headings and the cells,
// as the list and the stored scores show them.
function ScoreHeads() {
  return (
    <>
      <th class="num">Fit</th>
      <th class="num">Engagement</th>
      <th class="num">Total</th>
      <th>Grade</th>
    </>
  );
}

function ScoreCells({ score }) {
  return (
    <>
      <td class="num">{points(score.fit)}</td>
      <td class="num">{points(score.engagement)}</td>
      <td class="num">{points(score.total)}</td>
      <td>{score.grade}</td>
    </>
  );
}

// `asOf` (the newest stored score) changes after a rescore: the list is
// read again then.
function LeadList({ grade, asOf, onOpen }) {
  const list = useApi(
    (opts) => get(`/api/v1/leads/scores?limit=25${grade ? `&grade=${encodeURIComponent(grade)}` : ''}`, opts),
    [grade, asOf],
  );
  if (list.error) return <Banner error={list.error} />;
  if (!list.data) return <Loading label="Loading leads…" />;
  return (
    <div class="table-scroll">
      <p class="muted small" data-testid="lead-list-total" data-value={list.data.total}>
        {formatInteger(list.data.total)} leads{grade ? ` graded ${grade}` : ''}, highest score first
      </p>
      <table class="data-table" data-testid="lead-list">
        <thead>
          <tr>
            <th>Lead</th>
            <th>Stage</th>
            <ScoreHeads />
          </tr>
        </thead>
        <tbody>
          {list.data.items.map((r) => (
            <tr key={r.contact_id}>
              <td>
                <button type="button" class="link-button" data-testid="open-lead" onClick={() => onOpen(r.contact_id)}>
                  {r.name || r.email || `#${r.contact_id}`}
                </button>
                <div class="muted small">{r.email}</div>
              </td>
              <td>{r.lifecycle_stage}</td>
              <ScoreCells score={r} />
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

// Explained as of its stored score (the route's default), so that the
// lines add up to the total the list shows even when some contacts were
// rescored later than the others (a tracked event rescores its contact).
function LeadDetail({ id, onClose }) {
  const detail = useApi((opts) => get(`/api/v1/leads/contacts/${id}`, opts), [id]);
  if (detail.error) return <Banner error={detail.error} />;
  if (!detail.data) return <Loading label="Explaining the score…" />;
  const d = detail.data;
  const sum = d.lines.reduce((s, l) => s + l.points, 0);
  return (
    <div class="lead-detail" data-testid="lead-detail">
      <div class="panel-head">
        <h3 data-testid="lead-name">{d.contact?.name || d.contact?.email || `Contact ${d.contact_id}`}</h3>
        <button type="button" class="btn btn-small" onClick={onClose}>
          Close
        </button>
      </div>
      <p>
        Score <strong data-testid="lead-total">{points(d.total)}</strong> = fit {points(d.fit)} + engagement {points(d.engagement)}, grade{' '}
        <strong>{d.grade}</strong> as of {d.as_of.slice(0, 10)}. The lines below add up to{' '}
        <span data-testid="lead-lines-sum">{points(sum)}</span>.
      </p>
      <div class="table-scroll tall">
        <table class="data-table" data-testid="explain-lines">
          <thead>
            <tr>
              <th>Group</th>
              <th>Rule</th>
              <th>Why</th>
              <th>When</th>
              <th class="num">Earned</th>
              <th class="num">Counts now</th>
              <th>Halves</th>
              <th>Expires</th>
            </tr>
          </thead>
          <tbody>
            {d.lines.map((l, i) => (
              <tr key={i}>
                <td>{l.group}</td>
                <td>{l.rule}</td>
                <td class="small">{l.detail}</td>
                <td class="date">{l.occurred_at ? l.occurred_at.slice(0, 10) : ''}</td>
                <td class="num">{points(l.raw)}</td>
                <td class="num">{points(l.points)}</td>
                <td class="date">{l.halves_at ? l.halves_at.slice(0, 10) : ''}</td>
                <td class="date">{l.expires_at ? l.expires_at.slice(0, 10) : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h4>Stored scores</h4>
      <p class="muted small">Each score a rescore stored for this lead, from when it was set; the last is the current one.</p>
      <div class="table-scroll">
        <table class="data-table" data-testid="score-history">
          <thead>
            <tr>
              <th>Since</th>
              <ScoreHeads />
            </tr>
          </thead>
          <tbody>
            {d.score_history.map((h, i) => (
              <tr key={i} data-total={h.total}>
                <td class="date">{h.at.slice(0, 10)}</td>
                <ScoreCells score={h} />
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h4>Lifecycle</h4>
      <ol class="timeline" data-testid="lifecycle-timeline">
        {d.lifecycle.map((h, i) => (
          <li key={i}>
            <strong>{h.stage}</strong> <span class="muted">{h.entered_at.slice(0, 16).replace('T', ' ')}</span>
            {h.from_stage ? <span class="muted"> from {h.from_stage}</span> : null}
            {h.cause ? <div class="small">{h.cause}</div> : null}
          </li>
        ))}
      </ol>
      {d.assignments.length ? (
        <>
          <h4>Assignments</h4>
          <ul class="small">
            {d.assignments.map((a, i) => (
              <li key={i}>
                {a.at.slice(0, 10)}: {a.user || a.queue} by rule {a.rule || '(none)'}
                {a.reason ? ` (${a.reason})` : ''}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}

function minusDays(iso, days) {
  return new Date(Date.parse(iso) - days * 86_400_000).toISOString().slice(0, 10);
}

function LeadsPage() {
  const summary = useApi((opts) => get('/api/v1/leads/summary', opts), []);
  const asOf = summary.data?.last_as_of ?? null;
  const sla = useApi((opts) => get(`/api/v1/leads/sla${asOf ? `?as_of=${encodeURIComponent(asOf)}` : ''}`, opts), [asOf]);
  const queue = useApi((opts) => get('/api/v1/leads/queue?limit=20', opts), []);
  const backtestAsOf = asOf ? minusDays(asOf, 90) : null;
  const backtest = useApi(
    (opts) => (backtestAsOf ? post('/api/v1/leads/backtest', { as_of: backtestAsOf, horizon_days: 90 }, opts) : Promise.resolve(null)),
    [backtestAsOf],
  );
  const [grade, setGrade] = useState(null);
  const [openLead, setOpenLead] = useState(null);
  // Rescoring from the page (POST /api/v1/leads/score, role ops): then every
  // panel reads the new scores.
  const [rescoring, setRescoring] = useState(false);
  const [rescored, setRescored] = useState(null);
  const [rescoreError, setRescoreError] = useState(null);
  const rescore = async () => {
    setRescoring(true);
    setRescoreError(null);
    try {
      const r = await post('/api/v1/leads/score', {});
      setRescored(r);
      summary.reload();
      sla.reload();
      queue.reload();
    } catch (e) {
      setRescoreError(e);
    } finally {
      setRescoring(false);
    }
  };

  const s = summary.data;
  const distributionOpt = useMemo(
    () => s && barOption(s.distribution.map((b) => `${b.from}–${b.to}`), [{ name: 'Contacts', data: s.distribution.map((b) => b.contacts) }], { yName: 'contacts' }),
    [s],
  );
  const mqlOpt = useMemo(
    () => s && barOption(s.mqls_per_week.map((w) => w.week), [{ name: 'MQLs', type: 'line', data: s.mqls_per_week.map((w) => w.mqls) }], { yName: 'MQLs' }),
    [s],
  );
  const funnel = sla.data?.funnel ?? [];
  const funnelOpt = useMemo(
    () =>
      funnel.length &&
      barOption(
        funnel.map((f) => f.month),
        ['mql', 'sal', 'sql', 'opportunity', 'won'].map((k) => ({ name: k.toUpperCase(), data: funnel.map((f) => f[k]) })),
        { yName: 'leads' },
      ),
    [sla.data],
  );
  const reps = sla.data?.reps ?? [];
  const slaOpt = useMemo(
    () =>
      reps.length &&
      barOption(
        reps.map((r) => r.name),
        [
          { name: 'Met', data: reps.map((r) => r.met), itemStyle: { color: '#16a34a' } },
          { name: 'Breached', data: reps.map((r) => r.breached), itemStyle: { color: '#dc2626' } },
          { name: 'At risk', data: reps.map((r) => r.at_risk), itemStyle: { color: '#f59e0b' } },
          { name: 'Open', data: reps.map((r) => r.open), itemStyle: { color: '#94a3b8' } },
        ],
        { yName: 'leads', stack: 'sla' },
      ),
    [sla.data],
  );
  const bt = backtest.data?.stored;
  const liftOpt = useMemo(
    () =>
      bt &&
      barOption(
        bt.deciles.map((d) => `D${d.label}`),
        [
          { name: 'Lift', data: bt.deciles.map((d) => Number(d.lift.toFixed(3))) },
          { name: 'Baseline', type: 'line', data: bt.deciles.map(() => 1), symbol: 'none', lineStyle: { type: 'dashed' } },
        ],
        { yName: 'lift', percentAxis: true },
      ),
    [backtest.data],
  );

  if (summary.error) return <Banner error={summary.error} title="Lead scores could not be loaded" />;
  if (!s) return <Loading label="Loading lead scores…" />;
  return (
    <section class="leads-page" data-testid="page-leads">
      <header class="page-header">
        <div>
          <h1>Leads</h1>
          <p class="muted">
            {formatInteger(s.scored)} contacts with a score{asOf ? `, as of ${asOf.slice(0, 10)}` : ''}; MQL at fit ≥ {s.mql_threshold.fit} and engagement ≥ {s.mql_threshold.engagement}.
          </p>
        </div>
        <button type="button" class="btn btn-primary" onClick={rescore} disabled={rescoring} data-testid="rescore">
          {rescoring ? 'Scoring…' : 'Rescore now'}
        </button>
      </header>
      {rescored ? (
        <p class="small" data-testid="rescore-result">
          Rescored {formatInteger(rescored.contacts)} contacts as of {rescored.as_of.slice(0, 10)}: {formatInteger(rescored.changed)} scores changed,{' '}
          {formatInteger(rescored.new_mqls)} new {rescored.new_mqls === 1 ? 'MQL' : 'MQLs'}.
        </p>
      ) : null}
      {rescoreError ? <Banner error={rescoreError} title="The rescore failed" onDismiss={() => setRescoreError(null)} /> : null}
      {s.scored === 0 ? (
        <div class="card empty-state" data-testid="leads-empty">
          <p>No scores yet</p>
          <p class="muted">
            Rescore now, or run <code>mops leads score</code>, to score every contact.
          </p>
        </div>
      ) : null}
      <div class="panel-grid">
        <Panel title="Grade matrix" aside="fit A–D × engagement 1–4; click a cell for its leads" testid="panel-grades">
          <GradeMatrix grades={s.grades} selected={grade} onSelect={setGrade} />
        </Panel>
        <Panel title="Score distribution" aside="contacts per 10 points" testid="panel-distribution">
          {distributionOpt && s.distribution.length > 0 ? (
            <EChart option={distributionOpt} testid="chart-distribution" height={260} label="Score distribution" />
          ) : s ? (
            <p class="muted">No scores yet.</p>
          ) : null}
        </Panel>
      </div>
      <Panel title={grade ? `Leads graded ${grade}` : 'Top leads'} aside="open one for its score explanation" testid="panel-leads">
        {openLead ? <LeadDetail id={openLead} onClose={() => setOpenLead(null)} /> : null}
        <LeadList grade={grade} asOf={asOf} onOpen={setOpenLead} />
      </Panel>
      <div class="panel-grid">
        <Panel title="MQLs per week" testid="panel-mqls">
          {mqlOpt && s.mqls_per_week.length ? <EChart option={mqlOpt} testid="chart-mqls" height={260} label="MQLs per week" /> : <p class="muted">No MQLs yet.</p>}
        </Panel>
        <Panel title="Handoff funnel" aside="MQL → SAL → SQL → opportunity → won, by month of MQL" testid="panel-funnel">
          {sla.error ? <Banner error={sla.error} /> : funnelOpt ? <EChart option={funnelOpt} testid="chart-funnel" height={260} label="Handoff funnel by month" /> : <p class="muted">No MQLs yet.</p>}
        </Panel>
      </div>
      <div class="panel-grid">
        <Panel title="SLA by rep" aside={reps.length ? `${sla.data.escalations.length} to escalate` : ''} testid="panel-sla">
          {slaOpt ? <EChart option={slaOpt} testid="chart-sla" height={280} label="SLA compliance by rep" /> : <p class="muted">No leads handed to sales yet.</p>}
          {reps.length ? (
            <table class="data-table small" data-testid="sla-table">
              <thead>
                <tr>
                  <th>Rep</th>
                  <th class="num">Leads</th>
                  <th class="num">Within SLA</th>
                  <th class="num">Median time to touch</th>
                </tr>
              </thead>
              <tbody>
                {reps.map((r) => (
                  <tr key={r.name}>
                    <td>{r.name}</td>
                    <td class="num">{formatInteger(r.leads)}</td>
                    <td class="num">{percent(r.within_sla)}</td>
                    <td class="num" title={r.median_minutes_to_first_touch == null ? '' : `${r.median_minutes_to_first_touch} minutes`}>
                      {formatMinutes(r.median_minutes_to_first_touch ?? NaN)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </Panel>
        <Panel title="Backtest: lift per score decile" aside={bt ? `as of ${backtestAsOf}, 90 days; AUC ${bt.auc.toFixed(3)}` : ''} testid="panel-backtest">
          {backtest.error ? <Banner error={backtest.error} /> : liftOpt ? (
            <>
              <EChart option={liftOpt} testid="chart-lift" height={260} label="Lift per score decile" />
              <p class="small muted" data-testid="backtest-auc" data-value={bt.auc}>
                {formatInteger(bt.contacts)} leads, {formatInteger(bt.converted)} opportunities ({percent(bt.rate)}); {formatInteger(bt.mqls)} MQLs at the threshold converted at {percent(bt.mql_rate)}.
              </p>
            </>
          ) : !backtestAsOf ? (
            <p class="muted">No scores to backtest yet.</p>
          ) : (
            <Loading label="Backtesting…" />
          )}
        </Panel>
      </div>
      <Panel title="Routing queue" aside={queue.data ? `${formatInteger(queue.data.total)} ${queue.data.total === 1 ? 'MQL' : 'MQLs'} without an owner` : ''} testid="panel-queue">
        {queue.error ? <Banner error={queue.error} /> : !queue.data ? <Loading /> : queue.data.items.length ? (
          <table class="data-table small" data-testid="queue-table">
            <thead>
              <tr>
                <th>Lead</th>
                <th class="num">Score</th>
                <th>Grade</th>
                <th>Queue</th>
                <th>Why</th>
              </tr>
            </thead>
            <tbody>
              {queue.data.items.map((q) => (
                <tr key={q.contact_id}>
                  <td>
                    <button type="button" class="link-button" onClick={() => setOpenLead(q.contact_id)}>
                      {q.name || q.email}
                    </button>
                  </td>
                  <td class="num">{points(q.total)}</td>
                  <td>{q.grade ?? ''}</td>
                  <td>{q.queue}</td>
                  <td>{q.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p class="muted">Every MQL has an owner.</p>
        )}
      </Panel>
    </section>
  );
}

export default {
  id: 'leads',
  title: 'Leads',
  icon: 'leads',
  summary: 'Fit and engagement scoring, lifecycle stages, routing and SLA.',
  component: LeadsPage,
};
