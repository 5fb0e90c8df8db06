import { Icon } from './icons.jsx';

// The page a capability shows until its dashboard lands.
export function ComingSoon({ page }) {
  return (
    <section class="page" data-testid={`page-${page.id}`}>
      <header class="page-header">
        <div>
          <h1>{page.title}</h1>
          <p class="page-subtitle">{page.summary}</p>
        </div>
      </header>
      <div class="card coming-soon" data-testid="coming-soon">
        <div class="coming-soon-icon">
          <Icon name={page.icon} size={36} />
        </div>
        <h2>Coming soon in this workspace</h2>
        <p>
          The {page.title.toLowerCase()} dashboard is not available yet. Its engine is reachable
          through the <code>mops</code> command line and the REST API.
        </p>
        {page.cli ? (
          <p class="coming-soon-cli">
            Try <code>{page.cli}</code>
          </p>
        ) : null}
        <a class="btn" href="#/overview">
          Back to overview
        </a>
      </div>
    </section>
  );
}

// comingSoon({id, title, ...}) -> a page definition whose component is the placeholder.
export function comingSoon(def) {
  const page = { ...def };
  page.component = () => <ComingSoon page={page} />;
  return page;
}
