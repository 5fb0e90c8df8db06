import { useState } from 'preact/hooks';
import { api, ApiError } from '../api.js';

// Token sign-in: the token is traded once for a session cookie
// (POST /api/v1/session) and not kept by the page.
export function SignIn({ onSignedIn, notice }) {
  const [token, setTokenValue] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e) => {
    e.preventDefault();
    const value = token.trim();
    if (!value) {
      setError(new ApiError(0, 'missing_token', 'Enter an API token.'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api.signIn(value);
      setTokenValue('');
      onSignedIn(await api.me());
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  const shown = error ?? notice;
  return (
    <main class="signin" data-testid="signin">
      <form class="signin-card card" onSubmit={submit} noValidate>
        <div class="brand brand-large">
          <img src="/favicon.svg" alt="" width="36" height="36" />
          <span>mops</span>
        </div>
        <h1>Sign in</h1>
        <p class="muted">Paste an API token. The first admin token is printed by <code>mops init</code>.</p>
        <label for="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="current-password"
          spellcheck={false}
          placeholder="mops_…"
          value={token}
          onInput={(e) => setTokenValue(e.currentTarget.value)}
          data-testid="signin-token"
          disabled={busy}
          autofocus
        />
        {shown ? (
          <div class="form-error" role="alert" data-testid="signin-error">
            {shown.message || String(shown)}
          </div>
        ) : null}
        <button type="submit" class="btn btn-primary btn-block" disabled={busy} data-testid="signin-submit">
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
