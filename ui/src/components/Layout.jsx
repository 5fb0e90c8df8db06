import { Icon } from './icons.jsx';

export function Sidebar({ pages, current }) {
  return (
    <nav class="sidebar" aria-label="Main">
      <div class="sidebar-inner">
        <a class="brand" href="#/overview">
          <img src="/favicon.svg" alt="" width="28" height="28" />
          <span>mops</span>
        </a>
        <ul class="nav">
          {pages.map((p) => (
            <li key={p.id}>
              <a
                href={`#/${p.id}`}
                class={p.id === current ? 'nav-link active' : 'nav-link'}
                aria-current={p.id === current ? 'page' : undefined}
                data-testid={`nav-${p.id}`}
              >
                <Icon name={p.icon} />
                <span>{p.title}</span>
              </a>
            </li>
          ))}
        </ul>
        <div class="sidebar-footer muted">Marketing operations</div>
      </div>
    </nav>
  );
}

function basename(path) {
  const s = String(path ?? '');
  if (/^[a-z]+:\/\//i.test(s)) return s.replace(/\/\/[^@/]*@/, '//'); // never show URL credentials
  const parts = s.split(/[\\/]/);
  return parts[parts.length - 1] || s;
}

export function Header({ me, workspace, onSignOut }) {
  const ws = workspace ? basename(workspace) : null;
  return (
    <header class="topbar">
      <div class="topbar-workspace" title={workspace ?? ''}>
        {ws ? (
          <>
            <span class="muted">Workspace</span>
            <strong data-testid="workspace-name">{ws}</strong>
          </>
        ) : null}
      </div>
      <div class="topbar-user">
        <span class="user-name" data-testid="user-name">{me?.name}</span>
        <span class={`role-badge role-${me?.role}`} data-testid="user-role">{me?.role}</span>
        <button type="button" class="btn btn-ghost" onClick={onSignOut} data-testid="signout">
          <Icon name="signout" size={16} />
          Sign out
        </button>
      </div>
    </header>
  );
}
