import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, onUnauthorized } from './api.js';
import { useHashRoute } from './hooks.js';
import { pages, findPage, defaultPageId } from './pages/index.js';
import { SignIn } from './components/SignIn.jsx';
import { Sidebar, Header } from './components/Layout.jsx';
import { Banner } from './components/Banner.jsx';
import { Loading } from './components/Loading.jsx';

function NotFound({ id }) {
  return (
    <section class="page" data-testid="page-not-found">
      <div class="card coming-soon">
        <h2>Page not found</h2>
        <p>
          There is no page <code>#/{id}</code>.
        </p>
        <a class="btn" href={`#/${defaultPageId}`}>
          Go to overview
        </a>
      </div>
    </section>
  );
}

function Shell({ me, onSignOut }) {
  const route = useHashRoute(defaultPageId);
  const page = findPage(route);
  const [workspace, setWorkspace] = useState(null);

  // The header shows the workspace name; the overview endpoint carries it.
  useEffect(() => {
    const ctrl = new AbortController();
    api.overview({ signal: ctrl.signal }).then(
      (o) => setWorkspace(o?.workspace ?? null),
      () => {},
    );
    return () => ctrl.abort();
  }, []);

  useEffect(() => {
    document.title = page ? `${page.title} · mops` : 'mops';
  }, [page]);

  const Page = page?.component;
  return (
    <div class="shell">
      <Sidebar pages={pages} current={page?.id} />
      <div class="main">
        <Header me={me} workspace={workspace} onSignOut={onSignOut} />
        <div class="content">{Page ? <Page key={page.id} /> : <NotFound id={route} />}</div>
      </div>
    </div>
  );
}

export function App() {
  // status: checking | signed-out | signed-in | unreachable
  // The session cookie is HttpOnly: whether there is one, only the server knows.
  const [session, setSession] = useState(() => ({
    status: 'checking',
    me: null,
    notice: null,
    error: null,
  }));

  const check = useCallback(() => {
    setSession((s) => ({ ...s, status: 'checking', error: null }));
    api.me({ quiet: true }).then(
      (me) => setSession({ status: 'signed-in', me, notice: null, error: null }),
      (err) => {
        if (err.unauthorized) {
          // No session (first visit) or an expired one: sign in, no alarm.
          setSession({ status: 'signed-out', me: null, notice: null, error: null });
        } else {
          setSession({ status: 'unreachable', me: null, notice: null, error: err });
        }
      },
    );
  }, []);

  useEffect(() => {
    if (session.status === 'checking') check();
    // Any 401 later on (token revoked) sends the user back to sign-in with the reason.
    return onUnauthorized((err) => {
      setSession({ status: 'signed-out', me: null, notice: err, error: null });
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const signIn = (me) => {
    setSession({ status: 'signed-in', me, notice: null, error: null });
  };
  const signOut = () => {
    const done = () => setSession({ status: 'signed-out', me: null, notice: null, error: null });
    api.signOut().then(done, done);
  };

  switch (session.status) {
    case 'checking':
      return (
        <main class="center-screen">
          <Loading label="Checking your session…" />
        </main>
      );
    case 'unreachable':
      return (
        <main class="center-screen">
          <div class="center-box">
            <Banner error={session.error} title="Cannot load the dashboard" onRetry={check} />
            <button type="button" class="btn btn-ghost" onClick={signOut} data-testid="signout">
              Sign out
            </button>
          </div>
        </main>
      );
    case 'signed-in':
      return <Shell me={session.me} onSignOut={signOut} />;
    default:
      return <SignIn onSignedIn={signIn} notice={session.notice} />;
  }
}
