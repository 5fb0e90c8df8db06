import { Icon } from './icons.jsx';

// The page a capability shows until it lands: what it will do, nothing more
// (no command or route to try, since none exists yet).
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
        <h2>Not built yet</h2>
        <p>{page.plan}</p>
        <a class="btn" href="#/overview">
          Back to overview
        </a>
      </div>
    </section>
  );
}

// comingSoon({id, title, icon, summary, plan}) -> a page definition whose
// component is the placeholder.
export function comingSoon(def) {
  const page = { ...def };
  page.component = () => <ComingSoon page={page} />;
  return page;
}
