// The interregional atlas: wires the map, the panels and the URL state together, and exposes
// window.atlas for tests.
import { t, setLang, getLang, applyI18n, maplibreLocale, dsTitle } from './i18n.js';
import { getJSON, notify, notifyError } from './api.js';
import { parseHash, toHash } from './state.js';
import { loadCatalog, measuresFor, abs } from './catalog.js';
import { loadBasemap, divisionsSource, isLabelLayer, LABEL_COLOUR } from './basemap.js';
import { LayerStack } from './layers.js';
import { datasetLegend, renderLegend, basemapLegend } from './legend.js';
import { popupHtml } from './popup.js';
import { regionIndex, findUnit, search, combobox, resolveRegion, highlight, PILOT, REGION_COLOUR } from './regions.js';
import { Choropleth, CHORO_LAYERS, measureLabel } from './choropleth.js';
import { Drawer, showArea, areaStats, renderAreaResult, borderStats, showZone, renderBorderResult } from './draw.js';
import { escapeHtml, statValue } from './format.js';
import { unitLabels } from './labels.js';

const initial = parseHash(location.hash);
setLang(initial.lang);
applyI18n();

const SWEDEN = [[10.9, 55.2], [24.3, 69.1]];
const GLYPHS = abs('/fonts/{fontstack}/{range}.pbf');
const SPRITE = abs('/sprites/rummet');

const ctx = {
  t, locale: maplibreLocale,
  map: null, catalog: null, stack: null, basemap: null, choro: null,
  region: null, regionUnits: [], area: null, border: null, compare: null,
  baseOn: initial.base, missing: [],
};
window.rummet = ctx;

const map = new maplibregl.Map({
  container: 'map',
  style: { version: 8, glyphs: GLYPHS, sprite: SPRITE, sources: {}, layers: [{ id: 'boot', type: 'background', paint: { 'background-color': '#c6dbe6' } }] },
  bounds: initial.view ? undefined : SWEDEN,
  fitBoundsOptions: { padding: { top: 20, bottom: 40, left: 20, right: 20 } },
  center: initial.view?.center,
  zoom: initial.view?.zoom,
  locale: maplibreLocale(),
  preserveDrawingBuffer: true,
  attributionControl: false,
  maxZoom: 16,
  minZoom: 2,
});
ctx.map = map;
let controls = [];
function addControls() {
  for (const c of controls) map.removeControl(c);
  map._locale = { ...map._locale, ...maplibreLocale() };
  controls = [
    [new maplibregl.NavigationControl({ visualizePitch: false }), 'top-right'],
    [new maplibregl.FullscreenControl({ container: document.getElementById('main') }), 'top-right'],
    [new maplibregl.ScaleControl({ unit: 'metric', maxWidth: 140 }), 'bottom-right'],
  ].map(([c, pos]) => { map.addControl(c, pos); return c; });
}
addControls();

// ---- helpers ------------------------------------------------------------------------------

const idle = () => new Promise(resolve => {
  if (map.loaded() && !map.isMoving() && map.areTilesLoaded()) {
    // one more frame: a just-changed style may not have marked itself dirty yet
    requestAnimationFrame(() => (map.loaded() ? resolve() : map.once('idle', resolve)));
  } else map.once('idle', resolve);
});

function currentState() {
  const c = map.getCenter();
  const st = {
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
  return st;
}

let lastHash = location.hash;
let urlTimer = null;
function syncUrl() {
  clearTimeout(urlTimer);
  urlTimer = setTimeout(() => {
    if (!ctx.ready) return;
    const h = toHash(currentState());
    if (h !== location.hash) history.replaceState(null, '', h);
    lastHash = h;
  }, 150);
}
window.addEventListener('hashchange', () => { if (location.hash !== lastHash) location.reload(); });

function restack() {
  const base = ctx.basemap ? ctx.basemap.layers : [];
  const order = [
    ...base.filter(l => !isLabelLayer(l)).map(l => l.id),
    'choro-fill', 'choro-line',
    ...(ctx.stack ? ctx.stack.layerIds() : []),
    'region-dim', 'region-nb-line', 'zone-fill', 'zone-line', 'area-fill', 'area-line', 'region-casing', 'region-line', 'choro-hover',
    ...base.filter(isLabelLayer).map(l => l.id),
  ];
  for (const id of order) if (map.getLayer(id)) map.moveLayer(id);
  for (const l of map.getStyle().layers) if (l.id.startsWith('td-')) map.moveLayer(l.id);
}

function setBasemap(on) {
  ctx.baseOn = on;
  for (const l of ctx.basemap?.layers || []) {
    if (l.type === 'background') continue;
    if (map.getLayer(l.id)) map.setLayoutProperty(l.id, 'visibility', on ? 'visible' : 'none');
  }
  map.setPaintProperty(ctx.basemap.layers.find(l => l.type === 'background')?.id || 'boot', 'background-color', on ? (ctx.basemap.layers.find(l => l.type === 'background')?.paint?.['background-color'] || '#c6dbe6') : '#ffffff');
}

// ---- legend and sources -------------------------------------------------------------------

function legendModel() {
  const layers = [];
  if (ctx.stack) {
    for (const id of [...ctx.stack.shown()].reverse()) {
      const st = ctx.stack.styles.get(id);
      if (st) layers.push(datasetLegend(ctx.catalog.byId.get(id), st));
    }
  }
  const region = ctx.region?.names?.length ? { color: REGION_COLOUR, label: ctx.region.names.join(', ') } : null;
  const base = ctx.baseOn && ctx.basemap ? basemapLegend(ctx.basemap.layers, getLang()) : null;
  return { choropleth: ctx.choro?.legend() || null, layers, region, base };
}

function updateLegend() {
  const model = legendModel();
  document.getElementById('legend').hidden = !model.choropleth && !model.layers.length && !model.region && !model.base?.items.length;
  renderLegend(document.getElementById('legend-body'), model, map.getZoom(), z => map.easeTo({ zoom: z + 0.5 }));
}

function sourcesText(html) {
  if (!ctx.catalog) return '';
  const ids = new Set();
  if (ctx.baseOn) Object.keys(ctx.catalog.divisions).filter(d => d !== 'fa').forEach(d => ids.add(d));
  if (ctx.choro?.opts) { ids.add(ctx.choro.opts.ds); ids.add(ctx.choro.opts.by); }
  for (const id of ctx.stack?.shown() || []) ids.add(id);
  for (const id of ctx.compare?.layers || []) ids.add(id);
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

function updateSources() {
  const el = document.getElementById('sources');
  el.innerHTML = sourcesText(true);
  // the legend and the scale bar sit above the sources, however many lines they take
  document.getElementById('main').style.setProperty('--foot', `${el.offsetHeight}px`);
}

function refresh() {
  restack();
  updateLegend();
  updateSources();
  renderStack();
  syncUrl();
}

// ---- layer panel --------------------------------------------------------------------------

function renderGroups() {
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

function renderStack() {
  const el = document.getElementById('layer-stack');
  if (!ctx.stack) return;
  const shown = [...ctx.stack.shown()].reverse();
  const z = map.getZoom();
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
      ${z < (ds.minzoom || 0) ? `<p class="hint">${escapeHtml(t('layers.minzoom', { z: ds.minzoom }))}</p>` : ''}
    </li>`;
  }).join('') + `<li class="stack-row stack-base"><input type="checkbox" id="base-toggle" ${ctx.baseOn ? 'checked' : ''}> <label for="base-toggle">${escapeHtml(t('layers.basemap'))}</label></li>`;
}

async function toggleDataset(id, on) {
  await ctx.stack.show(id, on);
  const cb = document.getElementById(`ds-${id}`);
  if (cb) cb.checked = on;
  refresh();
}

function wireLayerPanel() {
  const groups = document.getElementById('dataset-groups');
  groups.addEventListener('change', e => {
    const id = e.target.dataset.toggle;
    if (id) toggleDataset(id, e.target.checked).catch(notifyError);
  });
  groups.addEventListener('click', e => {
    const id = e.target.closest('[data-fit]')?.dataset.fit;
    if (!id) return;
    const ds = ctx.catalog.byId.get(id);
    const [w, s, east, n] = ds.bounds;
    map.fitBounds([[w, s], [east, n]], { padding: 30 });
    if (!ctx.stack.visible.has(id)) toggleDataset(id, true).catch(notifyError);
  });
  const stack = document.getElementById('layer-stack');
  stack.addEventListener('input', e => {
    const id = e.target.dataset.opacity;
    if (!id) return;
    ctx.stack.opacity(id, e.target.value / 100);
    e.target.nextElementSibling.textContent = `${e.target.value} %`;
    e.target.setAttribute('aria-valuetext', `${e.target.value} %`);
    syncUrl();
  });
  stack.addEventListener('change', e => {
    if (e.target.id === 'base-toggle') { setBasemap(e.target.checked); refresh(); }
  });
  stack.addEventListener('click', e => {
    const row = e.target.closest('.stack-row');
    const mv = e.target.closest('[data-move]');
    const off = e.target.closest('[data-off]');
    if (mv && row) {
      if (ctx.stack.move(row.dataset.id, +mv.dataset.move)) {
        refresh();
        document.querySelector(`#layer-stack [data-id="${row.dataset.id}"] [data-move="${mv.dataset.move}"]:not([disabled])`)?.focus()
          || document.querySelector(`#layer-stack [data-id="${row.dataset.id}"] [data-move]:not([disabled])`)?.focus();
      }
    } else if (off) {
      toggleDataset(off.dataset.off, false).catch(notifyError);
    }
  });
}

// ---- tabs ---------------------------------------------------------------------------------

function wireTabs() {
  const tabs = [...document.querySelectorAll('[role=tab]')];
  const select = tab => {
    for (const x of tabs) {
      const on = x === tab;
      x.setAttribute('aria-selected', String(on));
      x.tabIndex = on ? 0 : -1;
      document.getElementById(x.getAttribute('aria-controls')).hidden = !on;
    }
  };
  tabs.forEach((tab, i) => {
    tab.addEventListener('click', () => select(tab));
    tab.addEventListener('keydown', e => {
      let j = null;
      if (e.key === 'ArrowRight') j = (i + 1) % tabs.length;
      if (e.key === 'ArrowLeft') j = (i - 1 + tabs.length) % tabs.length;
      if (e.key === 'Home') j = 0;
      if (e.key === 'End') j = tabs.length - 1;
      if (j == null) return;
      e.preventDefault();
      select(tabs[j]);
      tabs[j].focus();
    });
  });
  ctx.selectTab = id => select(document.getElementById(`tab-${id}`));
}

// ---- region -------------------------------------------------------------------------------

async function selectRegion(region, { fit = true } = {}) {
  if (!region) {
    ctx.region = null;
    highlight(map, ctx.catalog, null);
    renderRegionInfo();
    refresh();
    if ((ctx.choro?.opts || ctx.pendingChoro)?.scope === 'region') await runChoropleth(readStatsForm());
    return null;
  }
  const r = await resolveRegion(ctx.catalog, region);
  if (r.missing?.length) notify(t('notice.missing', { what: r.missing.join(', ') }), 'warning');
  if (!r.codes) return null;
  ctx.region = r;
  highlight(map, ctx.catalog, r);
  if (fit) map.fitBounds([[r.frame[0], r.frame[1]], [r.frame[2], r.frame[3]]], { padding: { top: 40, bottom: 40, left: 40, right: 40 }, duration: 600 });
  renderRegionInfo();
  // the pilot's first pair of neighbours is the obvious border zone
  if (!ctx.border && r.codes.length >= 2) prefillBorder(`${r.div}:${r.codes[1]}`, `${r.div}:${r.codes[2] || r.codes[0]}`);
  else if (!ctx.border && r.neighbours[0]) prefillBorder(`${r.div}:${r.codes[0]}`, `${r.div}:${r.neighbours[0].code}`);
  refresh();
  if ((ctx.choro?.opts || ctx.pendingChoro)?.scope === 'region') await runChoropleth(readStatsForm());
  return r;
}

function renderRegionInfo() {
  const el = document.getElementById('region-info');
  const r = ctx.region;
  const label = document.getElementById('scope-region-label');
  if (!r) {
    el.innerHTML = `<p class="hint">${escapeHtml(t('region.none'))}</p>`;
    label.textContent = t('stats.scopeRegionNone');
    return;
  }
  label.textContent = t('stats.scopeRegion', { name: r.names.join(', ') });
  el.innerHTML = `<h3>${escapeHtml(t('region.selected'))}</h3>
    <p class="region-name"><span class="sw sw-line" style="--c:${REGION_COLOUR}" aria-hidden="true"></span>${escapeHtml(r.names.join(', '))} <span class="opt-sub">${escapeHtml(t(`div.${r.div}`))}</span></p>
    ${r.neighbours.length ? `<h3>${escapeHtml(t('region.neighbours'))}</h3><ul class="chips">${r.neighbours.map(n =>
      `<li><button type="button" class="chip" data-div="${escapeHtml(r.div)}" data-code="${escapeHtml(n.code)}">${escapeHtml(n.name)}</button></li>`).join('')}</ul>` : ''}
    <p><button type="button" id="region-clear" class="btn">${escapeHtml(t('region.clear'))}</button></p>`;
}

function wireRegionPanel() {
  const opts = async q => {
    const index = await regionIndex(ctx.catalog);
    ctx.regionUnits = index;
    return search(index, q).map(u => ({ ...u, label: u.name, sub: t(`div.${u.div}`) }));
  };
  // the units' names are fetched when a search box is first used, not at start
  for (const id of ['region-input', 'bz-a', 'bz-b']) {
    document.getElementById(id).addEventListener('focus', () => { opts(''); }, { once: true });
  }
  combobox(document.getElementById('region-input'), document.getElementById('region-list'), opts,
    u => selectRegion({ div: u.div, codes: [u.code] }).catch(notifyError));
  document.getElementById('pilot').addEventListener('click', () => selectRegion(PILOT).catch(notifyError));
  document.getElementById('region-info').addEventListener('click', e => {
    const chip = e.target.closest('.chip');
    if (chip) selectRegion({ div: chip.dataset.div, codes: [chip.dataset.code] }).catch(notifyError);
    if (e.target.id === 'region-clear') selectRegion(null).catch(notifyError);
  });
  // border zone pickers share the search
  for (const id of ['bz-a', 'bz-b']) {
    combobox(document.getElementById(id), document.getElementById(`${id}-list`), opts, u => {
      document.getElementById(id).dataset.unit = `${u.div}:${u.code}`;
    });
  }
}

async function prefillBorder(a, b) {
  for (const [id, unit] of [['bz-a', a], ['bz-b', b]]) {
    const el = document.getElementById(id);
    if (el.dataset.unit) continue;
    const u = await findUnit(ctx.catalog, unit).catch(() => null);
    if (u && !el.dataset.unit) { el.value = u.name; el.dataset.unit = unit; }
  }
}

// ---- statistics ---------------------------------------------------------------------------

function fillStatsForm() {
  const form = document.getElementById('stats-form');
  const dsSel = form.elements.ds;
  const cur = dsSel.value;
  dsSel.innerHTML = ctx.catalog.thematic.map(ds => `<option value="${escapeHtml(ds.id)}">${escapeHtml(dsTitle(ds))}</option>`).join('');
  if (cur) dsSel.value = cur;
  const bySel = form.elements.by;
  const curBy = bySel.value || 'kommun';
  bySel.innerHTML = Object.keys(ctx.catalog.divisions).map(d => `<option value="${d}">${escapeHtml(t(`div.${d}`))}</option>`).join('');
  bySel.value = ctx.catalog.divisions[curBy] ? curBy : Object.keys(ctx.catalog.divisions)[0];
  fillMeasures();
  renderRegionInfo();
}

function fillMeasures() {
  const form = document.getElementById('stats-form');
  const ds = ctx.catalog.byId.get(form.elements.ds.value);
  if (!ds) return;
  const cur = form.elements.measure.value;
  const ms = measuresFor(ds);
  form.elements.measure.innerHTML = ms.map(m => `<option value="${escapeHtml(m)}">${escapeHtml(measureLabel(ds, m))}</option>`).join('');
  form.elements.measure.value = ms.includes(cur) ? cur : (ms.includes('share') ? 'share' : ms.includes('length') ? 'length' : 'count');
  const curField = form.elements.field.value;
  form.elements.field.innerHTML = `<option value="">${escapeHtml(t('stats.noField'))}</option>` + ds.fields
    .filter(f => !/^(area_m2|length_m|uuid|nvrid)$/.test(f.name))
    .map(f => `<option value="${escapeHtml(f.name)}" data-type="${escapeHtml(f.type)}">${escapeHtml(f.description || f.name)}</option>`).join('');
  if ([...form.elements.field.options].some(o => o.value === curField)) form.elements.field.value = curField;
}

async function fillValues() {
  const form = document.getElementById('stats-form');
  const field = form.elements.field.value;
  const list = document.getElementById('st-values');
  list.innerHTML = '';
  if (!field) return;
  try {
    // distinct values with no geometry: the statistics API grouped by the field
    const ans = await getJSON(`/api/stats/${encodeURIComponent(form.elements.ds.value)}?by=lan&measure=count&group=${encodeURIComponent(field)}`);
    const counts = new Map();
    for (const r of ans.rows) counts.set(r.group, (counts.get(r.group) || 0) + r.features);
    list.innerHTML = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 300)
      .map(([v]) => `<option value="${escapeHtml(v ?? '')}"></option>`).join('');
  } catch { /* free text still works */ }
}

function whereClause(field, op, value, type) {
  if (!field || value === '') return '';
  const numeric = /int|double|real|numeric|float/.test(type || '');
  const v = numeric && Number.isFinite(Number(value)) ? String(Number(value)) : `'${String(value).replace(/'/g, "''")}'`;
  return `${field} ${op} ${v}`;
}

function parseWhere(where) {
  const m = String(where || '').match(/^(\w+)\s*(=|!=|<=|>=|<|>)\s*(?:'((?:[^']|'')*)'|(\S+))$/);
  if (!m) return null;
  return { field: m[1], op: m[2], value: m[3] != null ? m[3].replace(/''/g, "'") : m[4] };
}

function readStatsForm() {
  const f = document.getElementById('stats-form').elements;
  const fieldOpt = f.field.selectedOptions[0];
  return {
    ds: f.ds.value, measure: f.measure.value, by: f.by.value,
    scope: f.scope.value === 'all' ? 'all' : 'region',
    where: whereClause(f.field.value, f.op.value, f.value.value.trim(), fieldOpt?.dataset.type) || (f.value.dataset.raw || ''),
    method: f.method.value, k: +f.k.value, palette: f.palette.value,
  };
}

function writeStatsForm(o) {
  const f = document.getElementById('stats-form').elements;
  if (o.ds) { f.ds.value = o.ds; fillMeasures(); }
  if (o.measure) f.measure.value = o.measure;
  if (o.by) f.by.value = o.by;
  if (o.scope) f.scope.value = o.scope;
  if (o.method) f.method.value = o.method;
  if (o.k) f.k.value = String(o.k);
  if (o.palette) f.palette.value = o.palette;
  f.value.dataset.raw = '';
  if (o.where != null) {
    const w = parseWhere(o.where);
    if (w) { f.field.value = w.field; f.op.value = w.op; f.value.value = w.value; }
    else if (o.where) { f.field.value = ''; f.value.value = ''; f.value.dataset.raw = o.where; }
    else { f.field.value = ''; f.value.value = ''; }
  }
}

async function runChoropleth(opts) {
  if (!ctx.catalog.byId.has(opts.ds)) throw new Error(`${opts.ds}?`);
  const res = await ctx.choro.show(opts);
  ctx.pendingChoro = null;
  document.querySelector('#notices [data-retry="choro"]')?.remove();
  refresh();
  return res;
}

/** A choropleth from a link whose statistics failed: kept in the URL, said, and retryable. */
function choroFailed(opts, err) {
  ctx.pendingChoro = { ...opts };
  const el = notify(t('notice.statsFailed', { msg: err.message || String(err) }), 'error');
  el.dataset.retry = 'choro';
  if (el.querySelector('.notice-retry')) return;
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'btn notice-retry';
  b.textContent = t('notice.retry');
  b.addEventListener('click', () => {
    el.remove();
    if (ctx.pendingChoro) runChoropleth(ctx.pendingChoro).catch(e => choroFailed(ctx.pendingChoro || opts, e));
  });
  el.querySelector('p').after(b);
}

function wireStatsPanel() {
  const form = document.getElementById('stats-form');
  form.addEventListener('submit', e => {
    e.preventDefault();
    runChoropleth(readStatsForm()).catch(notifyError);
  });
  form.elements.ds.addEventListener('change', () => { fillMeasures(); fillValues(); });
  form.elements.field.addEventListener('change', fillValues);
  form.addEventListener('change', e => {
    if (!ctx.choro.opts) return;
    const o = readStatsForm();
    if (['method', 'k', 'palette'].includes(e.target.name)) {
      ctx.choro.setClassification(o.method, o.k, o.palette);
      refresh();
    } else if (['ds', 'measure', 'by', 'scope'].includes(e.target.name)) {
      runChoropleth(o).catch(notifyError);
    }
  });
  document.getElementById('st-clear').addEventListener('click', () => {
    ctx.pendingChoro = null;
    ctx.choro.clear();
    document.getElementById('stats-table').innerHTML = '';
    refresh();
  });
}

// ---- drawn area and border zone -------------------------------------------------------------

async function setArea(coords) {
  ctx.area = coords;
  showArea(map, coords);
  restack();
  const el = document.getElementById('draw-result');
  if (!coords) { el.innerHTML = ''; syncUrl(); return []; }
  const ids = ctx.stack.shown();
  if (!ids.length) { el.innerHTML = `<p class="hint">${escapeHtml(t('draw.noLayers'))}</p>`; syncUrl(); return []; }
  el.innerHTML = `<p class="hint">${escapeHtml(t('loading'))}</p>`;
  const results = await areaStats(ids, ctx.catalog, coords);
  renderAreaResult(el, ctx.catalog, results, coords);
  syncUrl();
  return results;
}

async function setBorder(border) {
  ctx.border = border;
  const el = document.getElementById('border-result');
  if (!border) { showZone(map, null); el.innerHTML = ''; syncUrl(); return []; }
  const ids = ctx.stack.shown().length ? ctx.stack.shown() : [];
  if (!ids.length) {
    el.innerHTML = `<p class="hint">${escapeHtml(t('draw.noLayers'))}</p>`;
    syncUrl();
    return [];
  }
  el.innerHTML = `<p class="hint">${escapeHtml(t('loading'))}</p>`;
  const results = await borderStats(ids, ctx.catalog, border);
  showZone(map, results[0]?.answer);
  restack();
  renderBorderResult(el, ctx.catalog, results, border);
  syncUrl();
  return results;
}

function wireMeasurePanel() {
  const drawer = new Drawer(map);
  ctx.drawer = drawer;
  const btn = document.getElementById('draw-start');
  btn.addEventListener('click', async () => {
    if (drawer.active) { drawer.stop(); btn.textContent = t('draw.start'); return; }
    btn.textContent = t('draw.cancel');
    try {
      const ring = await drawer.start();
      btn.textContent = t('draw.start');
      if (ring && ring.length >= 3) await setArea(ring);
    } catch (e) { btn.textContent = t('draw.start'); notifyError(e); }
  });
  document.getElementById('draw-clear').addEventListener('click', () => { drawer.stop(); setArea(null); });
  document.getElementById('border-form').addEventListener('submit', e => {
    e.preventDefault();
    const a = document.getElementById('bz-a').dataset.unit;
    const b = document.getElementById('bz-b').dataset.unit;
    const km = Math.min(50, Math.max(0.5, parseFloat(document.getElementById('bz-km').value) || 5));
    if (!a || !b) { notify(t('border.pick'), 'warning'); return; }
    setBorder({ a, b, km }).catch(notifyError);
  });
  document.getElementById('bz-clear').addEventListener('click', () => setBorder(null));
}

// ---- compare ------------------------------------------------------------------------------

function renderCompareLayers(selected) {
  const el = document.getElementById('compare-layers');
  el.innerHTML = ctx.catalog.thematic.map(ds => `<label class="inline block"><input type="checkbox" value="${escapeHtml(ds.id)}" ${selected.includes(ds.id) ? 'checked' : ''}> ${escapeHtml(dsTitle(ds))}</label>`).join('');
}

function compareChoice() {
  return [...document.querySelectorAll('#compare-layers input:checked')].map(i => i.value);
}

async function setCompare(ids) {
  const btn = document.getElementById('compare-toggle');
  if (!ids) {
    ctx.compare?.close();
    btn.setAttribute('aria-pressed', 'false');
    btn.textContent = t('compare.on');
    refresh();
    return;
  }
  if (!ctx.compare) {
    const { Compare } = await import('./compare.js');
    ctx.compare = new Compare(ctx);
  }
  renderCompareLayers(ids);
  await ctx.compare.open(ids);
  btn.setAttribute('aria-pressed', 'true');
  btn.textContent = t('compare.off');
  refresh();
}

/** A style for the right map: the same basemap and divisions source. */
ctx.baseStyle = () => ({
  version: 8, glyphs: GLYPHS, sprite: SPRITE,
  sources: {
    divisions: divisionsSource(ctx.catalog), ...ctx.basemap.sources,
    ...(ctx.labels ? { labels: { type: 'geojson', data: ctx.labels.data() } } : {}),
  },
  layers: ctx.basemap.layers,
});

function wireComparePanel() {
  const shown = ctx.stack.shown();
  const other = ctx.catalog.thematic.find(d => !shown.includes(d.id));
  renderCompareLayers(other ? [other.id] : []);
  document.getElementById('compare-toggle').addEventListener('click', () => {
    (ctx.compare?.active ? setCompare(null) : setCompare(compareChoice())).catch(notifyError);
  });
  document.getElementById('compare-layers').addEventListener('change', () => {
    if (ctx.compare?.active) ctx.compare.setLayers(compareChoice()).then(refresh).catch(notifyError);
  });
}

// ---- map interaction ----------------------------------------------------------------------

function wireMapEvents() {
  const tip = document.getElementById('tooltip');
  map.on('mousemove', e => {
    if (!ctx.choro?.opts || !map.getLayer('choro-fill')) return;
    const f = map.queryRenderedFeatures(e.point, { layers: ['choro-fill'] })[0];
    const info = ctx.choro.hover(f);
    if (!info) { tip.hidden = true; map.getCanvas().style.cursor = ''; return; }
    tip.innerHTML = `<strong>${escapeHtml(info.name)}</strong><br>${escapeHtml(info.value)}${info.features != null ? ` · ${escapeHtml(t('tooltip.features', { n: info.features.toLocaleString('sv-SE') }))}` : ''}`;
    tip.hidden = false;
    const box = document.getElementById('main').getBoundingClientRect();
    const mb = map.getContainer().getBoundingClientRect();
    tip.style.left = `${e.point.x + mb.left - box.left + 14}px`;
    tip.style.top = `${e.point.y + mb.top - box.top + 14}px`;
  });
  map.getCanvas().addEventListener('mouseleave', () => { tip.hidden = true; ctx.choro?.hover(null); });
  map.on('click', e => {
    if (ctx.drawer?.active) return;
    const entries = [];
    const seen = new Set();
    const layerIds = ctx.stack.layerIds().filter(id => map.getLayer(id) && map.getLayoutProperty(id, 'visibility') !== 'none');
    const feats = layerIds.length ? map.queryRenderedFeatures([[e.point.x - 3, e.point.y - 3], [e.point.x + 3, e.point.y + 3]], { layers: layerIds }) : [];
    for (const f of feats) {
      const id = f.source.replace(/^ds-/, '');
      if (seen.has(id)) continue;
      seen.add(id);
      entries.push({ ds: ctx.catalog.byId.get(id), props: f.properties });
    }
    if (!entries.length && map.getLayer('choro-fill')) {
      const f = map.queryRenderedFeatures(e.point, { layers: ['choro-fill'] })[0];
      if (f && typeof f.state?.v === 'number') {
        const ds = ctx.catalog.divisions[ctx.choro.by].ds;
        const ch = ctx.catalog.byId.get(ctx.choro.opts.ds);
        entries.push({ ds, props: f.properties, extra: `${measureLabel(ch, ctx.choro.opts.measure)}: ${statValue(f.state.v, ctx.choro.data.unit)}` });
      }
    }
    if (!entries.length) return;
    new maplibregl.Popup({ maxWidth: '340px' }).setLngLat(e.lngLat).setHTML(popupHtml(entries)).addTo(map);
  });
  map.on('mouseenter', () => {});
  map.on('moveend', syncUrl);
  map.on('zoomend', () => { updateLegend(); renderStack(); });
  map.on('error', e => {
    const status = e.error?.status;
    // a missing tile is normal (204); an unreachable server is not
    if (e.error && (status == null || status >= 500 || status === 0) && !/AbortError/.test(String(e.error))) {
      notify(t('notice.failed', { msg: e.error.message || String(e.error) }));
    }
  });
}

// ---- language -----------------------------------------------------------------------------

function switchLanguage() {
  setLang(getLang() === 'sv' ? 'en' : 'sv');
  applyI18n();
  document.getElementById('lang').setAttribute('lang', getLang() === 'sv' ? 'en' : 'sv');
  addControls();
  map.getCanvas().setAttribute('aria-label', maplibreLocale()['Map.Title']);
  renderGroups();
  fillStatsForm();
  if (ctx.choro?.opts) ctx.choro.renderTable();
  if (ctx.compare) renderCompareLayers(ctx.compare.layers.length ? ctx.compare.layers : compareChoice());
  refresh();
}

// ---- start --------------------------------------------------------------------------------

async function start() {
  await new Promise(r => (map.loaded() ? r() : map.once('load', r)));
  document.getElementById('lang').setAttribute('lang', getLang() === 'sv' ? 'en' : 'sv');
  wireTabs();
  let catalog;
  try {
    catalog = await loadCatalog();
  } catch (e) {
    notifyError(e);
    document.body.dataset.ready = '1';
    throw e;
  }
  ctx.catalog = catalog;
  ctx.stack = new LayerStack(map, catalog);
  ctx.choro = new Choropleth(ctx);
  ctx.basemap = await loadBasemap(catalog);
  if (!ctx.basemap.designed) console.info('atlas: /styles/atlas-basemap.json not served; basemap built from lan and kommun');
  if (Object.keys(catalog.divisions).length) map.addSource('divisions', divisionsSource(catalog));
  for (const [k, s] of Object.entries(ctx.basemap.sources)) map.addSource(k, s);
  if (ctx.basemap.usesLabels) {
    ctx.labels = unitLabels(map, ['lan', 'kommun'].filter(d => catalog.divisions[d])
      .map(d => ({ layer: d, code: catalog.divisions[d].code, name: catalog.divisions[d].name })));
  }
  if (ctx.basemap.glyphs) map.setGlyphs(abs(ctx.basemap.glyphs));
  map.removeLayer('boot');
  for (const l of ctx.basemap.layers) map.addLayer(l);
  if (!ctx.basemap.layers.some(l => l.type === 'background')) map.addLayer({ id: 'boot', type: 'background', paint: { 'background-color': '#c6dbe6' } }, ctx.basemap.layers[0]?.id);
  if (!initial.base) setBasemap(false);

  renderGroups();
  wireLayerPanel();
  wireRegionPanel();
  fillStatsForm();
  wireStatsPanel();
  wireMeasurePanel();
  wireComparePanel();
  wireMapEvents();
  document.getElementById('lang').addEventListener('click', switchLanguage);
  document.getElementById('legend-toggle').addEventListener('click', e => {
    const lg = document.getElementById('legend');
    const open = lg.classList.toggle('collapsed') === false;
    e.target.setAttribute('aria-expanded', String(open));
    e.target.dataset.i18n = open ? 'legend.hide' : 'legend.show';
    e.target.textContent = t(e.target.dataset.i18n);
  });
  document.getElementById('copy-link').addEventListener('click', copyLink);
  document.getElementById('export-png').addEventListener('click', () => doExport().catch(notifyError));

  // the URL's state; whatever it names that is not here is skipped and said
  const missing = [];
  const jobs = [];
  const st = initial;
  missing.push(...(await ctx.stack.set(st.layers)));
  if (st.region) {
    jobs.push(resolveRegion(catalog, st.region).then(r => {
      if (r.missing?.length) missing.push(...r.missing);
      if (r.codes) { ctx.region = r; highlight(map, catalog, r); renderRegionInfo(); if (!st.view) map.fitBounds([[r.frame[0], r.frame[1]], [r.frame[2], r.frame[3]]], { padding: 40, duration: 0 }); }
    }).catch(notifyError));
  }
  await Promise.all(jobs);
  if (st.choro) {
    if (catalog.byId.has(st.choro.ds) && catalog.divisions[st.choro.by]) {
      writeStatsForm(st.choro);
      await runChoropleth(st.choro).catch(e => choroFailed(st.choro, e));
    } else missing.push(catalog.byId.has(st.choro.ds) ? st.choro.by : st.choro.ds);
  }
  if (st.badArea) missing.push('a');
  if (st.area) await setArea(st.area).catch(notifyError);
  if (st.border) {
    // a failed request is said as such; only units the division does not have are "missing"
    const units = await Promise.all([st.border.a, st.border.b].map(u => findUnit(catalog, u))).catch(e => { notifyError(e); return null; });
    const bad = units ? [st.border.a, st.border.b].filter((u, i) => !units[i]) : [];
    if (bad.length) missing.push(...bad);
    else if (units) {
      for (const [i, id] of ['bz-a', 'bz-b'].entries()) {
        const el = document.getElementById(id);
        el.value = units[i].name; el.dataset.unit = [st.border.a, st.border.b][i];
      }
      document.getElementById('bz-km').value = st.border.km;
      await setBorder(st.border).catch(notifyError);
    }
  }
  if (st.compare) {
    const unknown = st.compare.filter(id => !catalog.byId.has(id));
    missing.push(...unknown);
    await setCompare(st.compare.filter(id => catalog.byId.has(id))).catch(notifyError);
  }
  if (missing.length) notify(t('notice.missing', { what: missing.join(', ') }), 'warning');
  ctx.missing = missing;
  renderRegionInfo();
  refresh();
  await idle();
  if (ctx.labels) { ctx.labels.scan(); await idle(); }
  ctx.ready = true;
  syncUrl();
  document.body.dataset.ready = '1';
}

async function copyLink() {
  const h = toHash(currentState());
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

function exportModel() {
  const lm = legendModel();
  const legend = [];
  if (lm.choropleth) legend.push(lm.choropleth);
  for (const g of lm.layers) legend.push({ title: g.title, items: g.items });
  if (lm.region) legend.push({ title: '', items: [{ kind: 'line', color: lm.region.color, label: lm.region.label }] });
  if (ctx.area) legend.push({ title: '', items: [{ kind: 'fill', color: '#5b3f8c', label: t('draw.title') }] });
  if (lm.base?.items.length) legend.push(lm.base);
  const title = lm.choropleth?.title || (ctx.region?.names?.length ? ctx.region.names.join(', ') : t('app.title'));
  const subtitle = lm.choropleth ? lm.choropleth.subtitle : lm.layers.map(g => g.title).join(', ');
  return { title, subtitle, legend, sources: sourcesText(false) };
}

async function doExport() {
  const btn = document.getElementById('export-png');
  btn.disabled = true;
  const { exportPng } = await import('./export.js');
  try { return await exportPng(map, exportModel()); } finally { btn.disabled = false; }
}

// ---- test hook ----------------------------------------------------------------------------

const ready = start();
ready.catch(e => console.warn('atlas start:', e.message));

window.atlas = {
  map, ready, idle, ctx,
  labelColour: LABEL_COLOUR,
  state: currentState,
  hash: () => toHash(currentState()),
  async setLayers(list) {
    const missing = await ctx.stack.set(list.map(x => (typeof x === 'string' ? { id: x, opacity: 1 } : x)));
    renderGroups();
    refresh();
    await idle();
    return missing;
  },
  layerIds: id => (ctx.stack.styles.get(id)?.layers || []).map(l => l.id),
  async selectRegion(region) { const r = await selectRegion(region); await idle(); return r && { names: r.names, neighbours: r.neighbours }; },
  async choropleth(opts) {
    const cur = ctx.choro.opts || readStatsForm();
    const o = { ...readStatsForm(), ...cur, ...opts };
    writeStatsForm(o);
    const res = await runChoropleth(o);
    await idle();
    return { ...res, legend: ctx.choro.legend() };
  },
  classify(method, k, palette) {
    const t0 = performance.now();
    const s = ctx.choro.setClassification(method, k, palette ?? ctx.choro.opts.palette);
    refresh();
    return { ms: performance.now() - t0, ...s };
  },
  async drawArea(coords) {
    await setArea(coords);
    await idle();
    return [...document.querySelectorAll('#draw-result dd')].map(dd => ({ ds: dd.dataset.ds, measure: dd.dataset.measure, text: dd.querySelector('strong').textContent }));
  },
  async border(b) { const r = await setBorder(b); await idle(); return r.map(x => ({ ds: x.ds, measure: x.measure, values: x.answer.features.map(f => f.properties.value) })); },
  async compare(ids) { await setCompare(ids); await idle(); return ctx.compare?.layers || null; },
  exportPng: doExport,
  exportCanvas: async () => { const { renderFresh } = await import('./export.js'); return renderFresh(map, exportModel()); },
  missing: () => ctx.missing,
};
