// The map's view shared by every panel: waiting for the map to settle, layer order, the
// basemap switch, the map controls, the legend and sources under the map, the URL state, and
// refresh() that brings all of these up to date after a change.
import { t, getLang, dsTitle, maplibreLocale } from './i18n.js';
import { notify } from './api.js';
import { toHash } from './state.js';
import { abs } from './catalog.js';
import { isLabelLayer } from './basemap.js';
import { datasetLegend, renderLegend, basemapLegend } from './legend.js';
import { REGION_COLOUR } from './regions.js';
import { escapeHtml } from './format.js';
import { renderStack } from './panels/layers.js';
import { ACCESS_LAYERS, accessLegend, accessSources } from './panels/access.js';

export const SWEDEN = [[10.9, 55.2], [24.3, 69.1]];
export const GLYPHS = abs('/fonts/{fontstack}/{range}.pbf');
export const SPRITE = abs('/sprites/rummet');

/** Resolves when the map has loaded its tiles and stopped moving. */
export const idle = ctx => new Promise(resolve => {
  const { map } = ctx;
  if (map.loaded() && !map.isMoving() && map.areTilesLoaded()) {
    // one more frame: a just-changed style may not have marked itself dirty yet
    requestAnimationFrame(() => (map.loaded() ? resolve() : map.once('idle', resolve)));
  } else map.once('idle', resolve);
});

let controls = [];
/** (Re)adds the map controls in the current language. */
export function addControls(ctx) {
  const { map } = ctx;
  for (const c of controls) map.removeControl(c);
  map._locale = { ...map._locale, ...maplibreLocale() };
  controls = [
    [new maplibregl.NavigationControl({ visualizePitch: false }), 'top-right'],
    [new maplibregl.FullscreenControl({ container: document.getElementById('main') }), 'top-right'],
    [new maplibregl.ScaleControl({ unit: 'metric', maxWidth: 140 }), 'bottom-right'],
  ].map(([c, pos]) => { map.addControl(c, pos); return c; });
}

// ---- URL state ----------------------------------------------------------------------------

export function currentState(ctx) {
  const { map } = ctx;
  const c = map.getCenter();
  return {
    lang: getLang(),
    base: ctx.baseOn,
    layers: ctx.stack ? ctx.stack.shown().map(id => ({ id, opacity: ctx.stack.visible.get(id) })) : [],
    region: ctx.region ? { div: ctx.region.div, codes: ctx.region.codes } : null,
    // a choropleth whose statistics failed to come stays in the URL, so a reload retries
    choro: (({ ds, measure, by, scope, method, k, palette, where }) => (ds ? { ds, measure, by, scope, method, k, palette, where: where || '' } : null))(ctx.choro?.opts || ctx.pendingChoro || {}),
    area: ctx.area,
    border: ctx.border,
    compare: ctx.compare?.active ? ctx.compare.layers : null,
    view: { zoom: map.getZoom(), center: [c.lng, c.lat] },
  };
}

let lastHash = location.hash;
let urlTimer = null;
export function syncUrl(ctx) {
  clearTimeout(urlTimer);
  urlTimer = setTimeout(() => {
    if (!ctx.ready) return;
    const h = toHash(currentState(ctx));
    if (h !== location.hash) history.replaceState(null, '', h);
    lastHash = h;
  }, 150);
}
window.addEventListener('hashchange', () => { if (location.hash !== lastHash) location.reload(); });

export async function copyLink(ctx) {
  const h = toHash(currentState(ctx));
  history.replaceState(null, '', h);
  lastHash = h;
  const url = location.href;
  try {
    await navigator.clipboard.writeText(url);
  } catch {
    const ta = document.createElement('textarea');
    ta.value = url; document.body.append(ta); ta.select();
    try { document.execCommand('copy'); } catch { /* shown below */ }
    ta.remove();
  }
  notify(`${t('share.copied')}: ${url}`, 'info');
}

// ---- layer order and basemap ----------------------------------------------------------------

/** The layers drawn above the thematic ones, bottom to top. */
const above = ctx => [
  'region-dim', 'region-nb-line', 'zone-fill', 'zone-line', 'area-fill', 'area-line', 'region-casing', 'region-line', 'choro-hover',
  ...(ctx.basemap ? ctx.basemap.layers : []).filter(isLabelLayer).map(l => l.id),
];

/** The layer new thematic layers go under, so they never show above the labels meanwhile. */
export const thematicBefore = ctx => above(ctx).find(id => ctx.map.getLayer(id));

export function restack(ctx) {
  const { map } = ctx;
  const base = ctx.basemap ? ctx.basemap.layers : [];
  const order = [
    ...base.filter(l => !isLabelLayer(l)).map(l => l.id),
    'choro-fill', 'choro-line', ...ACCESS_LAYERS,
    ...(ctx.stack ? ctx.stack.layerIds() : []),
    ...above(ctx),
  ];
  for (const id of order) if (map.getLayer(id)) map.moveLayer(id);
  for (const l of map.getStyle().layers) if (l.id.startsWith('td-')) map.moveLayer(l.id);
}

export function setBasemap(ctx, on) {
  const { map } = ctx;
  ctx.baseOn = on;
  for (const l of ctx.basemap?.layers || []) {
    if (l.type === 'background') continue;
    if (map.getLayer(l.id)) map.setLayoutProperty(l.id, 'visibility', on ? 'visible' : 'none');
  }
  const bg = ctx.basemap.layers.find(l => l.type === 'background');
  map.setPaintProperty(bg?.id || 'boot', 'background-color', on ? (bg?.paint?.['background-color'] || '#c6dbe6') : '#ffffff');
}

// ---- legend and sources -------------------------------------------------------------------

export function legendModel(ctx) {
  const layers = [];
  if (ctx.stack) {
    for (const id of [...ctx.stack.shown()].reverse()) {
      const st = ctx.stack.styles.get(id);
      if (st) layers.push(datasetLegend(ctx.catalog.byId.get(id), st));
    }
  }
  // the accessibility map's shares and minutes come first, as the choropleth does
  layers.unshift(...accessLegend(ctx));
  const region = ctx.region?.names?.length ? { color: REGION_COLOUR, label: ctx.region.names.join(', ') } : null;
  const base = ctx.baseOn && ctx.basemap ? basemapLegend(ctx.basemap.layers, getLang()) : null;
  return { choropleth: ctx.choro?.legend() || null, layers, region, base };
}

export function updateLegend(ctx) {
  const model = legendModel(ctx);
  document.getElementById('legend').hidden = !model.choropleth && !model.layers.length && !model.region && !model.base?.items.length;
  renderLegend(document.getElementById('legend-body'), model, ctx.map.getZoom(), z => ctx.map.easeTo({ zoom: z + 0.5 }));
}

export function sourcesText(ctx, html) {
  if (!ctx.catalog) return '';
  const ids = new Set();
  if (ctx.baseOn) Object.keys(ctx.catalog.divisions).filter(d => d !== 'fa').forEach(d => ids.add(d));
  if (ctx.choro?.opts) { ids.add(ctx.choro.opts.ds); ids.add(ctx.choro.opts.by); }
  for (const id of ctx.stack?.shown() || []) ids.add(id);
  for (const id of ctx.compare?.layers || []) ids.add(id);
  for (const id of accessSources(ctx)) ids.add(id);
  const groups = new Map();
  for (const ds of [...ids].map(id => ctx.catalog.byId.get(id)).filter(Boolean)) {
    const lic = ds.licence && !String(ds.attribution || '').includes(ds.licence) ? `, ${t('sources.licence')} ${ds.licence}` : '';
    const key = `${ds.attribution || ds.agency}${lic}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(dsTitle(ds));
  }
  const parts = [...groups].map(([text, titles]) => (html
    ? `<span class="src"><strong>${escapeHtml(titles.join(', '))}</strong> ${escapeHtml(text)}</span>`
    : `${titles.join(', ')}: ${text}`));
  const tail = html ? '<span class="src">Rummet · MapLibre</span>' : 'Rummet, MapLibre';
  return html ? parts.join(' ') + ' ' + tail : [...parts, tail].join(' · ');
}

export function updateSources(ctx) {
  const el = document.getElementById('sources');
  el.innerHTML = sourcesText(ctx, true);
  // the legend and the scale bar sit above the sources, however many lines they take
  document.getElementById('main').style.setProperty('--foot', `${el.offsetHeight}px`);
}

/** Layer order, legend, sources, the layer list and the URL, after any change. */
export function refresh(ctx) {
  restack(ctx);
  updateLegend(ctx);
  updateSources(ctx);
  renderStack(ctx);
  syncUrl(ctx);
}

// ---- export -------------------------------------------------------------------------------

function exportModel(ctx) {
  const lm = legendModel(ctx);
  const legend = [];
  if (lm.choropleth) legend.push(lm.choropleth);
  for (const g of lm.layers) legend.push({ title: g.title, items: g.items });
  if (lm.region) legend.push({ title: '', items: [{ kind: 'line', color: lm.region.color, label: lm.region.label }] });
  if (ctx.area) legend.push({ title: '', items: [{ kind: 'fill', color: '#5b3f8c', label: t('draw.title') }] });
  if (lm.base?.items.length) legend.push(lm.base);
  const title = lm.choropleth?.title || (ctx.region?.names?.length ? ctx.region.names.join(', ') : t('app.title'));
  const subtitle = lm.choropleth ? lm.choropleth.subtitle : lm.layers.map(g => g.title).join(', ');
  return { title, subtitle, legend, sources: sourcesText(ctx, false) };
}

export async function doExport(ctx) {
  const btn = document.getElementById('export-png');
  btn.disabled = true;
  const { exportPng } = await import('./export.js');
  try { return await exportPng(ctx.map, exportModel(ctx)); } finally { btn.disabled = false; }
}

export async function exportCanvas(ctx) {
  const { renderFresh } = await import('./export.js');
  return renderFresh(ctx.map, exportModel(ctx));
}
