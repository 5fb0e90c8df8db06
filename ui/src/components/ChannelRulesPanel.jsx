// "Channel rules": the ordered rules that give touchpoints their channel
// (GET /api/v1/channels/rules), an explain form for one touchpoint
// (GET /api/v1/channels/explain) and a reclassify preview: how many stored
// touchpoints would move from which channel to which under the rules in force
// (GET /api/v1/channels/preview, writes nothing). Everything from the server
// is rendered as JSX text, which Preact escapes.
import { useState } from 'preact/hooks';
import { get } from '../api.js';
import { useApi } from '../hooks.js';
import { formatInteger, humanize } from '../format.js';
import { Banner } from './Banner.jsx';
import { Loading } from './Loading.jsx';

function conditionText(c) {
  const values = (c.values ?? []).join(', ');
  if (c.field === 'present') return `has ${values}`;
  if (c.field === 'empty') return `no ${values}`;
  if (c.field === 'click_id') return `click id: ${values}`;
  return `${c.field}: ${values}`;
}

function RulesTable({ data }) {
  const [all, setAll] = useState(false);
  const rules = data.rules ?? [];
  const shown = all ? rules : rules.slice(0, 12);
  return (
    <>
      <table class="table" data-testid="channel-rules-table">
        <thead>
          <tr>
            <th class="num">#</th>
            <th>Rule</th>
            <th>Channel</th>
            <th>When</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((r) => (
            <tr key={r.index} data-testid="channel-rule">
              <td class="num">{r.index}</td>
              <td>{r.name}</td>
              <td>{humanize(r.channel)}</td>
              <td class="muted">{r.conditions.length ? r.conditions.map(conditionText).join(' and ') : 'always'}</td>
            </tr>
          ))}
          {all || rules.length <= shown.length ? (
            <tr>
              <td class="num" />
              <td>(default)</td>
              <td>{humanize(data.default_channel)}</td>
              <td class="muted">no rule matched</td>
            </tr>
          ) : null}
        </tbody>
      </table>
      {rules.length > 12 ? (
        <button type="button" class="btn btn-small btn-ghost" data-testid="channel-rules-toggle" onClick={() => setAll(!all)}>
          {all ? 'Show fewer' : `Show all ${rules.length} rules`}
        </button>
      ) : null}
    </>
  );
}

function Explain() {
  const [form, setForm] = useState({ url: '', referrer: '', source: '', medium: '', type: '' });
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);
  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(form)) if (v) q.set(k, v);
    try {
      setResult(await get(`/api/v1/channels/explain?${q.toString()}`));
    } catch (err) {
      setResult(null);
      setError(err);
    }
  };
  const field = (name, label) => (
    <label class="field">
      <span>{label}</span>
      <input
        type="text"
        name={name}
        data-testid={`explain-${name}`}
        value={form[name]}
        onInput={(e) => setForm({ ...form, [name]: e.currentTarget.value })}
      />
    </label>
  );
  return (
    <form class="filters" onSubmit={submit} data-testid="channel-explain">
      {field('url', 'Landing URL')}
      {field('referrer', 'Referrer')}
      {field('source', 'utm_source')}
      {field('medium', 'utm_medium')}
      {field('type', 'Type')}
      <button type="submit" class="btn btn-small" data-testid="explain-submit">
        Explain
      </button>
      <Banner error={error} title="Cannot explain" />
      {result ? (
        <div data-testid="explain-result" data-channel={result.channel}>
          <p>
            <strong>{humanize(result.channel)}</strong>{' '}
            <span class="muted">
              {result.rule ? `by rule ${result.rule} '${result.rule_name}'` : 'by default (no rule matched)'}
            </span>
          </p>
          <ul>
            {(result.reasons ?? []).map((r) => (
              <li>{r}</li>
            ))}
          </ul>
          <p class="muted">{result.tried?.length ?? 0} rules tried before it.</p>
        </div>
      ) : null}
    </form>
  );
}

function Preview() {
  const [state, setState] = useState({ data: null, error: null, loading: false });
  const run = async () => {
    setState({ data: null, error: null, loading: true });
    try {
      setState({ data: await get('/api/v1/channels/preview'), error: null, loading: false });
    } catch (error) {
      setState({ data: null, error, loading: false });
    }
  };
  const d = state.data;
  return (
    <div data-testid="channel-preview">
      <button type="button" class="btn btn-small" data-testid="channel-preview-button" onClick={run} disabled={state.loading}>
        Preview a reclassify
      </button>
      {state.loading ? <Loading inline label="Classifying the stored touchpoints…" /> : null}
      <Banner error={state.error} title="Cannot preview" />
      {d ? (
        <>
          <p data-testid="channel-preview-total" data-changed={String(d.changed)} data-touchpoints={String(d.touchpoints)}>
            {formatInteger(d.changed)} of {formatInteger(d.touchpoints)} touchpoints would change channel.
            <span class="muted"> Apply with <code>mops channels reclassify</code> (ops).</span>
          </p>
          {d.changes.length ? (
            <table class="table" data-testid="channel-preview-table">
              <thead>
                <tr>
                  <th>From</th>
                  <th>To</th>
                  <th class="num">Touchpoints</th>
                </tr>
              </thead>
              <tbody>
                {d.changes.map((c) => (
                  <tr data-testid="channel-preview-row" data-count={String(c.touchpoints)}>
                    <td>{c.from ? humanize(c.from) : '(none)'}</td>
                    <td>{humanize(c.to)}</td>
                    <td class="num">{formatInteger(c.touchpoints)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </>
      ) : null}
    </div>
  );
}

export function ChannelRulesPanel() {
  const rules = useApi(({ signal }) => get('/api/v1/channels/rules', { signal }), []);
  // Viewers may not read the rules: the panel is for analysts and above.
  if (rules.error?.status === 403) return null;
  return (
    <div class="card chart-card" data-testid="channel-rules-panel">
      <div class="card-header">
        <h2>Channel rules</h2>
        <span class="muted">
          {rules.data ? (rules.data.stored ? "The workspace's rules" : 'The built-in defaults') : ''} · first
          match wins
        </span>
      </div>
      {rules.loading && !rules.data ? <Loading inline /> : null}
      <Banner error={rules.error} title="Cannot load the channel rules" onRetry={rules.reload} />
      {rules.data ? <RulesTable data={rules.data} /> : null}
      <h3>Why does a touchpoint get its channel?</h3>
      <Explain />
      <h3>What would change</h3>
      <Preview />
    </div>
  );
}
