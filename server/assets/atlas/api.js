// Requests to Rummet: one answer per URL kept for the page's life, errors turned into a
// message on the page (role="alert") and a rejected promise.
import { t } from './i18n.js';

const cache = new Map();

export class ApiError extends Error {
  constructor(message, status, code) { super(message); this.status = status; this.code = code; }
}

async function request(url, init) {
  let res;
  try {
    res = await fetch(url, init);
  } catch (e) {
    throw new ApiError(t('notice.unreachable', { url }), 0, 'unreachable');
  }
  if (!res.ok) {
    let msg = `${res.status} ${res.statusText}`;
    let code = 'http';
    try {
      const body = await res.json();
      if (body && (body.message || body.description)) msg = body.message || body.description;
      if (body && body.error) code = body.error;
    } catch { /* not JSON */ }
    throw new ApiError(msg, res.status, code);
  }
  return res.json();
}

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
