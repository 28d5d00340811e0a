// The scheduler's REST API as the UI uses it: the operator token (sessionStorage, sent as a
// bearer token, never in a URL), conditional GETs with ETags (a 304 reuses the last body),
// errors as ApiError with the API's {"error","detail"}, and the connection state for the banner.

const TOKEN_KEY = 'ringkeeper.token';
const cache = new Map();  // url → {etag, data}
const listeners = new Set();
let online = true;

export class ApiError extends Error {
  constructor(status, error, detail) {
    super(detail || error || `HTTP ${status}`);
    this.status = status;
    this.error = error;
    this.detail = detail;
  }
  // A 404 for the route itself: the scheduler does not offer this API (yet).
  get missingRoute() {
    return this.status === 404 && /^no route for /.test(this.detail || '');
  }
}

export function token() { return sessionStorage.getItem(TOKEN_KEY) || ''; }
export function setToken(t) {
  if (t) sessionStorage.setItem(TOKEN_KEY, t);
  else sessionStorage.removeItem(TOKEN_KEY);
}

// fn(online: boolean) is called when the scheduler stops or starts answering.
export function onConnection(fn) { listeners.add(fn); }
function setOnline(v) {
  if (v === online) return;
  online = v;
  for (const fn of listeners) fn(v);
}

function headers(extra = {}) {
  const out = { Accept: 'application/json', ...extra };
  const t = token();
  if (t) out.Authorization = `Bearer ${t}`;
  return out;
}

async function parseError(res) {
  let body = {};
  try { body = await res.json(); } catch { /* not JSON: keep the status */ }
  return new ApiError(res.status, body.error || `http_${res.status}`,
                      body.detail || res.statusText || `HTTP ${res.status}`);
}

async function call(method, path, init) {
  let res;
  try {
    res = await fetch(path, { method, cache: 'no-store', credentials: 'omit', ...init });
  } catch (e) {
    setOnline(false);
    throw new ApiError(0, 'unreachable', 'The scheduler does not answer (restarting or down?); retrying.');
  }
  setOnline(true);
  return res;
}

// GET `path` (with its query); resolves to {data, changed}. `changed` is false when the
// scheduler answered 304 for the ETag of the last body.
export async function get(path) {
  const known = cache.get(path);
  const res = await call('GET', path, {
    headers: headers(known ? { 'If-None-Match': known.etag } : {}),
  });
  if (res.status === 304 && known) return { data: known.data, changed: false };
  if (!res.ok) throw await parseError(res);
  const data = await res.json();
  const etag = res.headers.get('ETag');
  if (etag) cache.set(path, { etag, data });
  return { data, changed: true };
}

// POST/PATCH/DELETE with a JSON body (or none); resolves to the parsed answer.
export async function send(method, path, body) {
  const init = { headers: headers(body === undefined ? {} : { 'Content-Type': 'application/json' }) };
  if (body !== undefined) init.body = JSON.stringify(body);
  const res = await call(method, path, init);
  if (!res.ok) throw await parseError(res);
  const text = await res.text();
  return text ? JSON.parse(text) : {};
}

export function forget(prefix) {
  for (const k of cache.keys()) if (k.startsWith(prefix)) cache.delete(k);
}
