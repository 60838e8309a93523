// Drawn areas (terra-draw, loaded on first use) and border zones: each visible thematic
// dataset's numbers inside, from POST /api/stats/{ds}/area and GET /api/stats/{ds}/border.
import { postGeoJSON, getJSON } from './api.js';
import { areaMeasures } from './catalog.js';
import { t, dsTitle } from './i18n.js';
import { statValue, num, area as fmtArea, length as fmtLength, escapeHtml } from './format.js';
import { measureLabel } from './choropleth.js';

export const DRAW_LAYERS = ['area-fill', 'area-line', 'zone-fill', 'zone-line'];
const ZONE_COLOURS = ['#1b6f8f', '#b0601a'];

export function loadScript(src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = resolve;
    s.onerror = () => reject(new Error(`${src} did not load`));
    document.head.append(s);
  });
}

let libs = null;
function terraDrawLibs() {
  if (!libs) {
    libs = loadScript('/assets/vendor/terra-draw/terra-draw.umd.js')
      .then(() => loadScript('/assets/vendor/terra-draw-maplibre-gl-adapter/terra-draw-maplibre-gl-adapter.umd.js'))
      .then(() => ({ td: window.terraDraw, adapter: window.terraDrawMaplibreGlAdapter }));
    libs.catch(() => { libs = null; });
  }
  return libs;
}

function ensureSource(map, id) {
  if (!map.getSource(id)) map.addSource(id, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
  return map.getSource(id);
}

export function showArea(map, coords) {
  ensureSource(map, 'drawn-area').setData(coords
    ? { type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [closeRing(coords)] } }
    : { type: 'FeatureCollection', features: [] });
  if (!map.getLayer('area-fill')) {
    map.addLayer({ id: 'area-fill', type: 'fill', source: 'drawn-area', paint: { 'fill-color': '#5b3f8c', 'fill-opacity': 0.12 } });
    map.addLayer({ id: 'area-line', type: 'line', source: 'drawn-area', paint: { 'line-color': '#5b3f8c', 'line-width': 2.5, 'line-dasharray': [2, 1] } });
  }
}

export function closeRing(coords) {
  const c = coords.map(p => [+p[0], +p[1]]);
  const a = c[0];
  const b = c[c.length - 1];
  if (a[0] !== b[0] || a[1] !== b[1]) c.push([a[0], a[1]]);
  return c;
}

/** Ring without its closing vertex, for the URL. */
export function openRing(coords) {
  const c = coords.slice();
  const a = c[0];
  const b = c[c.length - 1];
  if (c.length > 1 && a[0] === b[0] && a[1] === b[1]) c.pop();
  return c;
}

/** Numbers for each dataset inside the polygon: [{ds, measure, value, unit, text}]. */
export async function areaStats(datasetIds, catalog, coords) {
  const body = { type: 'Polygon', coordinates: [closeRing(coords)] };
  const jobs = [];
  for (const id of datasetIds) {
    const ds = catalog.byId.get(id);
    for (const m of areaMeasures(ds)) {
      jobs.push(postGeoJSON(`/api/stats/${encodeURIComponent(id)}/area?measure=${m}`, body)
        .then(a => ({ ds: id, measure: m, value: a.totals.value, unit: a.totals.unit, area_m2: a.context?.area_m2 })));
    }
  }
  return Promise.all(jobs);
}

export function renderAreaResult(el, catalog, results, coords) {
  const areaM2 = results[0]?.area_m2;
  const byDs = groupBy(results, r => r.ds);
  el.innerHTML = `<h3>${escapeHtml(t('draw.result', { area: areaM2 ? fmtArea(areaM2) : '…' }))}</h3>
    <dl class="numbers">${[...byDs].map(([id, rs]) => `<div class="nb-ds"><dt>${escapeHtml(dsTitle(catalog.byId.get(id)))}</dt>${rs.map(r =>
      `<dd data-ds="${escapeHtml(id)}" data-measure="${escapeHtml(r.measure)}"><span>${escapeHtml(measureLabel(catalog.byId.get(id), r.measure))}</span> <strong>${escapeHtml(statValue(r.value, r.unit))}</strong></dd>`).join('')}</div>`).join('')}</dl>`;
  if (!coords) el.innerHTML = '';
}

function groupBy(xs, key) {
  const m = new Map();
  for (const x of xs) {
    const k = key(x);
    if (!m.has(k)) m.set(k, []);
    m.get(k).push(x);
  }
  return m;
}

/** Drawing with terra-draw: resolves with the ring drawn ([[lon, lat], ...]) or null. */
export class Drawer {
  constructor(map) { this.map = map; this.draw = null; this.pending = null; }

  async start() {
    const { td, adapter } = await terraDrawLibs();
    if (!this.draw) {
      this.draw = new td.TerraDraw({
        adapter: new adapter.TerraDrawMapLibreGLAdapter({ map: this.map }),
        modes: [new td.TerraDrawPolygonMode({
          styles: { fillColor: '#5b3f8c', fillOpacity: 0.15, outlineColor: '#5b3f8c', outlineWidth: 2, closingPointColor: '#ffffff', closingPointOutlineColor: '#5b3f8c' },
        })],
      });
      this.draw.on('finish', id => {
        const f = this.draw.getSnapshotFeature ? this.draw.getSnapshotFeature(id) : this.draw.getSnapshot().find(x => x.id === id);
        const ring = f?.geometry?.coordinates?.[0];
        const done = this.pending;
        this.pending = null;
        // leave the draw handlers after this event has run its course
        setTimeout(() => this.stop(), 0);
        if (done) done(ring ? openRing(ring) : null);
      });
    }
    this.draw.start();
    this.draw.setMode('polygon');
    return new Promise(resolve => { this.pending = resolve; });
  }

  stop() {
    if (!this.draw) return;
    try { this.draw.clear(); } catch { /* nothing drawn */ }
    try { this.draw.stop(); } catch { /* not started */ }
    if (this.pending) { this.pending(null); this.pending = null; }
  }

  get active() { return Boolean(this.pending); }
}

// ---- border zone --------------------------------------------------------------------------

/** Numbers per side for each dataset, and the zone geometry (GeoJSON from the first answer). */
export async function borderStats(datasetIds, catalog, border) {
  const q = `a=${encodeURIComponent(border.a)}&b=${encodeURIComponent(border.b)}&within=${border.km}km`;
  const jobs = [];
  for (const id of datasetIds) {
    const ds = catalog.byId.get(id);
    for (const m of areaMeasures(ds)) {
      jobs.push(getJSON(`/api/stats/${encodeURIComponent(id)}/border?${q}&measure=${m}&format=geojson`)
        .then(a => ({ ds: id, measure: m, answer: a })));
    }
  }
  return Promise.all(jobs);
}

export function showZone(map, fc) {
  const features = (fc?.features || []).map((f, i) => ({ ...f, properties: { ...f.properties, side: i } }));
  ensureSource(map, 'border-zone').setData({ type: 'FeatureCollection', features });
  if (!map.getLayer('zone-fill')) {
    const colour = ['match', ['get', 'side'], 0, ZONE_COLOURS[0], ZONE_COLOURS[1]];
    map.addLayer({ id: 'zone-fill', type: 'fill', source: 'border-zone', paint: { 'fill-color': colour, 'fill-opacity': 0.3 } });
    map.addLayer({ id: 'zone-line', type: 'line', source: 'border-zone', paint: { 'line-color': colour, 'line-width': 1.5 } });
  }
}

export function renderBorderResult(el, catalog, results, border) {
  if (!results || !results.length) { el.innerHTML = ''; return; }
  const first = results[0].answer;
  const sides = first.features.map(f => f.properties);
  const ctx = first.context || {};
  const head = `<p>${escapeHtml(t('border.length', { len: fmtLength(ctx.border_length_m) }))}, ${escapeHtml(t('border.zone', { km: `${num(border.km)} km` }))}</p>`;
  const rows = results.map(r => {
    const ds = catalog.byId.get(r.ds);
    const cells = r.answer.features.map(f => `<td class="num">${escapeHtml(statValue(f.properties.value, f.properties.unit))}</td>`).join('');
    return `<tr data-ds="${escapeHtml(r.ds)}" data-measure="${escapeHtml(r.measure)}"><th scope="row">${escapeHtml(dsTitle(ds))}: ${escapeHtml(measureLabel(ds, r.measure))}</th>${cells}</tr>`;
  }).join('');
  el.innerHTML = `${head}<div class="table-wrap"><table><thead><tr><th scope="col"></th>${sides.map((s, i) =>
    `<th scope="col" class="num"><span class="sw sw-fill" style="--c:${ZONE_COLOURS[i]}" aria-hidden="true"></span>${escapeHtml(s.name)}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table></div>`;
}
