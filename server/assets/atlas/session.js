// Entering and forgetting the key, and a catalog that changed: what the atlas may show
// depends on the key, so the kept answers are dropped and the catalog, every list drawn from
// it and the map's layers are brought up to date.
import { clearCache } from './api.js';
import { loadCatalog } from './catalog.js';
import { forgetStyles } from './layers.js';
import { currentKey, setKey, forgetKey } from './key.js';
import { whoami } from './publish.js';
import { refresh } from './view.js';
import { renderGroups } from './panels/layers.js';
import { fillStatsForm } from './panels/stats.js';
import { renderCompareLayers, compareChoice } from './panels/compare.js';

/** Loads the catalog again and redraws what lists its datasets. */
export async function reloadCatalog(ctx) {
  clearCache();
  forgetStyles();
  const catalog = await loadCatalog();
  ctx.catalog = catalog;
  ctx.stack.setCatalog(catalog);
  if (ctx.compare?.stack) ctx.compare.stack.setCatalog(catalog);
  // a statistics map of a dataset no longer visible goes with it
  if (ctx.choro?.opts && !catalog.byId.has(ctx.choro.opts.ds)) {
    ctx.choro.clear();
    document.getElementById('stats-table').innerHTML = '';
  }
  renderGroups(ctx);
  fillStatsForm(ctx);
  const right = ctx.compare?.active ? ctx.compare.layers : compareChoice();
  renderCompareLayers(ctx, right.filter(id => catalog.byId.has(id)));
  refresh(ctx);
  return catalog;
}

/**
 * Who the key in the session belongs to, or null; a key the server refuses (revoked,
 * expired) is forgotten. Other failures keep it: the server may be back in a moment.
 */
export async function currentPrincipal() {
  if (!currentKey()) return null;
  try {
    return await whoami();
  } catch (e) {
    if (e.status === 401) forgetKey();
    throw e;
  }
}

/** Enters `key`: asks who holds it, keeps it for the session, shows what it may see. */
export async function login(ctx, key) {
  const before = currentKey();
  setKey(key);
  let principal;
  try {
    principal = await whoami();
  } catch (e) {
    setKey(before);
    throw e;
  }
  await reloadCatalog(ctx);
  return principal;
}

/** Forgets the key; the organisation's datasets that are not public leave the map. */
export async function logout(ctx) {
  forgetKey();
  await reloadCatalog(ctx);
}
