// The enrichment panel of the data-quality page: fill rate per field before
// and after the latest run (chart), the conflicts it listed, the last runs
// with undo, and where each value of one record came from. Everything from
// data is shown as JSX text (escaped by Preact) or, in the chart's tooltip,
// as DOM text (escape.js).
import { useMemo, useState } from 'preact/hooks';
import { get, request } from '../api.js';
import { useApi } from '../hooks.js';
import { formatInteger } from '../format.js';
import { axisTooltip } from '../escape.js';
import { Banner } from './Banner.jsx';
import { EChart } from './EChart.jsx';
import { Loading } from './Loading.jsx';

const pct = (v) => `${(100 * v).toFixed(1)}%`;

function FillChart({ fields }) {
  // Fields some source could fill, as horizontal bars: before and after.
  const shown = fields.filter((f) => f.records > 0);
  const names = shown.map((f) => f.field);
  const option = useMemo(() => ({
    animationDuration: 300,
    textStyle: { fontFamily: 'inherit' },
    grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
    legend: { top: 0, left: 0, data: ['Before', 'After'] },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      formatter: axisTooltip((v) => (v == null ? '–' : `${Number(v).toFixed(1)}%`)),
    },
    xAxis: { type: 'value', max: 100, axisLabel: { color: '#64748b', formatter: '{value}%' } },
    yAxis: { type: 'category', data: names, inverse: true, axisLabel: { color: '#334155' } },
    series: [
      { name: 'Before', type: 'bar', color: '#94a3b8', data: shown.map((f) => +(100 * f.fill_before).toFixed(2)) },
      { name: 'After', type: 'bar', color: '#2563eb', data: shown.map((f) => +(100 * f.fill_after).toFixed(2)) },
    ],
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }), [fields]);
  return (
    <EChart
      option={option}
      testid="enrich-fill-chart"
      label="Fill rate per field before and after the latest enrichment run"
      height={Math.max(260, 26 * names.length + 60)}
    />
  );
}

function FillTable({ fields }) {
  return (
    <table class="q-table" data-testid="enrich-fill-table">
      <thead>
        <tr>
          <th>Field</th>
          <th class="num">Records</th>
          <th class="num">Before</th>
          <th class="num">After</th>
          <th class="num">Changed</th>
          <th>By source</th>
        </tr>
      </thead>
      <tbody>
        {fields.map((f) => (
          <tr key={f.field} data-testid={`enrich-field-${f.field}`} data-after={String(f.after)}>
            <td>{f.field}</td>
            <td class="num">{formatInteger(f.records)}</td>
            <td class="num">{pct(f.fill_before)}</td>
            <td class="num">{pct(f.fill_after)}</td>
            <td class="num">{formatInteger(f.changed)}</td>
            <td class="muted">
              {Object.entries(f.by_source ?? {})
                .map(([s, n]) => `${s}: ${formatInteger(n)}`)
                .join(', ')}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Conflicts({ conflicts }) {
  if (conflicts.error) return <Banner error={conflicts.error} title="Could not load conflicts" onRetry={conflicts.reload} />;
  if (!conflicts.data) return <Loading label="Loading conflicts…" />;
  const items = conflicts.data.items ?? [];
  if (!items.length) {
    return (
      <p class="muted" data-testid="enrich-no-conflicts">
        No conflicts: where sources agree within tolerance, or only one has a value, the waterfall decides.
      </p>
    );
  }
  return (
    <table class="q-table" data-testid="enrich-conflicts">
      <thead>
        <tr>
          <th>Record</th>
          <th>Field</th>
          <th>Value</th>
          <th>Disagrees with</th>
          <th>Why</th>
        </tr>
      </thead>
      <tbody>
        {items.map((c, i) => (
          <tr key={i} data-testid="enrich-conflict">
            <td>
              {c.entity} #{c.record_id}
            </td>
            <td>{c.field}</td>
            <td>
              {c.kept_value} <span class="muted">({c.kept_source})</span>
            </td>
            <td>
              {c.other_value}{' '}
              <span class="muted">
                ({c.other_source}
                {c.other_record_id ? ` ${c.other_record_id}` : ''})
              </span>
            </td>
            <td class="muted">{c.reason}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Runs({ runs, onUndo, busy }) {
  const items = runs.data?.items ?? [];
  if (!items.length) {
    return (
      <p class="muted" data-testid="enrich-no-runs">
        No enrichment run yet. Load vendor exports with mops quality enrich load FILE, then enrich.
      </p>
    );
  }
  return (
    <table class="q-table" data-testid="enrich-runs">
      <thead>
        <tr>
          <th class="num">Run</th>
          <th>When</th>
          <th>Source</th>
          <th class="num">Records</th>
          <th class="num">Fields</th>
          <th class="num">Conflicts</th>
          <th>By</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {items.map((r) => (
          <tr key={r.run_id} data-testid={`enrich-run-${r.run_id}`} data-undone={r.undone_at ? 'true' : 'false'} class={r.undone_at ? 'q-undone' : ''}>
            <td class="num">{r.run_id}</td>
            <td>{r.at.slice(0, 16).replace('T', ' ')}</td>
            <td>{r.source || 'all'}</td>
            <td class="num">{formatInteger(r.records_changed)}</td>
            <td class="num">{formatInteger(r.fields_changed)}</td>
            <td class="num">{formatInteger(r.conflicts)}</td>
            <td class="muted">{r.actor}</td>
            <td>
              {r.undone_at ? (
                <span class="muted">undone</span>
              ) : (
                <button
                  type="button"
                  class="btn btn-small btn-secondary"
                  disabled={busy}
                  onClick={() => onUndo(r.run_id)}
                  data-testid={`enrich-undo-${r.run_id}`}
                >
                  Undo
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

// Where each enriched value of one contact or account came from.
function Provenance() {
  const [entity, setEntity] = useState('contacts');
  const [id, setId] = useState('');
  const [record, setRecord] = useState(null);
  const [error, setError] = useState(null);
  const look = async (e) => {
    e.preventDefault();
    setError(null);
    setRecord(null);
    try {
      setRecord(await get(`/api/v1/${entity}/${encodeURIComponent(id.trim())}`));
    } catch (err) {
      setError(err);
    }
  };
  const provenance = record?.provenance ?? {};
  const fields = Object.keys(provenance);
  return (
    <div data-testid="enrich-provenance">
      <form class="inline-form" onSubmit={look}>
        <select value={entity} onChange={(e) => setEntity(e.currentTarget.value)} data-testid="enrich-prov-entity">
          <option value="contacts">Contact</option>
          <option value="accounts">Account</option>
        </select>
        <input
          type="text"
          inputMode="numeric"
          placeholder="id"
          value={id}
          onInput={(e) => setId(e.currentTarget.value)}
          data-testid="enrich-prov-id"
        />
        <button type="submit" class="btn btn-small btn-secondary" data-testid="enrich-prov-show">
          Show
        </button>
      </form>
      {error ? <Banner error={error} title="Could not load the record" onDismiss={() => setError(null)} /> : null}
      {record && !fields.length ? <p class="muted">No enriched values on this record: every value is as entered or imported.</p> : null}
      {fields.length ? (
        <table class="q-table" data-testid="enrich-prov-table">
          <thead>
            <tr>
              <th>Field</th>
              <th>Value</th>
              <th>Source</th>
              <th>Vendor record</th>
              <th class="num">Confidence</th>
              <th>Reason</th>
              <th>When</th>
            </tr>
          </thead>
          <tbody>
            {fields.map((f) => (
              <tr key={f} data-testid={`enrich-prov-${f}`}>
                <td>{f}</td>
                <td>{record[f] == null ? '–' : String(record[f])}</td>
                <td>{provenance[f].source}</td>
                <td>{provenance[f].vendor_record_id ?? ''}</td>
                <td class="num">{Number(provenance[f].confidence).toFixed(2)}</td>
                <td class="muted">{provenance[f].reason}</td>
                <td>{String(provenance[f].at ?? '').slice(0, 16).replace('T', ' ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}

export function EnrichmentPanel() {
  const runs = useApi((opts) => get('/api/v1/quality/enrich/runs', opts));
  const conflicts = useApi((opts) => get('/api/v1/quality/enrich/conflicts', opts));
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState(null);
  const [error, setError] = useState(null);

  const act = async (label, fn) => {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      setNotice(await fn());
      runs.reload();
      conflicts.reload();
    } catch (e) {
      setError({ e, label });
    } finally {
      setBusy(false);
    }
  };
  const enrich = (dryRun) =>
    act(dryRun ? 'preview' : 'enrichment', async () => {
      const r = await request('POST', '/api/v1/quality/enrich', { body: { dry_run: dryRun } });
      return dryRun
        ? `A run would change ${formatInteger(r.fields_changed)} fields of ${formatInteger(r.records_changed)} records (${formatInteger(r.conflict_count)} conflicts).`
        : `Run ${r.run_id}: ${formatInteger(r.fields_changed)} fields of ${formatInteger(r.records_changed)} records changed, ${formatInteger(r.conflict_count)} conflicts listed.`;
    });
  const undo = (id) =>
    act('undo', async () => {
      await request('POST', `/api/v1/quality/enrich/runs/${id}/undo`, { body: {} });
      return `Enrichment run ${id} undone.`;
    });

  const latest = runs.data?.latest;
  return (
    <div class="card q-card" style={{ marginTop: 16 }} data-testid="enrich-panel">
      <div class="card-header">
        <h2>Enrichment</h2>
        <div class="q-actions">
          <button type="button" class="btn btn-small btn-secondary" disabled={busy} onClick={() => enrich(true)} data-testid="enrich-preview">
            Preview
          </button>
          <button type="button" class="btn btn-small btn-primary" disabled={busy} onClick={() => enrich(false)} data-testid="enrich-run">
            {busy ? 'Working…' : 'Enrich'}
          </button>
        </div>
      </div>
      {notice ? (
        <p class="q-note" data-testid="enrich-notice">
          {notice}
        </p>
      ) : null}
      {error ? <Banner error={error.e} title={`The ${error.label} failed`} onDismiss={() => setError(null)} /> : null}
      {runs.error ? <Banner error={runs.error} title="Could not load enrichment runs" onRetry={runs.reload} /> : null}
      {runs.loading && !runs.data ? <Loading label="Loading enrichment runs…" /> : null}
      {latest ? (
        <>
          <h3 class="section-title">
            Fill rate before and after run {latest.run_id}
            <span class="muted"> · {latest.at?.slice(0, 16).replace('T', ' ')}</span>
          </h3>
          <FillChart fields={latest.fields ?? []} />
          <FillTable fields={latest.fields ?? []} />
        </>
      ) : null}
      <h3 class="section-title">Conflicts to resolve</h3>
      <Conflicts conflicts={conflicts} />
      <h3 class="section-title">Last runs</h3>
      {runs.data ? <Runs runs={runs} onUndo={undo} busy={busy} /> : null}
      <h3 class="section-title">Where a value came from</h3>
      <Provenance />
    </div>
  );
}
