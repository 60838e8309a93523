// Requests to Rummet: one answer per URL kept until the key changes (a key shows other
// datasets), the key sent along, errors turned into a message on the page (role="alert")
// and a rejected promise.
import { t } from './i18n.js';
import { authHeaders } from './key.js';

const cache = new Map();

export class ApiError extends Error {
  constructor(message, status, code) { super(message); this.status = status; this.code = code; }
}

/** The error a failed answer describes: Rummet's `{"error", "message"}` when it is JSON. */
export function errorOf(status, statusText, body) {
  let msg = `${status} ${statusText || ''}`.trim();
  let code = 'http';
  if (body && (body.message || body.description)) msg = body.message || body.description;
  if (body && body.error) code = body.error;
  return new ApiError(msg, status, code);
}

async function request(url, init = {}) {
  let res;
  try {
    res = await fetch(url, { ...init, headers: { ...init.headers, ...authHeaders(url) } });
  } catch (e) {
    throw new ApiError(t('notice.unreachable', { url }), 0, 'unreachable');
  }
  if (!res.ok) {
    let body = null;
    try { body = await res.json(); } catch { /* not JSON */ }
    throw errorOf(res.status, res.statusText, body);
  }
  return res.status === 204 ? null : res.json();
}

/** A request that changes something (never cached): `body` is sent as JSON when given. */
export function sendJSON(method, url, body) {
  const init = { method };
  if (body !== undefined) { init.headers = { 'content-type': 'application/json' }; init.body = JSON.stringify(body); }
  return request(url, init);
}

/** GET as JSON, never from the cache (a job's progress, whoami). */
export const fetchJSON = url => request(url, { cache: 'no-store' });

/** Forgets every kept answer: the key changed, and with it what the server shows. */
export function clearCache() { cache.clear(); }

/** GET as JSON, cached per URL (a failed answer is not kept). */
export function getJSON(url) {
  if (!cache.has(url)) {
    const p = request(url);
    cache.set(url, p);
    p.catch(() => cache.delete(url));
  }
  return cache.get(url);
}

/** POST a GeoJSON body, cached per URL and body. */
export function postGeoJSON(url, body) {
  const text = JSON.stringify(body);
  const key = `${url}\n${text}`;
  if (!cache.has(key)) {
    const p = request(url, { method: 'POST', headers: { 'content-type': 'application/geo+json' }, body: text });
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return cache.get(key);
}

export function isCached(url) { return cache.has(url); }

// ---- notices -------------------------------------------------------------------------------

/** Shows a message in the page's alert region; returns the element. */
export function notify(text, kind = 'error') {
  const box = document.getElementById('notices');
  const same = [...box.children].find(el => el.dataset.text === text);
  if (same) return same;
  const el = document.createElement('div');
  el.className = `notice notice-${kind}`;
  el.dataset.text = text;
  const p = document.createElement('p');
  p.textContent = text;
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'notice-close';
  close.setAttribute('aria-label', t('notice.close'));
  close.textContent = '×';
  close.addEventListener('click', () => el.remove());
  el.append(p, close);
  box.append(el);
  return el;
}

/** A notice for a failed request. */
export function notifyError(err) {
  const msg = err instanceof ApiError && err.code === 'unreachable' ? err.message : t('notice.failed', { msg: err.message || String(err) });
  return notify(msg, 'error');
}
