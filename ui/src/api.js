// The dashboard's only way to talk to mops: the REST API on the same origin.
// Signing in trades the API token once for a session (POST /api/v1/session
// with `Authorization: Bearer <token>`); the server answers with an HttpOnly,
// SameSite=Strict cookie that every later request carries, so page script
// never holds a long-lived secret. Errors come back as
// {"error": {"code", "message", "details"}} and are raised as ApiError.

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.name = 'ApiError';
    this.status = status; // HTTP status, 0 when the server could not be reached
    this.code = code;
    this.details = details;
  }

  get unauthorized() {
    return this.status === 401;
  }
}

// Listeners told when any request comes back 401 (token revoked or expired).
const unauthorizedListeners = new Set();
export function onUnauthorized(fn) {
  unauthorizedListeners.add(fn);
  return () => unauthorizedListeners.delete(fn);
}

async function errorFromResponse(res) {
  let code = `http_${res.status}`;
  let message = `${res.status} ${res.statusText || 'error'}`.trim();
  let details;
  try {
    const body = await res.json();
    if (body && typeof body.error === 'object' && body.error !== null) {
      code = body.error.code || code;
      message = body.error.message || message;
      details = body.error.details;
    }
  } catch {
    // Not JSON (e.g. a proxy error page): keep the status line.
  }
  return new ApiError(res.status, code, message, details);
}

// request('GET', '/api/v1/overview') -> parsed JSON, authenticated by the
// session cookie. `token` sends `Authorization: Bearer` instead (only the
// sign-in exchange does). `quiet` keeps a 401 from signing the page out.
export async function request(method, path, { body, token, signal, quiet } = {}) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';

  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      credentials: 'same-origin',
    });
  } catch (e) {
    if (e && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', 'Cannot reach the mops server. Is it running?');
  }

  if (!res.ok) {
    const err = await errorFromResponse(res);
    if (err.unauthorized && token === undefined && !quiet) {
      for (const fn of unauthorizedListeners) fn(err);
    }
    throw err;
  }
  if (res.status === 204) return null;
  try {
    return await res.json();
  } catch {
    throw new ApiError(res.status, 'bad_response', `Invalid JSON from ${path}`);
  }
}

export const get = (path, opts) => request('GET', path, opts);
export const post = (path, body, opts = {}) => request('POST', path, { ...opts, body });

// Typed helpers for the endpoints the dashboard uses.
export const api = {
  // Trades the token for the session cookie; the token is not kept.
  signIn: (token, opts) => request('POST', '/api/v1/session', { ...opts, token }),
  signOut: (opts) => request('DELETE', '/api/v1/session', { ...opts, quiet: true }),
  me: (opts) => get('/api/v1/me', opts),
  overview: (opts) => get('/api/v1/overview', opts),
  touchpointsWeekly: (opts) => get('/api/v1/touchpoints/weekly', opts),
  attributionRun: (body, opts) => post('/api/v1/attribution/runs', body, opts),
  attributionRuns: (opts) => get('/api/v1/attribution/runs?limit=50', opts),
  attributionRunById: (id, opts) => get(`/api/v1/attribution/runs/${id}`, opts),
  attributionCredits: (id, model, channel, opts) =>
    get(
      `/api/v1/attribution/runs/${id}/credits?model=${encodeURIComponent(model)}` +
        `&channel=${encodeURIComponent(channel)}&limit=50`,
      opts,
    ),
};
