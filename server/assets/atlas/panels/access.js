// The accessibility panel: how many of a unit's residents reach the nearest service of a type
// (groceries, a pharmacy …) within a travel time, by car or on foot, from the travel times the
// load computed. Two layers answer it: the share per unit from GET /api/access/{ds} as GeoJSON
// (one request gives the map, the table and the method to cite; a GeoJSON source, as the
// division may be any loaded one, not only those the `divisions` tiles carry), and under its
// outlines the travel-time grid from /tiles/access/…, each populated square coloured by whole
// minutes. Nothing is asked for before the tab is first opened.
import { t, dsTitle } from '../i18n.js';
import { getJSON, notifyError } from '../api.js';
import { abs, DIVISIONS } from '../catalog.js';
import { colours } from '../classify.js';
import { escapeHtml, num, statValue, date } from '../format.js';
import { refresh } from '../view.js';

/** The map layers, bottom to top; view.js keeps them under the thematic layers. */
export const ACCESS_LAYERS = ['access-share-fill', 'access-grid', 'access-share-line'];

/** The server draws the travel-time grid from this zoom (below it the share choropleth answers). */
const GRID_MIN_ZOOM = 7;
/** Travel-time classes by their last whole minute; one more class is beyond the last. */
const MINUTES = [5, 10, 15, 20, 30, 45, 60];
/** ColorBrewer YlGnBu, dark for near. */
const MINUTE_COLOURS = ['#0c2c84', '#225ea8', '#1d91c0', '#41b6c4', '#7fcdbb', '#c7e9b4', '#edf8b1', '#ffffd9'];
/** A square with no road near it, or no service reachable: the tile gives it no `minutes`. */
const UNREACHABLE = '#a9a9a9';
/** Share classes (% of the unit's residents): fixed rather than from the data, so maps of two
 *  thresholds, services or modes compare class for class. */
const SHARES = [25, 50, 75, 90];
const SHARE_COLOURS = colours('Purples', SHARES.length + 1);
const NONE = 'rgba(0,0,0,0)';

const GRID_COLOUR = ['case', ['has', 'minutes'],
  ['step', ['get', 'minutes'], MINUTE_COLOURS[0], ...MINUTES.flatMap((m, i) => [m + 1, MINUTE_COLOURS[i + 1]])],
  UNREACHABLE];
// a unit where nobody lives has no share to colour
const SHARE_COLOUR = ['case', ['>', ['get', 'people'], 0],
  ['step', ['get', 'share'], SHARE_COLOURS[0], ...SHARES.flatMap((s, i) => [s, SHARE_COLOURS[i + 1]])],
  NONE];

const $ = id => document.getElementById(id);

/** A translated label, or `fallback` where the dictionaries have none (a division of one's own). */
function label(key, fallback) {
  const s = t(key);
  return s === key ? fallback : s;
}
const divisionLabel = (ctx, id) => label(`div.${id}`, dsTitle(ctx.catalog.byId.get(id) || { id }));
const profileLabel = p => label(`access.profile.${p}`, p);
// "per kommun", but "per FA-region": an abbreviation keeps its capitals
const lowerFirst = s => (/^\p{Lu}{2}/u.test(s) ? s : s.replace(/^./, c => c.toLocaleLowerCase()));
const titleOf = (ctx, id) => dsTitle(ctx.catalog.byId.get(id) || { id });

/** Every loaded division, the atlas's own first: the API answers by any of them. */
function divisions(ctx) {
  const rank = id => (DIVISIONS.includes(id) ? DIVISIONS.indexOf(id) : DIVISIONS.length);
  return ctx.catalog.datasets.filter(d => d.role === 'division').map(d => d.id)
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** Fills a select, keeping its choice where it is still offered. */
function setOptions(select, values, text, preferred) {
  const cur = select.value;
  select.innerHTML = values.map(v => `<option value="${escapeHtml(v)}">${escapeHtml(text(v))}</option>`).join('');
  select.value = values.includes(cur) ? cur : values.includes(preferred) ? preferred : values[0] ?? '';
}

const entryOf = (ctx, ds) => ctx.access.list.find(e => e.dataset === ds);

function fillForm(ctx) {
  const f = $('access-form').elements;
  const { list } = ctx.access;
  setOptions(f.ds, list.map(e => e.dataset), id => dsTitle(ctx.catalog.byId.get(id) || entryOf(ctx, id)));
  $('ac-ds-row').hidden = list.length < 2;
  const entry = entryOf(ctx, f.ds.value);
  setOptions(f.service, entry.service_types, s => s);
  setOptions(f.profile, entry.profiles, profileLabel, 'car');
  setOptions(f.by, divisions(ctx), id => divisionLabel(ctx, id), 'kommun');
}

function readForm() {
  const f = $('access-form').elements;
  return { ds: f.ds.value, service: f.service.value, profile: f.profile.value, within: +f.within.value, by: f.by.value };
}

function accessUrl(o, format) {
  const q = new URLSearchParams({ service: o.service, within: `${o.within}min`, by: o.by, profile: o.profile, format });
  return `/api/access/${encodeURIComponent(o.ds)}?${q}`;
}

// absolute: MapLibre's workers fetch it, with the key added by transformRequest (key.js)
const tileUrl = o => abs(`/tiles/access/${encodeURIComponent(o.ds)}/${encodeURIComponent(o.service)}/{z}/{x}/{y}.mvt?profile=${encodeURIComponent(o.profile)}`);

function drawGrid(ctx, o) {
  const { map } = ctx;
  const url = tileUrl(o);
  const src = map.getSource('access-cells');
  if (src) {
    if (ctx.access.tiles !== url) src.setTiles([url]);
  } else {
    // the squares are the population grid's: its zooms and its extent, so no tile is asked
    // for where nobody is counted
    const grid = ctx.catalog.byId.get(entryOf(ctx, o.ds)?.population?.dataset) || {};
    map.addSource('access-cells', {
      type: 'vector', tiles: [url], minzoom: Math.max(GRID_MIN_ZOOM, grid.minzoom ?? 0), maxzoom: grid.maxzoom ?? 14,
      ...(Array.isArray(grid.bounds) ? { bounds: grid.bounds } : {}),
    });
    map.addLayer({ id: 'access-grid', type: 'fill', source: 'access-cells', 'source-layer': 'access', paint: { 'fill-color': GRID_COLOUR, 'fill-opacity': 0.85, 'fill-outline-color': 'rgba(255,255,255,0.6)' } });
  }
  ctx.access.tiles = url;
}

function drawShares(ctx, answer) {
  const { map } = ctx;
  // a unit without geometry is listed in the table, not drawn
  const data = { type: 'FeatureCollection', features: answer.features.filter(f => f.geometry) };
  if (map.getSource('access-units')) { map.getSource('access-units').setData(data); return; }
  map.addSource('access-units', { type: 'geojson', data });
  map.addLayer({ id: 'access-share-fill', type: 'fill', source: 'access-units', paint: { 'fill-color': SHARE_COLOUR, 'fill-opacity': 0.6 } });
  map.addLayer({ id: 'access-share-line', type: 'line', source: 'access-units', paint: { 'line-color': '#3f2a6b', 'line-width': 1.2, 'line-opacity': 0.8 } });
}

const status = text => { $('access-status').textContent = text; };

/** Draws the accessibility of `o` ({ds, service, profile, within, by}); the last asked wins. */
export async function showAccess(ctx, o) {
  const a = ctx.access;
  const seq = ++a.seq;
  a.opts = o;
  const el = $('access-result');
  el.dataset.state = 'loading';
  status(t('loading'));
  let answer;
  try {
    answer = await getJSON(accessUrl(o, 'geojson'));
  } catch (e) {
    if (seq !== a.seq) return null;
    el.dataset.state = 'error';
    status('');
    throw e;
  }
  if (seq !== a.seq) return null;
  Object.assign(a, { shown: o, answer });
  drawGrid(ctx, o);
  drawShares(ctx, answer);
  renderResult(ctx);
  refresh(ctx);
  return answer;
}

export function clearAccess(ctx) {
  const { map } = ctx;
  const a = ctx.access;
  a.seq++;
  Object.assign(a, { opts: null, shown: null, answer: null, tiles: null });
  for (const id of ACCESS_LAYERS) if (map.getLayer(id)) map.removeLayer(id);
  for (const id of ['access-cells', 'access-units']) if (map.getSource(id)) map.removeSource(id);
  renderResult(ctx);
  refresh(ctx);
}

const modelText = m => Object.entries(m || {}).map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : v}`).join(', ');

/** The table (the least served first), the totals, a CSV of the same answer and the method. */
function renderResult(ctx) {
  const el = $('access-result');
  const { answer: a, shown: o } = ctx.access;
  if (!a) { el.innerHTML = ''; el.dataset.state = ''; status(''); return; }
  const rows = a.features.map(f => f.properties).filter(r => r.people > 0)
    .sort((x, y) => x.share - y.share || x.name.localeCompare(y.name, 'sv'));
  const empty = a.features.length - rows.length;
  const n = v => escapeHtml(num(v, 0));
  const cells = r => `<td class="num">${n(r.people)}</td><td class="num">${n(r.within)}</td><td class="num" data-share="${+r.share}">${escapeHtml(statValue(r.share, '%'))}</td><td class="num">${n(r.unreachable)}</td>`;
  const what = { service: a.service, profile: profileLabel(a.profile).toLocaleLowerCase(), within: a.within_min };
  const computed = entryOf(ctx, o.ds)?.computed_at;
  const sources = t('access.sources', {
    network: titleOf(ctx, a.network?.dataset), nv: a.network?.version,
    population: titleOf(ctx, a.population?.dataset), pv: a.population?.version, at: computed ? date(computed) : '–',
  });
  const th = (key, vars) => `<th scope="col" class="num">${escapeHtml(t(key, vars))}</th>`;
  el.innerHTML = `<div class="table-head"><h3>${escapeHtml(t('stats.table'))}</h3>
    <a class="btn" href="${escapeHtml(accessUrl(o, 'csv'))}" download="${escapeHtml(`${o.ds}-${a.service}-${a.profile}-${a.within_min}min-${a.by}.csv`)}">${escapeHtml(t('stats.csv'))}</a></div>
    <div class="table-wrap" tabindex="0" role="region" aria-label="${escapeHtml(t('stats.table'))}"><table class="ac-table">
    <caption>${escapeHtml(t('access.caption', what))}</caption>
    <thead><tr><th scope="col">${escapeHtml(t('stats.unitCol'))}</th>${th('access.people')}${th('access.withinCol', what)}${th('access.share')}${th('access.unreachable')}</tr></thead>
    <tbody>${rows.map(r => `<tr data-code="${escapeHtml(r.code)}"><th scope="row" title="${escapeHtml(r.code)}">${escapeHtml(r.name)}</th>${cells(r)}</tr>`).join('')}</tbody>
    <tfoot><tr><th scope="row">${escapeHtml(t('stats.total'))}</th>${cells(a.totals)}</tr></tfoot>
    </table></div>
    <p class="hint">${escapeHtml(t('access.unreachableHelp'))}${empty ? ` ${escapeHtml(t('access.emptyUnits', { n: empty }))}` : ''}</p>
    <details class="ac-method"><summary>${escapeHtml(t('access.method'))}</summary>
      <p>${escapeHtml(a.method)}</p>
      ${a.population?.method ? `<p>${escapeHtml(a.population.method)}</p>` : ''}
      <p>${escapeHtml(sources)}</p>
      ${a.model ? `<p>${escapeHtml(t('access.model'))}: ${escapeHtml(modelText(a.model))}</p>` : ''}
    </details>`;
  el.dataset.state = 'done';
  status(t('access.summary', { ...what, share: statValue(a.totals.share, '%') }));
}

/** The panel in the current language: the choices' labels and the answer's table. */
export function renderAccess(ctx) {
  if (!ctx.access?.list?.length) return;
  fillForm(ctx);
  renderResult(ctx);
}

/** The legend's groups while the map is shown: the shares per unit, then the minutes. */
export function accessLegend(ctx) {
  const a = ctx.access?.answer;
  if (!a) return [];
  const last = MINUTES.length - 1;
  const minutes = MINUTE_COLOURS.map((color, i) => ({
    kind: 'fill', color,
    label: i === 0 ? `≤ ${MINUTES[0]} min` : i <= last ? `${MINUTES[i - 1] + 1}–${MINUTES[i]} min` : `> ${MINUTES[last]} min`,
  }));
  const shares = SHARE_COLOURS.map((color, i) => ({
    kind: 'fill', color,
    label: i === 0 ? `< ${SHARES[0]} %` : i < SHARES.length ? `${SHARES[i - 1]}–${SHARES[i]} %` : `≥ ${SHARES[i - 1]} %`,
  }));
  const what = { service: a.service, profile: profileLabel(a.profile).toLocaleLowerCase(), within: a.within_min, by: lowerFirst(divisionLabel(ctx, a.by)) };
  const grid = ctx.catalog.byId.get(a.population?.dataset);
  return [
    { id: 'access-units', title: t('access.legendShare', what), minzoom: 0, items: [...shares, { kind: 'fill', color: NONE, label: t('access.noPeople') }] },
    { id: 'access-grid', title: t('access.legendGrid', what), minzoom: Math.max(GRID_MIN_ZOOM, grid?.minzoom ?? 0), items: [...minutes, { kind: 'fill', color: UNREACHABLE, label: t('access.noTime') }] },
  ];
}

/** The datasets the map is drawn from, for the sources line under it. */
export function accessSources(ctx) {
  const a = ctx.access?.answer;
  return a ? [a.dataset, a.network?.dataset, a.population?.dataset, a.by].filter(Boolean) : [];
}

/** The tab's first opening: which services have travel times, then the first one's map. */
function open(ctx) {
  const a = ctx.access;
  if (!a.opening) {
    a.opening = getJSON('/api/access').then(({ access }) => {
      a.list = access;
      $('access-none').hidden = access.length > 0;
      $('access-form').hidden = access.length === 0;
      if (!access.length) return null;
      fillForm(ctx);
      return showAccess(ctx, readForm());
    });
    a.opening.catch(() => { a.opening = null; });
  }
  return a.opening;
}

export function wireAccessPanel(ctx) {
  ctx.access = { list: null, opts: null, shown: null, answer: null, tiles: null, seq: 0, opening: null };
  const panel = $('panel-access');
  // the tab opens by a click or by the arrow keys: either way its panel stops being hidden
  new MutationObserver(() => { if (!panel.hidden) open(ctx).catch(notifyError); })
    .observe(panel, { attributes: true, attributeFilter: ['hidden'] });
  const form = $('access-form');
  const run = () => showAccess(ctx, readForm()).catch(notifyError);
  form.addEventListener('submit', e => { e.preventDefault(); run(); });
  form.addEventListener('change', e => {
    if (e.target.name === 'ds') fillForm(ctx);
    // once shown, every choice redraws the map and the table (as in the statistics panel)
    if (ctx.access.opts) run();
  });
  $('ac-clear').addEventListener('click', () => clearAccess(ctx));
}
