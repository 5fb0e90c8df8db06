import { api } from '../api.js';
import { useApi } from '../hooks.js';
import { formatInteger, formatMoney, humanize } from '../format.js';
import { Banner } from '../components/Banner.jsx';
import { Loading, Skeleton } from '../components/Loading.jsx';
import { Icon } from '../components/icons.jsx';
import { TouchpointsChart } from '../components/TouchpointsChart.jsx';

// Count cards in this order; counts the API adds later are shown after these.
const countCards = [
  { key: 'accounts', label: 'Accounts', hint: 'Companies' },
  { key: 'contacts', label: 'Contacts', hint: 'People' },
  { key: 'opportunities', label: 'Opportunities', hint: 'Deals' },
  { key: 'campaigns', label: 'Campaigns', hint: 'Programs' },
  { key: 'touchpoints', label: 'Touchpoints', hint: 'Interactions' },
  { key: 'users', label: 'Users', hint: 'Team members' },
  { key: 'spend', label: 'Spend records', hint: 'Daily costs' },
];

function orderedCounts(counts) {
  const known = countCards.filter((c) => c.key in counts);
  const extra = Object.keys(counts)
    .filter((k) => !countCards.some((c) => c.key === k))
    .map((key) => ({ key, label: humanize(key), hint: '' }));
  return [...known, ...extra];
}

function CountCard({ card, value }) {
  const n = Number(value);
  return (
    <div class="card stat-card" data-testid={`count-${card.key}`} data-value={String(Math.trunc(n))}>
      <div class="stat-label">{card.label}</div>
      <div class="stat-value">{formatInteger(n)}</div>
      {card.hint ? <div class="stat-hint">{card.hint}</div> : null}
    </div>
  );
}

function PipelineCard({ label, amount, currency, tone, testid }) {
  return (
    <div class={`card money-card money-${tone}`} data-testid={testid} data-value={String(amount ?? '')}>
      <div class="stat-label">{label}</div>
      <div class="stat-value">{formatMoney(amount, currency)}</div>
    </div>
  );
}

function Overview() {
  const overview = useApi((opts) => api.overview(opts));
  const weekly = useApi((opts) => api.touchpointsWeekly(opts));
  const data = overview.data;
  const refreshing = (overview.loading && data) || (weekly.loading && weekly.data);

  const reloadAll = () => {
    overview.reload();
    weekly.reload();
  };

  return (
    <section class="page" data-testid="page-overview">
      <header class="page-header">
        <div>
          <h1>Overview</h1>
          <p class="page-subtitle">Your marketing data at a glance.</p>
        </div>
        <button
          type="button"
          class="btn btn-secondary"
          onClick={reloadAll}
          disabled={overview.loading || weekly.loading}
          data-testid="refresh"
        >
          <Icon name="refresh" size={16} />
          {refreshing ? 'Refreshing…' : 'Refresh'}
        </button>
      </header>

      {overview.error ? (
        <Banner error={overview.error} title="Could not load the overview" onRetry={overview.reload} />
      ) : null}

      {data || overview.loading ? (
        <>
          <h2 class="section-title">Records</h2>
          <div class="card-grid card-grid-counts" data-testid="counts-grid">
            {data ? (
              orderedCounts(data.counts ?? {}).map((card) => (
                <CountCard key={card.key} card={card} value={data.counts[card.key]} />
              ))
            ) : (
              <Skeleton count={countCards.length} />
            )}
          </div>
        </>
      ) : null}

      {data && data.pipeline ? (
        <>
          <h2 class="section-title">Pipeline</h2>
          <div class="card-grid card-grid-wide">
            <PipelineCard
              label="Open pipeline"
              amount={data.pipeline.open_amount}
              currency={data.pipeline.currency}
              tone="open"
              testid="pipeline-open"
            />
            <PipelineCard
              label="Closed-won revenue"
              amount={data.pipeline.won_amount}
              currency={data.pipeline.currency}
              tone="won"
              testid="pipeline-won"
            />
          </div>
        </>
      ) : null}

      <div class="card chart-card">
        <div class="card-header">
          <h2>Touchpoints per week by channel</h2>
          {weekly.data && Array.isArray(weekly.data.weeks) && weekly.data.weeks.length ? (
            <span class="muted">
              {weekly.data.weeks.length} weeks from {weekly.data.weeks[0]}
            </span>
          ) : null}
        </div>
        {weekly.error ? (
          <Banner error={weekly.error} title="Could not load touchpoints" onRetry={weekly.reload} />
        ) : weekly.data ? (
          <TouchpointsChart data={weekly.data} />
        ) : (
          <Loading label="Loading touchpoints…" />
        )}
      </div>
    </section>
  );
}

export default {
  id: 'overview',
  title: 'Overview',
  icon: 'overview',
  summary: 'Your marketing data at a glance.',
  component: Overview,
};
