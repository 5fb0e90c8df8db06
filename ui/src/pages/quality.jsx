import { useEffect, useRef, useState } from 'preact/hooks';
import { get, request } from '../api.js';
import { useApi } from '../hooks.js';
import { formatInteger, humanize } from '../format.js';
import { axisTooltip } from '../escape.js';
import { Banner } from '../components/Banner.jsx';
import { Loading } from '../components/Loading.jsx';
import { Icon } from '../components/icons.jsx';
import { EnrichmentPanel } from '../components/EnrichmentPanel.jsx';
import './quality.css';

const entityLabel = { contacts: 'Contacts', accounts: 'Accounts' };

function scoreColor(score) {
  if (score >= 90) return '#16a34a';
  if (score >= 75) return '#ca8a04';
  return '#dc2626';
}

// Green at 100 %, through amber, to red at 0 %.
function heatColor(pct) {
  const p = Math.max(0, Math.min(100, pct)) / 100;
  const hue = Math.round(p * 120);
  return `hsl(${hue}, 70%, ${88 - p * 10}%)`;
}

function ScoreCards({ check }) {
  const overall = (check.scores ?? []).filter((s) => s.source_system == null);
  return (
    <div class="card-grid card-grid-wide" data-testid="score-cards">
      {overall.map((s) => (
        <div class="card stat-card" key={s.entity} data-testid={`score-${s.entity}`} data-value={String(s.score)}>
          <div class="stat-label">{entityLabel[s.entity] ?? humanize(s.entity)} data-quality score</div>
          <div class="q-score" style={{ color: scoreColor(s.score) }}>
            {s.score.toFixed(1)}
          </div>
          <div class="stat-hint">
            {formatInteger(s.records)} records · checked {check.run_at.slice(0, 16).replace('T', ' ')} UTC
          </div>
        </div>
      ))}
    </div>
  );
}

function SourceTable({ check }) {
  const rows = (check.scores ?? []).filter((s) => s.source_system != null);
  if (!rows.length) return null;
  return (
    <table class="q-table" data-testid="source-scores">
      <thead>
        <tr>
          <th>Entity</th>
          <th>Source system</th>
          <th class="num">Records</th>
          <th class="num">Score</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((s) => (
          <tr key={`${s.entity}-${s.source_system}`}>
            <td>{entityLabel[s.entity] ?? s.entity}</td>
            <td>{s.source_system}</td>
            <td class="num">{formatInteger(s.records)}</td>
            <td class="num" style={{ color: scoreColor(s.score), fontWeight: 600 }}>
              {s.score.toFixed(1)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

// One line per entity (and per source system when there are several) over the stored runs.
function TrendChart({ items }) {
  const ref = useRef(null);
  const [ready, setReady] = useState(false);
  const [loadError, setLoadError] = useState(null);
  const runs = [...new Map(items.map((p) => [p.run_id, p.run_at])).entries()];
  const show = runs.length > 0;

  useEffect(() => {
    if (!show) return undefined;
    const el = ref.current;
    let chart = null;
    let observer = null;
    let cancelled = false;
    el.setAttribute('data-rendered', 'false');
    const keys = [...new Set(items.map((p) => `${p.entity}|${p.source_system ?? ''}`))];
    const sources = new Set(items.filter((p) => p.source_system != null).map((p) => p.source_system));
    const series = keys
      .filter((k) => sources.size > 1 || k.endsWith('|'))
      .map((key) => {
        const [entity, source] = key.split('|');
        const byRun = new Map(
          items.filter((p) => p.entity === entity && (p.source_system ?? '') === source).map((p) => [p.run_id, p.score]),
        );
        return {
          name: `${entityLabel[entity] ?? entity}${source ? ` · ${source}` : ''}`,
          type: 'line',
          smooth: true,
          symbolSize: 7,
          lineStyle: source ? { type: 'dashed', width: 1.5 } : { width: 3 },
          data: runs.map(([id]) => byRun.get(id) ?? null),
        };
      });
    import('../charts/echarts.js').then(
      ({ echarts }) => {
        if (cancelled) return;
        chart = echarts.init(el, null, { renderer: 'canvas' });
        chart.on('finished', () => el.setAttribute('data-rendered', 'true'));
        chart.setOption({
          animationDuration: 300,
          textStyle: { fontFamily: 'inherit' },
          grid: { left: 8, right: 16, top: 48, bottom: 8, containLabel: true },
          legend: { type: 'scroll', top: 0, left: 0 },
          tooltip: { trigger: 'axis', formatter: axisTooltip((v) => (v == null ? '–' : Number(v).toFixed(1))) },
          xAxis: {
            type: 'category',
            data: runs.map(([id, at]) => `#${id} ${at.slice(5, 16).replace('T', ' ')}`),
            axisLabel: { color: '#64748b', hideOverlap: true },
          },
          // The lowest score less 5, down to a multiple of 5: the axis's first
          // label is then one of its ticks (69 printed over 70 before).
          yAxis: { type: 'value', min: (v) => Math.max(0, Math.floor((v.min - 5) / 5) * 5), max: 100, axisLabel: { color: '#64748b' } },
          series,
        });
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
  }, [items, show]);

  if (!show) {
    return (
      <div class="empty-state" data-testid="chart-quality-trend-empty">
        <p>No checks yet</p>
        <p class="muted">Each check is stored; their scores draw the trend.</p>
      </div>
    );
  }
  return (
    <div class="chart-wrap">
      {loadError ? <Banner error={loadError} title="The chart could not be loaded" /> : null}
      {!ready && !loadError ? <Loading label="Drawing chart…" /> : null}
      <div ref={ref} class="chart" data-testid="chart-quality-trend" role="img" aria-label="Data-quality score per check" />
    </div>
  );
}

function Violations({ check }) {
  const rules = (check.rules ?? []).filter((r) => r.failed > 0).slice(0, 10);
  if (!rules.length) {
    return (
      <div class="empty-state" data-testid="violations-empty">
        <p>No violations</p>
        <p class="muted">Every record passes every rule.</p>
      </div>
    );
  }
  return (
    <table class="q-table" data-testid="violations-table">
      <thead>
        <tr>
          <th>Rule</th>
          <th>Entity</th>
          <th class="num">Failed</th>
          <th class="num">Of</th>
          <th>Examples</th>
        </tr>
      </thead>
      <tbody>
        {rules.map((r) => (
          <tr key={r.name} data-testid={`violation-${r.name}`} data-failed={String(r.failed)}>
            <td>
              <strong>{r.name}</strong>
              {r.message ? <div class="muted">{r.message}</div> : null}
            </td>
            <td>{entityLabel[r.entity] ?? r.entity}</td>
            <td class="num">{formatInteger(r.failed)}</td>
            <td class="num">{formatInteger(r.checked)}</td>
            <td class="muted">
              {(r.examples ?? [])
                .slice(0, 3)
                .map((e) => `#${e.record_id}${e.value ? ` ${e.field}=${e.value}` : ` ${e.field}`}`)
                .join(', ')}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

// Fields down, completeness and validity across, one block per entity.
function CompletenessHeatmap({ check }) {
  const fields = check.fields ?? [];
  const entities = [...new Set(fields.map((f) => f.entity))];
  return (
    <div class="q-two" data-testid="completeness-heatmap">
      {entities.map((entity) => (
        <div key={entity}>
          <div class="q-heat" style={{ gridTemplateColumns: 'minmax(110px, 1.4fr) 1fr 1fr' }}>
            <div class="q-heat-head" style={{ textAlign: 'left' }}>
              {entityLabel[entity] ?? entity}
            </div>
            <div class="q-heat-head">Complete</div>
            <div class="q-heat-head">Valid</div>
            {fields
              .filter((f) => f.entity === entity)
              .map((f) => [
                <div class="q-heat-label" key={`${f.field}-l`} title={f.field}>
                  {f.field}
                </div>,
                <div
                  class="q-heat-cell"
                  key={`${f.field}-c`}
                  data-testid={`heat-${entity}-${f.field}`}
                  data-value={String(f.completeness)}
                  style={{ background: heatColor(f.completeness) }}
                  title={`${formatInteger(f.filled)} of ${formatInteger(f.records)} filled`}
                >
                  {f.completeness.toFixed(1)}%
                </div>,
                <div
                  class="q-heat-cell"
                  key={`${f.field}-v`}
                  style={{ background: heatColor(f.validity) }}
                  title={`${formatInteger(f.valid)} of ${formatInteger(f.filled)} valid`}
                >
                  {f.filled ? `${f.validity.toFixed(1)}%` : '–'}
                </div>,
              ])}
          </div>
        </div>
      ))}
    </div>
  );
}


function recordTitle(r) {
  if (!r) return '';
  return [r.first_name, r.last_name].filter(Boolean).join(' ') || r.name || r.email || `#${r.id}`;
}

// Pairs the duplicate matcher is unsure about, one at a time (keyboard: m
// merge, n not a match, s skip) or a page of 25. The queue comes from the
// matcher's route; a build without it shows the empty state.
const REVIEW_PAGE = 25;

function PairCard({ item, busy, onAct, onSkip, focused }) {
  return (
    <div
      class="card q-card"
      style={{ marginBottom: 12, outline: focused ? '2px solid #2563eb' : 'none' }}
      data-testid={`review-item-${item.id}`}
    >
      <div class="card-header">
        <h2>
          {recordTitle(item.record_a)} ↔ {recordTitle(item.record_b)}
        </h2>
        <span class="muted">
          match weight {Number(item.match_weight).toFixed(1)} · p = {Number(item.probability).toFixed(2)}
        </span>
      </div>
      <table class="q-table">
        <thead>
          <tr>
            <th>Field</th>
            <th>#{item.record_a?.id}</th>
            <th>#{item.record_b?.id}</th>
            <th>Comparison</th>
            <th class="num">Weight</th>
          </tr>
        </thead>
        <tbody>
          {(item.explanation ?? []).map((x) => (
            <tr key={x.field}>
              <td>{x.field}</td>
              <td>{String(x.value_a ?? '')}</td>
              <td>{String(x.value_b ?? '')}</td>
              <td class="muted">
                {x.comparison} {x.level != null ? `(${x.level})` : ''}
              </td>
              <td class="num" style={{ color: x.weight >= 0 ? '#16a34a' : '#dc2626' }}>
                {Number(x.weight).toFixed(2)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="q-actions" style={{ marginTop: 8 }}>
        <button
          type="button"
          class="btn btn-primary btn-small"
          disabled={busy}
          onClick={() => onAct(item, 'accept')}
          data-testid={`review-merge-${item.id}`}
        >
          Merge{focused ? ' (m)' : ''}
        </button>
        <button
          type="button"
          class="btn btn-secondary btn-small"
          disabled={busy}
          onClick={() => onAct(item, 'reject')}
          data-testid={`review-reject-${item.id}`}
        >
          Not a duplicate{focused ? ' (n)' : ''}
        </button>
        {onSkip ? (
          <button type="button" class="btn btn-secondary btn-small" disabled={busy} onClick={onSkip} data-testid="review-skip">
            Skip (s)
          </button>
        ) : null}
      </div>
    </div>
  );
}

function ReviewQueue({ onChanged }) {
  const [entity, setEntity] = useState('contacts');
  const [mode, setMode] = useState('one'); // 'one' pair at a time, or a 'page' of 25
  const [position, setPosition] = useState(0); // one: the pair's offset; page: the page
  const limit = mode === 'one' ? 1 : REVIEW_PAGE;
  const offset = mode === 'one' ? position : position * REVIEW_PAGE;
  const queue = useApi(
    (opts) =>
      get(`/api/v1/quality/review?entity=${entity}&limit=${limit}&offset=${offset}`, opts).catch((e) => {
        if (e.status === 404 || e.status === 405) return { items: [], total: 0, unavailable: true };
        throw e;
      }),
    [entity, limit, offset],
  );
  const [busy, setBusy] = useState(null);
  const [error, setError] = useState(null);
  const items = queue.data?.items ?? [];
  const total = queue.data?.total ?? items.length;
  // A decision takes the pair out of the queue: the same offset then shows
  // the next one. Past the end (after skips), start again at the top.
  useEffect(() => {
    if (queue.data && !queue.loading && items.length === 0 && total > 0 && offset > 0) setPosition(0);
  }, [queue.data, queue.loading, items.length, total, offset]);
  const act = async (item, action) => {
    if (busy != null) return;
    setBusy(item.id);
    setError(null);
    try {
      await request('POST', `/api/v1/quality/review/${item.id}/${action}`, { body: {} });
      queue.reload();
      onChanged();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };
  const skip = () => setPosition((p) => (p + 1 < total ? p + 1 : 0));
  const current = mode === 'one' ? items[0] : null;
  useEffect(() => {
    if (mode !== 'one' || !current) return undefined;
    const onKey = (ev) => {
      if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.repeat) return;
      const tag = ev.target?.tagName;
      if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || ev.target?.isContentEditable) return;
      const key = ev.key.toLowerCase();
      if (key === 'm') act(current, 'accept');
      else if (key === 'n') act(current, 'reject');
      else if (key === 's') skip();
      else return;
      ev.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });
  const onAct = (item, action) => act(item, action);
  const pages = Math.max(1, Math.ceil(total / REVIEW_PAGE));
  return (
    <div data-testid="review-queue" data-mode={mode}>
      <div class="q-actions" style={{ marginBottom: 8, alignItems: 'center' }}>
        {['contacts', 'accounts'].map((e) => (
          <button
            type="button"
            key={e}
            class={`btn btn-small ${e === entity ? 'btn-primary' : 'btn-secondary'}`}
            onClick={() => {
              setEntity(e);
              setPosition(0);
            }}
            data-testid={`review-entity-${e}`}
          >
            {entityLabel[e]}
          </button>
        ))}
        <span style={{ flex: 1 }} />
        <span class="muted" data-testid="review-unresolved" data-value={String(total)}>
          {formatInteger(total)} unresolved
        </span>
        <button
          type="button"
          class="btn btn-small btn-secondary"
          onClick={() => {
            setMode(mode === 'one' ? 'page' : 'one');
            setPosition(0);
          }}
          data-testid="review-mode"
        >
          {mode === 'one' ? `Show ${REVIEW_PAGE} at a time` : 'One at a time'}
        </button>
      </div>
      {error ? <Banner error={error} title="The decision was not saved" onDismiss={() => setError(null)} /> : null}
      {queue.error ? (
        <Banner error={queue.error} title="Could not load the review queue" onRetry={queue.reload} />
      ) : queue.loading && !queue.data ? (
        <Loading label="Loading the review queue…" />
      ) : items.length === 0 && total === 0 ? (
        <div class="empty-state" data-testid="review-empty">
          <p>Nothing to review</p>
          <p class="muted">
            {queue.data?.unavailable
              ? 'Duplicate detection has not produced a review queue in this workspace.'
              : 'No candidate pair waits for a decision. mops quality match finds duplicates; the pairs it is unsure of come here.'}
          </p>
        </div>
      ) : mode === 'one' ? (
        current ? (
          <>
            <p class="muted" data-testid="review-position">
              Pair {formatInteger(position + 1)} of {formatInteger(total)} · keys: m merge, n not a match, s skip
            </p>
            <PairCard item={current} busy={busy != null} onAct={onAct} onSkip={skip} focused />
          </>
        ) : (
          <Loading label="Loading the next pair…" />
        )
      ) : (
        <>
          {items.map((item) => (
            <PairCard key={item.id} item={item} busy={busy === item.id} onAct={onAct} />
          ))}
          <div class="q-actions" style={{ alignItems: 'center' }}>
            <button
              type="button"
              class="btn btn-small btn-secondary"
              disabled={position === 0}
              onClick={() => setPosition(position - 1)}
              data-testid="review-prev"
            >
              Previous
            </button>
            <span class="muted" data-testid="review-page">
              Page {position + 1} of {pages}
            </span>
            <button
              type="button"
              class="btn btn-small btn-secondary"
              disabled={position + 1 >= pages}
              onClick={() => setPosition(position + 1)}
              data-testid="review-next"
            >
              Next
            </button>
          </div>
        </>
      )}
    </div>
  );
}

function MergeHistory({ merges, onUndo, busy }) {
  const items = merges.data?.items ?? [];
  if (merges.error) return <Banner error={merges.error} title="Could not load merges" onRetry={merges.reload} />;
  if (!merges.data) return <Loading label="Loading merges…" />;
  if (!items.length) {
    return (
      <div class="empty-state" data-testid="merges-empty">
        <p>No merges yet</p>
        <p class="muted">Merge duplicates from the review queue, the CLI or the API; every merge can be undone.</p>
      </div>
    );
  }
  return (
    <table class="q-table" data-testid="merge-history">
      <thead>
        <tr>
          <th class="num">Merge</th>
          <th>Entity</th>
          <th class="num">Survivor</th>
          <th>Merged</th>
          <th>When</th>
          <th>By</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {items.map((m) => (
          <tr key={m.merge_id} data-testid={`merge-${m.merge_id}`} data-undone={m.undone_at ? 'true' : 'false'} class={m.undone_at ? 'q-undone' : ''}>
            <td class="num">{m.merge_id}</td>
            <td>{entityLabel[m.entity] ?? m.entity}</td>
            <td class="num">#{m.survivor_id}</td>
            <td>{m.merged_ids.map((id) => `#${id}`).join(', ')}</td>
            <td>{m.merged_at.slice(0, 16).replace('T', ' ')}</td>
            <td class="muted">{m.actor}</td>
            <td>
              {m.undone_at ? (
                <span class="muted">undone</span>
              ) : (
                <button
                  type="button"
                  class="btn btn-small btn-secondary"
                  disabled={busy}
                  onClick={() => onUndo(m.merge_id)}
                  data-testid={`undo-${m.merge_id}`}
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

function Quality() {
  const check = useApi((opts) =>
    get('/api/v1/quality/check', opts).catch((e) => {
      if (e.status === 404) return null;
      throw e;
    }),
  );
  const scores = useApi((opts) => get('/api/v1/quality/scores', opts));
  const merges = useApi((opts) => get('/api/v1/quality/merges', opts));
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState(null);
  const [error, setError] = useState(null);

  const reloadAll = () => {
    check.reload();
    scores.reload();
    merges.reload();
  };

  const run = async (label, fn) => {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      setNotice(await fn());
      reloadAll();
    } catch (e) {
      setError({ e, label });
    } finally {
      setBusy(false);
    }
  };

  const runCheck = () =>
    run('check', async () => {
      const r = await request('POST', '/api/v1/quality/check', { body: {} });
      return `Check #${r.run_id} stored.`;
    });
  const standardize = () =>
    run('standardize', async () => {
      const r = await request('POST', '/api/v1/quality/standardize', { body: {} });
      return `Standardized ${formatInteger(r.records_changed)} records (${formatInteger(r.changes)} field changes).`;
    });
  const matchAccounts = () =>
    run('match', async () => {
      const r = await request('POST', '/api/v1/quality/match-accounts', { body: {} });
      return `Attached ${formatInteger(r.matched)} of ${formatInteger(r.contacts)} contacts without an account (${formatInteger(r.by_domain)} by domain, ${formatInteger(r.by_name)} by name).`;
    });
  const undo = (id) =>
    run('undo', async () => {
      await request('POST', `/api/v1/quality/merges/${id}/undo`, { body: {} });
      return `Merge ${id} undone.`;
    });

  const data = check.data;
  return (
    <section class="page" data-testid="page-quality">
      <header class="page-header">
        <div>
          <h1>Data quality</h1>
          <p class="page-subtitle">Scores, rule violations, completeness, duplicates and merges.</p>
        </div>
        <div class="q-actions">
          <button type="button" class="btn btn-secondary" onClick={standardize} disabled={busy} data-testid="standardize">
            Standardize
          </button>
          <button type="button" class="btn btn-secondary" onClick={matchAccounts} disabled={busy} data-testid="match-accounts">
            Match leads to accounts
          </button>
          <button type="button" class="btn btn-primary" onClick={runCheck} disabled={busy} data-testid="run-check">
            <Icon name="refresh" size={16} />
            {busy ? 'Working…' : 'Run check'}
          </button>
        </div>
      </header>

      {notice ? (
        <p class="q-note" data-testid="quality-notice">
          {notice}
        </p>
      ) : null}
      {error ? (
        <Banner error={error.e} title={`The ${error.label} failed`} onDismiss={() => setError(null)} />
      ) : null}
      {check.error ? <Banner error={check.error} title="Could not load the last check" onRetry={check.reload} /> : null}

      {check.loading && !data ? <Loading label="Loading the last check…" /> : null}
      {!check.loading && !check.error && !data ? (
        <div class="card empty-state" data-testid="no-check">
          <p>No data-quality check has run yet</p>
          <p class="muted">Run a check to score contacts and accounts against the rules (mops quality check).</p>
        </div>
      ) : null}

      {data ? (
        <>
          <h2 class="section-title">Score</h2>
          <ScoreCards check={data} />
          <div class="q-two" style={{ marginTop: 16 }}>
            <div class="card chart-card">
              <div class="card-header">
                <h2>Score per check</h2>
              </div>
              {scores.error ? (
                <Banner error={scores.error} title="Could not load the trend" onRetry={scores.reload} />
              ) : scores.data ? (
                <TrendChart items={scores.data.items ?? []} />
              ) : (
                <Loading label="Loading the trend…" />
              )}
            </div>
            <div class="card q-card">
              <div class="card-header">
                <h2>Per source system</h2>
              </div>
              <SourceTable check={data} />
            </div>
          </div>
          <div class="card q-card" style={{ marginTop: 16 }}>
            <div class="card-header">
              <h2>Top violations</h2>
              <span class="muted">as of {data.as_of.slice(0, 10)} · export all with mops quality violations</span>
            </div>
            <Violations check={data} />
          </div>
          <div class="card q-card" style={{ marginTop: 16 }}>
            <div class="card-header">
              <h2>Completeness and validity per field</h2>
            </div>
            <CompletenessHeatmap check={data} />
          </div>
        </>
      ) : null}

      <div class="card q-card" style={{ marginTop: 16 }}>
        <div class="card-header">
          <h2>Duplicate review</h2>
        </div>
        <ReviewQueue onChanged={reloadAll} />
      </div>
      <div class="card q-card" style={{ marginTop: 16 }}>
        <div class="card-header">
          <h2>Merge history</h2>
        </div>
        <MergeHistory merges={merges} onUndo={undo} busy={busy} />
      </div>
      <EnrichmentPanel />
    </section>
  );
}

export default {
  id: 'quality',
  title: 'Data quality',
  icon: 'quality',
  summary: 'Standardization, validation, duplicates, merges and the data-quality score.',
  component: Quality,
};
