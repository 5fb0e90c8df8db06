// The marketing operations audit: run it (ops), see the score per area, the
// top actions, the findings (filtered by area and severity, filters kept in
// the URL: #/audit?run=3&area=stack&severity=high), each with its evidence,
// example records and action; download the report as HTML, Markdown or JSON;
// and what changed since the previous stored run. Everything comes from
// /api/v1/audit/runs; text from data is rendered by Preact (escaped) and the
// chart's tooltip is built as DOM text (escape.js).
import { useMemo, useState } from 'preact/hooks';
import { get, post } from '../api.js';
import { useApi } from '../hooks.js';
import { tooltip } from '../escape.js';
import { Banner } from '../components/Banner.jsx';
import { Loading } from '../components/Loading.jsx';
import { EChart } from '../components/EChart.jsx';
import './audit.css';

const AREAS = ['stack', 'attribution', 'data', 'leads', 'campaigns', 'reporting'];
const SEVERITIES = ['high', 'medium', 'low'];

function hashParams() {
  const q = window.location.hash.split('?')[1] || '';
  const p = new URLSearchParams(q);
  return { run: p.get('run') || '', area: p.get('area') || '', severity: p.get('severity') || '' };
}

function setHashParams(params) {
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== '' && v != null)).toString();
  const next = q ? `#/audit?${q}` : '#/audit';
  if (window.location.hash !== next) history.replaceState(null, '', next);
}

function scoreOption(areas) {
  const labels = areas.map((a) => a.title);
  return {
    animation: false,
    grid: { left: 170, right: 40, top: 10, bottom: 30 },
    xAxis: { type: 'value', min: 0, max: 100 },
    yAxis: { type: 'category', data: labels, inverse: true },
    tooltip: {
      trigger: 'item',
      formatter: (p) => {
        const a = areas[p.dataIndex];
        return tooltip({
          title: a.title,
          rows: [
            { label: 'score', value: a.score == null ? 'no data' : `${a.score}/100` },
            { label: 'failed', value: String(a.failed) },
            { label: 'passed', value: String(a.passed) },
            { label: 'no data', value: String(a.no_data) },
          ],
        });
      },
    },
    series: [
      {
        type: 'bar',
        data: areas.map((a) => ({
          value: a.score ?? 0,
          itemStyle: { color: a.score == null ? '#cbd5e1' : a.score >= 80 ? '#10b981' : a.score >= 50 ? '#f59e0b' : '#ef4444' },
        })),
        label: { show: true, position: 'right', formatter: (p) => (areas[p.dataIndex].score == null ? 'no data' : String(p.value)) },
      },
    ],
  };
}

function Finding({ f }) {
  return (
    <li class={`audit-finding sev-${f.severity}`} data-testid="audit-finding" data-rule={f.rule}>
      <div class="audit-finding-head">
        <span class={`audit-sev sev-${f.severity}`}>{f.severity}</span>
        <b>{f.title}</b>
        <span class="muted small">{f.rule}</span>
        {f.impact ? <span class="audit-impact">{f.impact.text} {f.impact.kind}</span> : null}
        <span class="muted small">effort {f.effort}</span>
      </div>
      <p class="audit-evidence">{f.evidence}</p>
      {f.examples?.length ? (
        <ul class="audit-examples">
          {f.examples.map((e, i) => (
            <li key={i}>
              {e.link ? <a href={e.link}>{e.label}</a> : <span>{e.label}</span>}
              {e.detail ? <span class="muted"> · {e.detail}</span> : null}
            </li>
          ))}
          {f.example_total > f.examples.length ? (
            <li class="muted">and {f.example_total - f.examples.length} more</li>
          ) : null}
        </ul>
      ) : null}
      <p class="audit-action">
        <b>Action.</b> {f.action}
      </p>
    </li>
  );
}

function DiffPanel({ diff }) {
  if (!diff) return <p class="muted">No earlier stored run to compare with.</p>;
  return (
    <div data-testid="audit-diff">
      <table class="data-table">
        <thead>
          <tr>
            <th>area</th>
            <th class="num">before</th>
            <th class="num">after</th>
            <th class="num">change</th>
          </tr>
        </thead>
        <tbody>
          {diff.areas.map((a) => (
            <tr key={a.area}>
              <td>{a.title}</td>
              <td class="num">{a.before ?? '—'}</td>
              <td class="num">{a.after ?? '—'}</td>
              <td class="num">{a.change == null ? '' : a.change > 0 ? `+${a.change}` : a.change}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="audit-diff-lists">
        {['new', 'resolved', 'worse', 'better'].map((k) => (
          <div key={k}>
            <h4>
              {k} ({diff[k].length})
            </h4>
            <ul>
              {diff[k].map((f) => (
                <li key={f.rule}>
                  {f.title} <span class="muted small">{f.rule}</span>
                </li>
              ))}
            </ul>
          </div>
        ))}
      </div>
    </div>
  );
}

function AuditPage() {
  const [params, setParams] = useState(hashParams);
  const [running, setRunning] = useState(false);
  const [asOf, setAsOf] = useState('');
  const [runError, setRunError] = useState(null);
  const update = (next) => {
    const merged = { ...params, ...next };
    setParams(merged);
    setHashParams(merged);
  };
  const runs = useApi((opts) => get('/api/v1/audit/runs?limit=20', opts), []);
  const runId = params.run || runs.data?.items?.[0]?.id || '';
  const run = useApi((opts) => (runId ? get(`/api/v1/audit/runs/${runId}`, opts) : Promise.resolve(null)), [runId]);

  const startRun = async () => {
    setRunning(true);
    setRunError(null);
    try {
      const created = await post('/api/v1/audit/runs', asOf ? { as_of: asOf } : {});
      update({ run: String(created.id) });
      runs.reload();
    } catch (e) {
      setRunError(e);
    } finally {
      setRunning(false);
    }
  };

  const audit = run.data?.audit;
  const findings = useMemo(
    () =>
      (audit?.findings ?? []).filter(
        (f) => (!params.area || f.area === params.area) && (!params.severity || f.severity === params.severity),
      ),
    [audit, params.area, params.severity],
  );
  const noData = (audit?.no_data ?? []).filter((f) => !params.area || f.area === params.area);
  const option = useMemo(() => (audit ? scoreOption(audit.summary.areas) : null), [audit]);

  return (
    <section class="page audit-page" data-testid="page-audit">
      <header class="page-header">
        <div>
          <h1>Audit</h1>
          <p class="page-subtitle">
            The marketing operations audit: scores per area, findings with their evidence and actions, savings and pipeline at risk.
          </p>
        </div>
      </header>
      <div class="audit-toolbar">
        <button type="button" class="btn btn-primary" onClick={startRun} disabled={running} data-testid="audit-run">
          {running ? 'Running the audit…' : 'Run the audit'}
        </button>
        <label>
          As of{' '}
          <input type="date" value={asOf} onInput={(e) => setAsOf(e.currentTarget.value)} data-testid="audit-as-of" />
        </label>
        {runs.data?.items?.length ? (
          <label>
            Run{' '}
            <select value={String(runId)} onChange={(e) => update({ run: e.currentTarget.value })} data-testid="audit-run-select">
              {runs.data.items.map((r) => (
                <option key={r.id} value={String(r.id)}>
                  #{r.id} as of {r.as_of} ({r.summary?.findings ?? 0} findings)
                </option>
              ))}
            </select>
          </label>
        ) : null}
        {runId ? (
          <span class="audit-downloads">
            Download:{' '}
            {['html', 'pdf', 'md', 'json'].map((fmt) => (
              <a key={fmt} href={`/api/v1/audit/runs/${runId}/report?format=${fmt}`} download data-testid={`audit-download-${fmt}`}>
                {fmt.toUpperCase()}
              </a>
            ))}
          </span>
        ) : null}
      </div>
      {runError ? <Banner error={runError} title="The audit could not run" /> : null}
      {runs.error ? <Banner error={runs.error} title="Audit runs could not be loaded" /> : null}
      {!runs.data && !runs.error ? <Loading label="Loading audit runs…" /> : null}
      {runs.data && !runs.data.items.length && !running ? (
        <p class="muted" data-testid="audit-empty">
          No audit has run yet. Run it to score the stack, data, attribution, lead management, campaigns and reporting.
        </p>
      ) : null}
      {run.error ? <Banner error={run.error} title="The audit could not be loaded" /> : null}
      {audit ? (
        <>
          <div class="audit-summary">
            <div class="audit-cards">
              <div class="audit-card">
                Annual savings found<b data-testid="audit-savings">{audit.summary.annual_savings_text}</b>
              </div>
              <div class="audit-card">
                Pipeline at risk<b data-testid="audit-pipeline-at-risk">{audit.summary.pipeline_at_risk_text}</b>
                <span class="muted small">{audit.summary.at_risk_opportunities.length} open opportunities</span>
              </div>
              <div class="audit-card">
                Findings<b>{audit.findings.length}</b>
                <span class="muted small">{audit.passed.length} rules passed</span>
              </div>
            </div>
            <EChart option={option} testid="audit-scores" height={260} label="Score per area" />
          </div>
          <h3>Top actions</h3>
          <ol class="audit-top" data-testid="audit-top-actions">
            {audit.summary.top_actions.map((t) => (
              <li key={t.rule}>
                <b>{t.title}</b>: {t.action} <span class="muted small">({t.effort} effort{t.impact ? `, ${t.impact.text}` : ''})</span>
              </li>
            ))}
          </ol>
          <div class="audit-filters">
            <label>
              Area{' '}
              <select value={params.area} onChange={(e) => update({ area: e.currentTarget.value })} data-testid="audit-filter-area">
                <option value="">all</option>
                {AREAS.map((a) => (
                  <option key={a} value={a}>
                    {audit.summary.areas.find((x) => x.area === a)?.title ?? a}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Severity{' '}
              <select value={params.severity} onChange={(e) => update({ severity: e.currentTarget.value })} data-testid="audit-filter-severity">
                <option value="">all</option>
                {SEVERITIES.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            </label>
            <span class="muted small" data-testid="audit-count">
              {findings.length} of {audit.findings.length} findings
            </span>
          </div>
          <ul class="audit-findings">
            {findings.map((f) => (
              <Finding key={f.rule} f={f} />
            ))}
          </ul>
          {noData.length ? (
            <>
              <h3>Not enough data</h3>
              <ul class="audit-nodata">
                {noData.map((f) => (
                  <li key={`${f.area}-${f.rule}`} data-testid="audit-nodata">
                    <b>{f.area}</b>: {f.action}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
          <h3>Since the previous run</h3>
          <DiffPanel diff={run.data.diff} />
        </>
      ) : null}
    </section>
  );
}

export default {
  id: 'audit',
  title: 'Audit',
  icon: 'audit',
  summary: 'The marketing operations audit: scores, findings with evidence and actions, savings and pipeline at risk.',
  component: AuditPage,
};
