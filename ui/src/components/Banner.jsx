// A visible error banner. `error` is an ApiError (or any Error).
export function Banner({ error, title, onRetry, onDismiss }) {
  if (!error) return null;
  const message = error.message || String(error);
  const code = error.code && error.status ? `${error.code} · HTTP ${error.status}` : error.code;
  return (
    <div class="banner banner-error" role="alert" data-testid="error-banner">
      <div class="banner-text">
        <strong>{title ?? 'Something went wrong'}</strong>
        <span data-testid="error-message">{message}</span>
        {code ? <span class="banner-code">{code}</span> : null}
      </div>
      <div class="banner-actions">
        {onRetry ? (
          <button type="button" class="btn btn-small" onClick={onRetry}>
            Retry
          </button>
        ) : null}
        {onDismiss ? (
          <button type="button" class="btn btn-small btn-ghost" onClick={onDismiss} aria-label="Dismiss">
            ×
          </button>
        ) : null}
      </div>
    </div>
  );
}
