// Start: waits for the map, loads the catalog and the basemap, wires the tabs and panels, then
// restores what the URL names (saying what it names that is not here).
import { t } from './i18n.js';
import { notify, notifyError } from './api.js';
import { currentKey, forgetKey } from './key.js';
import { loadCatalog, abs } from './catalog.js';
import { loadBasemap, divisionsSource } from './basemap.js';
import { LayerStack } from './layers.js';
import { findUnit, resolveRegion, highlight } from './regions.js';
import { Choropleth } from './choropleth.js';
import { unitLabels } from './labels.js';
import { idle, refresh, setBasemap, syncUrl, copyLink, doExport, thematicBefore } from './view.js';
import { renderGroups, wireLayerPanel } from './panels/layers.js';
import { renderRegionInfo, wireRegionPanel } from './panels/region.js';
import { fillStatsForm, wireStatsPanel, writeStatsForm, runChoropleth, choroFailed } from './panels/stats.js';
import { setArea, setBorder, wireMeasurePanel } from './panels/measure.js';
import { setCompare, wireComparePanel } from './panels/compare.js';
import { wireAccessPanel } from './panels/access.js';
import { mountPublishPanel, wirePublishPanel } from './panels/publish.js';
import { wireMapEvents } from './mapevents.js';
import { markLangButton, switchLanguage } from './language.js';

function wireTabs(ctx) {
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

function wireHeader(ctx) {
  document.getElementById('lang').addEventListener('click', () => switchLanguage(ctx));
  document.getElementById('legend-toggle').addEventListener('click', e => {
    const lg = document.getElementById('legend');
    const open = lg.classList.toggle('collapsed') === false;
    e.target.setAttribute('aria-expanded', String(open));
    e.target.dataset.i18n = open ? 'legend.hide' : 'legend.show';
    e.target.textContent = t(e.target.dataset.i18n);
  });
  document.getElementById('copy-link').addEventListener('click', () => copyLink(ctx));
  document.getElementById('export-png').addEventListener('click', () => doExport(ctx).catch(notifyError));
}

/** The catalog, the basemap under everything, and the names layer. */
async function loadBase(ctx) {
  const { map } = ctx;
  let catalog;
  try {
    // a key kept from earlier in this tab that the server now refuses (revoked, expired) is
    // forgotten, and the atlas starts as anyone's
    catalog = await loadCatalog().catch(e => {
      if (e.status !== 401 || !currentKey()) throw e;
      forgetKey();
      return loadCatalog();
    });
  } catch (e) {
    notifyError(e);
    document.body.dataset.ready = '1';
    throw e;
  }
  ctx.catalog = catalog;
  ctx.stack = new LayerStack(map, catalog, { before: () => thematicBefore(ctx) });
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
  if (!ctx.baseOn) setBasemap(ctx, false);
}

/** Restores the URL's state; returns what it names that is not here. */
async function restore(ctx, st) {
  const { map, catalog } = ctx;
  const missing = [];
  missing.push(...(await ctx.stack.set(st.layers)));
  if (st.region) {
    await resolveRegion(catalog, st.region).then(r => {
      if (r.missing?.length) missing.push(...r.missing);
      if (r.codes) { ctx.region = r; highlight(map, catalog, r); renderRegionInfo(ctx); if (!st.view) map.fitBounds([[r.frame[0], r.frame[1]], [r.frame[2], r.frame[3]]], { padding: 40, duration: 0 }); }
    }).catch(notifyError);
  }
  if (st.choro) {
    if (catalog.byId.has(st.choro.ds) && catalog.divisions[st.choro.by]) {
      writeStatsForm(ctx, st.choro);
      await runChoropleth(ctx, st.choro).catch(e => choroFailed(ctx, st.choro, e));
    } else missing.push(catalog.byId.has(st.choro.ds) ? st.choro.by : st.choro.ds);
  }
  if (st.badArea) missing.push('a');
  if (st.area) await setArea(ctx, st.area).catch(notifyError);
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
      await setBorder(ctx, st.border).catch(notifyError);
    }
  }
  if (st.compare) {
    const unknown = st.compare.filter(id => !catalog.byId.has(id));
    missing.push(...unknown);
    await setCompare(ctx, st.compare.filter(id => catalog.byId.has(id))).catch(notifyError);
  }
  return missing;
}

export async function start(ctx, initial) {
  const { map } = ctx;
  await new Promise(r => (map.loaded() ? r() : map.once('load', r)));
  markLangButton();
  mountPublishPanel();
  wireTabs(ctx);
  await loadBase(ctx);

  renderGroups(ctx);
  wireLayerPanel(ctx);
  wireRegionPanel(ctx);
  fillStatsForm(ctx);
  wireStatsPanel(ctx);
  wireMeasurePanel(ctx);
  wireComparePanel(ctx);
  wireAccessPanel(ctx);
  wirePublishPanel(ctx);
  wireMapEvents(ctx);
  wireHeader(ctx);

  // the URL's state; whatever it names that is not here is skipped and said
  const missing = await restore(ctx, initial);
  if (missing.length) notify(t('notice.missing', { what: missing.join(', ') }), 'warning');
  ctx.missing = missing;
  // the URL's layers are ticked in the dataset list too
  renderGroups(ctx);
  renderRegionInfo(ctx);
  refresh(ctx);
  await idle(ctx);
  if (ctx.labels) { ctx.labels.scan(); await idle(ctx); }
  ctx.ready = true;
  syncUrl(ctx);
  document.body.dataset.ready = '1';
}
