// The interregional atlas: the map, the shared context every module is handed, and
// window.atlas for tests. The panels live in panels/, the map's events in mapevents.js, what
// they share in view.js, and start-up with the URL's state in start.js.
import { t, setLang, applyI18n, maplibreLocale } from './i18n.js';
import { parseHash, toHash } from './state.js';
import { LABEL_COLOUR } from './basemap.js';
import { SWEDEN, GLYPHS, SPRITE, idle, addControls, currentState, refresh, doExport, exportCanvas } from './view.js';
import { start } from './start.js';
import { transformRequest } from './key.js';
import { renderGroups, zoomToFeatures, updateZoomHints } from './panels/layers.js';
import { selectRegion } from './panels/region.js';
import { readStatsForm, writeStatsForm, runChoropleth } from './panels/stats.js';
import { setArea, setBorder } from './panels/measure.js';
import { setCompare } from './panels/compare.js';

const initial = parseHash(location.hash);
setLang(initial.lang);
applyI18n();

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
  // the entered key on Rummet's own styles, TileJSON and tiles (read when each is requested)
  transformRequest,
});

/** Everything the modules share; each function is handed this one object. */
const ctx = {
  t, locale: maplibreLocale,
  map, catalog: null, stack: null, basemap: null, choro: null,
  region: null, regionUnits: [], area: null, border: null, compare: null,
  baseOn: initial.base, missing: [], emptyLayers: new Set(),
};
window.rummet = ctx;
addControls(ctx);

// ---- test hook ----------------------------------------------------------------------------

const ready = start(ctx, initial);
ready.catch(e => console.warn('atlas start:', e.message));
const settled = () => idle(ctx);

window.atlas = {
  map, ready, idle: settled, ctx,
  labelColour: LABEL_COLOUR,
  state: () => currentState(ctx),
  hash: () => toHash(currentState(ctx)),
  async setLayers(list) {
    const missing = await ctx.stack.set(list.map(x => (typeof x === 'string' ? { id: x, opacity: 1 } : x)));
    renderGroups(ctx);
    refresh(ctx);
    await settled();
    return missing;
  },
  layerIds: id => (ctx.stack.styles.get(id)?.layers || []).map(l => l.id),
  async selectRegion(region) { const r = await selectRegion(ctx, region); await settled(); return r && { names: r.names, neighbours: r.neighbours }; },
  async choropleth(opts) {
    const cur = ctx.choro.opts || readStatsForm();
    const o = { ...readStatsForm(), ...cur, ...opts };
    writeStatsForm(ctx, o);
    const res = await runChoropleth(ctx, o);
    await settled();
    return { ...res, legend: ctx.choro.legend() };
  },
  classify(method, k, palette) {
    const t0 = performance.now();
    const s = ctx.choro.setClassification(method, k, palette ?? ctx.choro.opts.palette);
    refresh(ctx);
    return { ms: performance.now() - t0, ...s };
  },
  async drawArea(coords) {
    await setArea(ctx, coords);
    await settled();
    return [...document.querySelectorAll('#draw-result dd')].map(dd => ({ ds: dd.dataset.ds, measure: dd.dataset.measure, text: dd.querySelector('strong').textContent }));
  },
  async border(b) { const r = await setBorder(ctx, b); await settled(); return r.map(x => ({ ds: x.ds, measure: x.measure, values: x.answer.features.map(f => f.properties.value) })); },
  async compare(ids) { await setCompare(ctx, ids); await settled(); return ctx.compare?.layers || null; },
  exportPng: () => doExport(ctx),
  exportCanvas: () => exportCanvas(ctx),
  missing: () => ctx.missing,
  /** The datasets whose rows say "zoom in to see", checked now. */
  zoomHints() { updateZoomHints(ctx); return [...ctx.emptyLayers]; },
  zoomToFeatures: id => zoomToFeatures(ctx, id),
};
