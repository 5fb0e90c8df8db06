// Tracking events: what the Segment/RudderStack-compatible API receives, as it
// arrives (polled every few seconds): latest events, events per minute by type
// and by channel, rejected events with their reasons, identity stitching and
// the channel mix of first touches. Admins manage the write keys here.
// Every value from data is shown as JSX text (escaped by Preact); chart
// tooltips are built as DOM text by escape.js.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { get, request } from '../api.js';
import { useApi } from '../hooks.js';
import { formatInteger, humanize } from '../format.js';
import { axisTooltip } from '../escape.js';
import { Banner } from '../components/Banner.jsx';
import { Loading } from '../components/Loading.jsx';
import { EChart } from '../components/EChart.jsx';

const POLL_MS = 5000;

// Minute-by-minute series from rows {minute, key, events}: one series per key,
// zeros where a minute had none, so that stacked bars line up.
function minuteSeries(rows, firstMinute, minutes) {
  const keys = [...new Set(rows.map((r) => r.key || '(none)'))].sort();
  const index = new Map(keys.map((k, i) => [k, i]));
  const data = keys.map(() => new Array(minutes).fill(0));
  for (const r of rows) {
    const m = Number(r.minute) - firstMinute;
    if (m >= 0 && m < minutes) data[index.get(r.key || '(none)')][m] += Number(r.events);
  }
  const labels = [];
  for (let m = 0; m < minutes; m++) {
    labels.push(new Date((firstMinute + m) * 60000).toISOString().slice(11, 16));
  }
  return { labels, series: keys.map((k, i) => ({ name: k, type: 'bar', stack: 'all', data: data[i] })) };
}

function minuteOption({ labels, series }) {
  return {
    animation: false,
    tooltip: { trigger: 'axis', formatter: axisTooltip(formatInteger) },
    legend: { type: 'scroll', top: 0 },
    grid: { left: 40, right: 16, top: 36, bottom: 28 },
    xAxis: { type: 'category', data: labels },
    yAxis: { type: 'value', minInterval: 1 },
    series,
  };
}

function Stat({ label, value, testid, hint }) {
  return (
    <div class="card stat-card" data-testid={testid} data-value={String(value ?? 0)}>
      <div class="stat-label">{label}</div>
      <div class="stat-value">{formatInteger(Number(value ?? 0))}</div>
      {hint ? <div class="stat-hint">{hint}</div> : null}
    </div>
  );
}

function when(ms) {
  return ms ? new Date(Number(ms)).toISOString().replace('T', ' ').slice(0, 19) : '';
}

function LatestEvents({ items }) {
  if (!items.length) return <p class="muted">No events yet. Send one to /v1/track with a write key.</p>;
  return (
    <table class="table" data-testid="latest-events">
      <thead>
        <tr>
          <th>Received (UTC)</th>
          <th>Type</th>
          <th>Event</th>
          <th>User id</th>
          <th>Anonymous id</th>
          <th>Channel</th>
          <th class="num">Contact</th>
        </tr>
      </thead>
      <tbody>
        {items.map((e) => (
          <tr key={e.id} data-testid="event-row">
            <td>{when(e.received_at)}</td>
            <td>{e.type}</td>
            <td>{e.event ?? ''}</td>
            <td>{e.user_id ?? ''}</td>
            <td>{e.anonymous_id ?? ''}</td>
            <td>{e.channel ? humanize(e.channel) : ''}</td>
            <td class="num">{e.contact_id ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Rejections({ rows }) {
  if (!rows.length) return <p class="muted">No rejected events in this window.</p>;
  return (
    <table class="table" data-testid="rejections">
      <thead>
        <tr>
          <th>Field</th>
          <th>Reason</th>
          <th class="num">Events</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r, i) => (
          <tr key={i}>
            <td>{r.field}</td>
            <td>{r.reason}</td>
            <td class="num">{formatInteger(Number(r.events))}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function WriteKeys() {
  const [generation, setGeneration] = useState(0);
  const keys = useApi((opts) => get('/api/v1/tracking/writekeys', { ...opts, quiet: true }), [generation]);
  const [name, setName] = useState('');
  const [origins, setOrigins] = useState('');
  const [secret, setSecret] = useState(null);
  const [error, setError] = useState(null);

  if (keys.error && keys.error.status === 403) {
    return <p class="muted" data-testid="writekeys-admin-only">Write keys are managed by an admin.</p>;
  }
  const create = async (ev) => {
    ev.preventDefault();
    setError(null);
    try {
      const list = origins.split(/[\s,]+/).filter(Boolean);
      const created = await request('POST', '/api/v1/tracking/writekeys', {
        body: { name, origins: list },
      });
      setSecret({ name: created.name, value: created.secret });
      setName('');
      setOrigins('');
      setGeneration((g) => g + 1);
    } catch (e) {
      setError(e);
    }
  };
  const revoke = async (id) => {
    setError(null);
    try {
      await request('DELETE', `/api/v1/tracking/writekeys/${id}`);
      setGeneration((g) => g + 1);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div data-testid="writekeys">
      <Banner error={error} title="Write key" onDismiss={() => setError(null)} />
      {secret ? (
        <div class="banner" role="status" data-testid="writekey-secret">
          <div class="banner-text">
            <strong>Write key “{secret.name}”: copy it now, it is not shown again.</strong>
            <code>{secret.value}</code>
          </div>
        </div>
      ) : null}
      <form class="inline-form" onSubmit={create}>
        <input
          aria-label="Write key name"
          placeholder="Name (site or app)"
          value={name}
          required
          onInput={(e) => setName(e.currentTarget.value)}
        />
        <input
          aria-label="Allowed origins"
          placeholder="Browser origins, e.g. https://www.example.com"
          value={origins}
          onInput={(e) => setOrigins(e.currentTarget.value)}
        />
        <button type="submit" class="btn">
          Create write key
        </button>
      </form>
      {keys.loading && !keys.data ? <Loading label="Loading write keys…" /> : null}
      {keys.data ? (
        <table class="table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Prefix</th>
              <th>Origins</th>
              <th>Created (UTC)</th>
              <th>Last used</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {keys.data.items.map((k) => (
              <tr key={k.id} data-testid="writekey-row">
                <td>{k.name}</td>
                <td>
                  <code>{k.prefix}…</code>
                </td>
                <td>{(k.origins || []).join(', ')}</td>
                <td>{when(k.created_at * 1000)}</td>
                <td>{k.last_used_at ? when(k.last_used_at * 1000) : 'never'}</td>
                <td>
                  {k.active ? (
                    <button type="button" class="btn btn-small btn-ghost" onClick={() => revoke(k.id)}>
                      Revoke
                    </button>
                  ) : (
                    <span class="muted">revoked</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}

function Events() {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const id = setInterval(() => setTick((t) => t + 1), POLL_MS);
    return () => clearInterval(id);
  }, []);
  const summary = useApi((opts) => get('/api/v1/tracking/summary?minutes=30', opts), [tick]);
  // Keep the last good figures on screen while the next poll runs.
  const [data, setData] = useState(null);
  useEffect(() => {
    if (summary.data) setData(summary.data);
  }, [summary.data]);

  const byType = useMemo(
    () =>
      data &&
      minuteOption(minuteSeries(data.per_minute.by_type, data.per_minute.first_minute, data.window.minutes)),
    [data],
  );
  const byChannel = useMemo(
    () =>
      data &&
      minuteOption(
        minuteSeries(data.per_minute.by_channel, data.per_minute.first_minute, data.window.minutes),
      ),
    [data],
  );
  const mix = useMemo(() => {
    if (!data) return null;
    const rows = data.first_touch_channels;
    return {
      animation: false,
      tooltip: { trigger: 'axis', formatter: axisTooltip(formatInteger) },
      grid: { left: 120, right: 24, top: 8, bottom: 24 },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', data: rows.map((r) => humanize(r.channel || 'unknown')), inverse: true },
      series: [{ name: 'Contacts', type: 'bar', data: rows.map((r) => Number(r.contacts)) }],
    };
  }, [data]);

  if (!data) {
    return summary.error ? (
      <Banner error={summary.error} title="Could not load the events" onRetry={summary.reload} />
    ) : (
      <Loading label="Loading events…" />
    );
  }
  const id = data.identity;
  const merges = Object.values(id.merges || {}).reduce((a, b) => a + Number(b), 0);
  return (
    <section class="page" data-testid="events-page">
      <header class="page-header">
        <div>
          <h1>Events</h1>
          <p class="page-subtitle">What the tracking API receives, live: events by type and channel, visitors, rejections and write keys.</p>
        </div>
      </header>
      {summary.error ? <Banner error={summary.error} title="Live update failed" /> : null}
      <div class="card-grid card-grid-counts">
        <Stat label="Events" value={data.events.total} testid="events-total" hint={`${formatInteger(data.events.in_window)} in the last 30 min`} />
        <Stat label="Rejected" value={data.rejections.in_window} testid="events-rejected" hint="last 30 min" />
        <Stat label="Visitors" value={id.visitors} testid="visitors" hint="anonymous ids seen" />
        <Stat label="Known visitors" value={id.known_visitors} testid="known-visitors" hint="linked to a contact" />
        <Stat label="Anonymous" value={id.anonymous_visitors} testid="anonymous-visitors" />
        <Stat label="Stitched touchpoints" value={id.stitched_touchpoints} testid="stitched" hint="sent before identify" />
        <Stat label="Profile merges" value={merges} testid="merges" hint={Object.entries(id.merges || {}).map(([k, v]) => `${v} ${k}`).join(', ')} />
      </div>

      <div class="card chart-card">
        <div class="card-header">
          <h2>Events per minute by type</h2>
        </div>
        {data.events.in_window > 0 ? (
          <EChart option={byType} testid="chart-by-type" label="Events per minute by type" height={260} />
        ) : (
          <p class="muted" data-testid="no-recent-events">
            No events in the last 30 minutes. Send one to /v1/track with a write key (below).
          </p>
        )}
      </div>
      <div class="card chart-card">
        <div class="card-header">
          <h2>Events per minute by channel</h2>
        </div>
        {data.events.in_window > 0 ? (
          <EChart option={byChannel} testid="chart-by-channel" label="Events per minute by channel" height={260} />
        ) : (
          <p class="muted">No events in the last 30 minutes.</p>
        )}
      </div>
      <div class="card chart-card">
        <div class="card-header">
          <h2>First-touch channel of contacts</h2>
        </div>
        {data.first_touch_channels.length ? (
          <EChart option={mix} testid="chart-first-touch" label="First-touch channel mix" height={260} />
        ) : (
          <p class="muted">No contact has a first touch yet.</p>
        )}
      </div>
      <div class="card chart-card">
        <div class="card-header">
          <h2>Latest events</h2>
          <span class="muted">updated every {POLL_MS / 1000} s</span>
        </div>
        <LatestEvents items={data.latest} />
      </div>
      <div class="card chart-card">
        <div class="card-header">
          <h2>Rejected events by reason</h2>
        </div>
        <Rejections rows={data.rejections.by_reason} />
      </div>
      <div class="card chart-card">
        <div class="card-header">
          <h2>Write keys</h2>
        </div>
        <WriteKeys />
      </div>
    </section>
  );
}

export default {
  id: 'events',
  title: 'Events',
  icon: 'analytics',
  summary: 'Tracking API events as they arrive, rejections, identity stitching and write keys.',
  component: Events,
};
