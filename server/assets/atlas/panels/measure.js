// The measure panel: a drawn area and a border zone between two units, each with the shown
// layers' numbers inside it from the statistics API.
import { t } from '../i18n.js';
import { notify, notifyError } from '../api.js';
import { Drawer, showArea, areaStats, renderAreaResult, borderStats, showZone, renderBorderResult } from '../draw.js';
import { escapeHtml } from '../format.js';
import { restack, syncUrl } from '../view.js';

export async function setArea(ctx, coords) {
  ctx.area = coords;
  showArea(ctx.map, coords);
  restack(ctx);
  const el = document.getElementById('draw-result');
  if (!coords) { el.innerHTML = ''; syncUrl(ctx); return []; }
  const ids = ctx.stack.shown();
  if (!ids.length) { el.innerHTML = `<p class="hint">${escapeHtml(t('draw.noLayers'))}</p>`; syncUrl(ctx); return []; }
  el.innerHTML = `<p class="hint">${escapeHtml(t('loading'))}</p>`;
  const results = await areaStats(ids, ctx.catalog, coords);
  renderAreaResult(el, ctx.catalog, results, coords);
  syncUrl(ctx);
  return results;
}

export async function setBorder(ctx, border) {
  ctx.border = border;
  const el = document.getElementById('border-result');
  if (!border) { showZone(ctx.map, null); el.innerHTML = ''; syncUrl(ctx); return []; }
  const ids = ctx.stack.shown();
  if (!ids.length) {
    el.innerHTML = `<p class="hint">${escapeHtml(t('draw.noLayers'))}</p>`;
    syncUrl(ctx);
    return [];
  }
  el.innerHTML = `<p class="hint">${escapeHtml(t('loading'))}</p>`;
  const results = await borderStats(ids, ctx.catalog, border);
  showZone(ctx.map, results[0]?.answer);
  restack(ctx);
  renderBorderResult(el, ctx.catalog, results, border);
  syncUrl(ctx);
  return results;
}

export function wireMeasurePanel(ctx) {
  const drawer = new Drawer(ctx.map);
  ctx.drawer = drawer;
  const btn = document.getElementById('draw-start');
  btn.addEventListener('click', async () => {
    if (drawer.active) { drawer.stop(); btn.textContent = t('draw.start'); return; }
    btn.textContent = t('draw.cancel');
    try {
      const ring = await drawer.start();
      btn.textContent = t('draw.start');
      if (ring && ring.length >= 3) await setArea(ctx, ring);
    } catch (e) { btn.textContent = t('draw.start'); notifyError(e); }
  });
  document.getElementById('draw-clear').addEventListener('click', () => { drawer.stop(); setArea(ctx, null); });
  document.getElementById('border-form').addEventListener('submit', e => {
    e.preventDefault();
    const a = document.getElementById('bz-a').dataset.unit;
    const b = document.getElementById('bz-b').dataset.unit;
    const km = Math.min(50, Math.max(0.5, parseFloat(document.getElementById('bz-km').value) || 5));
    if (!a || !b) { notify(t('border.pick'), 'warning'); return; }
    setBorder(ctx, { a, b, km }).catch(notifyError);
  });
  document.getElementById('bz-clear').addEventListener('click', () => setBorder(ctx, null));
}
