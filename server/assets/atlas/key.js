// The organisation's API key, for the tab's life only: kept in sessionStorage (a secret:
// never in the URL's state, never in localStorage, never logged) and sent as
// `Authorization: Bearer` on the atlas's own requests, so the catalog, styles, TileJSON and
// tiles show the organisation's datasets that are not public. Also MapLibre's
// transformRequest, which adds the key and revalidates the tiles of a dataset replaced here.

const STORE = 'rummet.key';
/** `rmt_<12 hex>_<64 hex>`; anything else is refused before it reaches the server. */
const KEY_SHAPE = /^rmt_[0-9a-f]{12}_[0-9a-f]{64}$/;

let key = read();

function read() {
  try { return sessionStorage.getItem(STORE) || null; } catch { return null; }
}

export const isKeyShaped = text => KEY_SHAPE.test(text);

export function currentKey() { return key; }

export function setKey(k) {
  key = k || null;
  try {
    if (key) sessionStorage.setItem(STORE, key);
    else sessionStorage.removeItem(STORE);
  } catch { /* storage off: the key lasts until the page is left */ }
}

export const forgetKey = () => setKey(null);

/** Same origin only: the key never goes to a server the atlas merely draws from. */
function ours(url) {
  try { return new URL(url, location.href).origin === location.origin; } catch { return false; }
}

/** The Authorization header for `url`, if a key is entered and the URL is Rummet's. */
export function authHeaders(url) {
  return key && ours(url) ? { Authorization: `Bearer ${key}` } : {};
}

/** Datasets given a new version in this tab. */
const renewed = new Set();

/**
 * `id` has a new version: its tiles are asked for with `cache: 'no-cache'` from now on, as
 * the browser may hold the old version's under the same URL for minutes (`max-age`); the
 * server's ETag makes an unchanged tile a 304.
 */
export const revalidate = id => renewed.add(id);

function isRenewedTile(url) {
  if (!renewed.size) return false;
  const m = new URL(url, location.href).pathname.match(/^\/tiles\/([^/]+)\/\d+\/\d+\/\d+\.(?:mvt|pbf)$/);
  return Boolean(m) && decodeURIComponent(m[1]).split(',').some(id => renewed.has(id));
}

/** Glyphs and sprites are the same for everyone: no key lookup on the server for them. */
const SHARED = new Set(['Glyphs', 'SpriteImage', 'SpriteJSON']);

/** MapLibre's transformRequest: the key on its styles, TileJSON and tiles. */
export function transformRequest(url, resourceType) {
  const out = { url };
  if (!SHARED.has(resourceType)) {
    const headers = authHeaders(url);
    if (headers.Authorization) out.headers = headers;
  }
  if (resourceType === 'Tile' && isRenewedTile(url)) out.cache = 'no-cache';
  return out;
}
