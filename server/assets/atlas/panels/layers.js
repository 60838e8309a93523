// The layer panel: every dataset grouped by agency with a toggle, the stack of shown layers
// with order, opacity and hide, and a "zoom in to see" hint on a shown layer that draws
// nothing in the view because its features only appear closer in.
import { t, dsTitle } from '../i18n.js';
import { notifyError } from '../api.js';
import { escapeHtml } from '../format.js';
import { idle, refresh, setBasemap, syncUrl } from '../view.js';

export function renderGroups(ctx) {
  const el = document.getElementById('dataset-groups');
  const { groups } = ctx.catalog;
  if (groups.size === 0) { el.innerHTML = `<p>${escapeHtml(t('layers.none'))}</p>`; return; }
  el.innerHTML = [...groups].map(([agency, list]) => `<fieldset class="group"><legend>${escapeHtml(agency)}</legend>
    ${list.map(ds => `<div class="ds-row" data-id="${escapeHtml(ds.id)}">
      <input type="checkbox" id="ds-${escapeHtml(ds.id)}" data-toggle="${escapeHtml(ds.id)}" ${ctx.stack.visible.has(ds.id) ? 'checked' : ''}>
      <label for="ds-${escapeHtml(ds.id)}">${escapeHtml(dsTitle(ds))}</label>
      <button type="button" class="icon" data-fit="${escapeHtml(ds.id)}" aria-label="${escapeHtml(t('layers.zoomTo', { title: dsTitle(ds) }))}" title="${escapeHtml(t('layers.zoomTo', { title: dsTitle(ds) }))}">⤢</button>
      <p class="ds-desc">${escapeHtml(ds.description || '')}</p>
    </div>`).join('')}</fieldset>`).join('');
}

function zoomHintHtml(ctx, id, title) {
  const label = t('layers.zoomInTo', { title });
  return `<p class="hint zoom-hint" data-hint="${escapeHtml(id)}" ${ctx.emptyLayers?.has(id) ? '' : 'hidden'}><span>${escapeHtml(t('layers.zoomToSee'))}</span>
    <button type="button" class="btn btn-small" data-zoomin="${escapeHtml(id)}" ${ctx.zooming?.id === id ? 'disabled' : ''} aria-label="${escapeHtml(label)}" title="${escapeHtml(label)}">${escapeHtml(t('layers.zoomIn'))}</button></p>`;
}

export function renderStack(ctx) {
  const el = document.getElementById('layer-stack');
  if (!ctx.stack) return;
  const shown = [...ctx.stack.shown()].reverse();
  el.innerHTML = shown.map((id, i) => {
    const ds = ctx.catalog.byId.get(id);
    const title = dsTitle(ds);
    const op = Math.round((ctx.stack.visible.get(id) ?? 1) * 100);
    return `<li class="stack-row" data-id="${escapeHtml(id)}">
      <div class="stack-head"><span class="stack-title">${escapeHtml(title)}</span>
        <button type="button" class="icon" data-move="1" aria-label="${escapeHtml(t('layers.up', { title }))}" title="${escapeHtml(t('layers.up', { title }))}" ${i === 0 ? 'disabled' : ''}>▲</button>
        <button type="button" class="icon" data-move="-1" aria-label="${escapeHtml(t('layers.down', { title }))}" title="${escapeHtml(t('layers.down', { title }))}" ${i === shown.length - 1 ? 'disabled' : ''}>▼</button>
        <button type="button" class="icon" data-off="${escapeHtml(id)}" aria-label="${escapeHtml(t('layers.hide', { title }))}" title="${escapeHtml(t('layers.hide', { title }))}">✕</button>
      </div>
      <label class="opacity"><span>${escapeHtml(t('layers.opacityShort'))}</span>
        <input type="range" min="0" max="100" step="5" value="${op}" data-opacity="${escapeHtml(id)}" aria-label="${escapeHtml(t('layers.opacity', { title }))}" aria-valuetext="${op} %">
        <output>${op} %</output></label>
      ${zoomHintHtml(ctx, id, title)}
    </li>`;
  }).join('') + `<li class="stack-row stack-base"><input type="checkbox" id="base-toggle" ${ctx.baseOn ? 'checked' : ''}> <label for="base-toggle">${escapeHtml(t('layers.basemap'))}</label></li>`;
}

export async function toggleDataset(ctx, id, on) {
  await ctx.stack.show(id, on);
  const cb = document.getElementById(`ds-${id}`);
  if (cb) cb.checked = on;
  refresh(ctx);
}

export function wireLayerPanel(ctx) {
  const { map } = ctx;
  const groups = document.getElementById('dataset-groups');
  groups.addEventListener('change', e => {
    const id = e.target.dataset.toggle;
    if (id) toggleDataset(ctx, id, e.target.checked).catch(notifyError);
  });
  groups.addEventListener('click', e => {
    const id = e.target.closest('[data-fit]')?.dataset.fit;
    if (!id) return;
    const ds = ctx.catalog.byId.get(id);
    const [w, s, east, n] = ds.bounds;
    map.fitBounds([[w, s], [east, n]], { padding: 30 });
    if (!ctx.stack.visible.has(id)) toggleDataset(ctx, id, true).catch(notifyError);
  });
  const stack = document.getElementById('layer-stack');
  stack.addEventListener('input', e => {
    const id = e.target.dataset.opacity;
    if (!id) return;
    ctx.stack.opacity(id, e.target.value / 100);
    e.target.nextElementSibling.textContent = `${e.target.value} %`;
    e.target.setAttribute('aria-valuetext', `${e.target.value} %`);
    syncUrl(ctx);
  });
  stack.addEventListener('change', e => {
    if (e.target.id === 'base-toggle') { setBasemap(ctx, e.target.checked); refresh(ctx); }
  });
  stack.addEventListener('click', e => {
    const row = e.target.closest('.stack-row');
    const mv = e.target.closest('[data-move]');
    const off = e.target.closest('[data-off]');
    const zoomin = e.target.closest('[data-zoomin]');
    if (mv && row) {
      if (ctx.stack.move(row.dataset.id, +mv.dataset.move)) {
        refresh(ctx);
        document.querySelector(`#layer-stack [data-id="${row.dataset.id}"] [data-move="${mv.dataset.move}"]:not([disabled])`)?.focus()
          || document.querySelector(`#layer-stack [data-id="${row.dataset.id}"] [data-move]:not([disabled])`)?.focus();
      }
    } else if (off) {
      toggleDataset(ctx, off.dataset.off, false).catch(notifyError);
    } else if (zoomin) {
      zoomToFeatures(ctx, zoomin.dataset.zoomin).then(() => {
        // the row was redrawn while zooming: keep the keyboard in it
        if (document.activeElement === document.body) document.querySelector(`#layer-stack [data-id="${zoomin.dataset.zoomin}"] input[type=range]`)?.focus();
      }).catch(notifyError);
    }
  });
  // the zoom hints follow the view, checked once the map has settled
  let timer = null;
  const later = () => { if (!timer) timer = setTimeout(() => { timer = null; updateZoomHints(ctx); }, 250); };
  map.on('moveend', later);
  map.on('idle', later);
}

// ---- "zoom in to see" -------------------------------------------------------------------

/** Beyond this zoom an empty view means nothing is there, not features too small to draw. */
const HINT_BELOW = 12;
const STEPS = 3;

function intersectsView(map, [w, s, e, n]) {
  const b = map.getBounds();
  return w <= b.getEast() && e >= b.getWest() && s <= b.getNorth() && n >= b.getSouth();
}

const renderedIds = (ctx, id) => (ctx.stack.styles.get(id)?.layers || []).map(l => l.id).filter(l => ctx.map.getLayer(l));

/**
 * The shown datasets that draw nothing here although their bounds meet the view: below
 * their minzoom, or (below HINT_BELOW) no rendered feature at all; one query per dataset.
 */
export function emptyLayers(ctx) {
  const { map } = ctx;
  const z = map.getZoom();
  const out = new Set();
  for (const id of ctx.stack?.shown() || []) {
    const ds = ctx.catalog.byId.get(id);
    const layers = renderedIds(ctx, id);
    if (!ds || !layers.length || !Array.isArray(ds.bounds) || !intersectsView(map, ds.bounds)) continue;
    if (z < (ds.minzoom || 0)) { out.add(id); continue; }
    if (z >= HINT_BELOW) continue;
    const source = ctx.stack.source(id);
    if (!source || !map.getSource(source) || !map.isSourceLoaded(source)) { if (ctx.emptyLayers?.has(id)) out.add(id); continue; }
    if (map.queryRenderedFeatures({ layers }).length === 0) out.add(id);
  }
  return out;
}

/** Shows or hides each row's hint in place (no redraw, so focus and sliders stay put). */
export function updateZoomHints(ctx) {
  if (!ctx.stack || !ctx.catalog || ctx.map.isMoving()) return;
  ctx.emptyLayers = emptyLayers(ctx);
  for (const p of document.querySelectorAll('#layer-stack [data-hint]')) {
    const on = ctx.emptyLayers.has(p.dataset.hint);
    if (p.hidden === on) p.hidden = !on;
  }
}

function moveTo(map, opts) {
  const reduce = matchMedia('(prefers-reduced-motion: reduce)').matches;
  const duration = reduce ? 0 : 400;
  return new Promise(resolve => {
    const timer = setTimeout(resolve, duration + 500);
    map.once('moveend', () => { clearTimeout(timer); resolve(); });
    map.easeTo({ ...opts, duration });
  });
}

/**
 * Zooms in where a dataset's features appear: its minzoom (or one zoom in), then one zoom at
 * a time, at most STEPS more, until something renders. Keeps the centre if it is inside the
 * dataset's bounds, else moves to the middle of the part of the view they cover.
 */
export function zoomToFeatures(ctx, id) {
  const ds = ctx.catalog.byId.get(id);
  if (!ds || !ctx.stack.visible.has(id)) return Promise.resolve(null);
  if (ctx.zooming) return ctx.zooming.done;
  const buttons = on => document.querySelectorAll(`#layer-stack [data-zoomin="${CSS.escape(id)}"]`).forEach(b => { b.disabled = on; });
  const done = stepIn(ctx, id, ds).finally(() => { ctx.zooming = null; buttons(false); });
  ctx.zooming = { id, done };
  buttons(true);
  return done;
}

async function stepIn(ctx, id, ds) {
  const { map } = ctx;
  const c = map.getCenter();
  let center = [c.lng, c.lat];
  if (Array.isArray(ds.bounds)) {
    const [w, s, e, n] = ds.bounds;
    const b = map.getBounds();
    if (c.lng < w || c.lng > e || c.lat < s || c.lat > n) {
      center = [(Math.max(w, b.getWest()) + Math.min(e, b.getEast())) / 2, (Math.max(s, b.getSouth()) + Math.min(n, b.getNorth())) / 2];
    }
  }
  const max = map.getMaxZoom();
  let zoom = Math.min(max, Math.max(ds.minzoom || 0, Math.floor(map.getZoom() + 1e-6) + 1));
  let features = 0;
  for (let step = 0; step <= STEPS; step++) {
    await moveTo(map, { center, zoom });
    await idle(ctx);
    features = map.queryRenderedFeatures({ layers: renderedIds(ctx, id) }).length;
    if (features > 0 || zoom >= max) break;
    zoom = Math.min(max, zoom + 1);
  }
  updateZoomHints(ctx);
  return { zoom: map.getZoom(), features };
}
