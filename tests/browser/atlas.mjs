// Drives Rummet's atlas (GET /) in headless Chromium and prints one JSON report for the Rust
// integration test: errors, datasets listed, features rendered per thematic dataset, glyph
// requests, a choropleth (naturreservat share by kommun in one län, 5 quantile classes)
// against the API's own answer, a drawn area's numbers against the API's, the URL state
// round trip, language, control titles, painted pixels, bad input and PNG export; the chosen
// län's neighbours against GET /api/divisions/lan, a choropleth of the pilot area (län 05, 06,
// 08 in one in= request), a statistics failure from a shared link, keyboard use, and the
// "zoom in to see" hint of a layer that draws nothing at the overview; and, when
// RUMMET_PUBLISH_KEY (a publish-scope key) and RUMMET_PUBLISH_FILE (a GeoJSON file) are set,
// publishing through the Publicera panel: the key entered, the file uploaded through the form,
// the job followed, the new dataset listed and its tiles asked for (with the key when it is
// not public). RUMMET_PUBLISH_VISIBILITY (default org) and RUMMET_PUBLISH_NAME (default a
// fresh one) choose the upload's visibility and name. When RUMMET_ACCESS names the choices
// (e.g. service=Dagligvaror&profile=car&within=5&by=tkommun), the Tillgänglighet panel is
// driven with them: the shares its table and its choropleth show per unit, and the
// travel-time squares drawn over the units.
// Usage: node atlas.mjs <base-url> <screenshot.png> [lan-code] [/m/<slug> of a saved view]
import { chromium } from 'playwright-core';

const [baseArg, screenshot, lanArg, savedView] = process.argv.slice(2);
const base = baseArg.endsWith('/') ? baseArg : `${baseArg}/`;
const lan = lanArg || '06';
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const started = Date.now();

const browser = await chromium.launch({
  executablePath,
  args: ['--no-sandbox', '--disable-gpu', '--enable-unsafe-swiftshader', '--disable-quic',
    '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

// The designed basemap may not be built into this server yet; then its 4xx is expected.
const basemapStatus = (await fetch(`${base}styles/atlas-basemap.json`).catch(() => ({ status: 0 }))).status;

const report = {
  base, lan, basemap_style_status: basemapStatus, console_errors: [], page_errors: [], failed_requests: [],
  glyphs: [], timings: {},
};

function watch(page) {
  page.on('console', m => {
    if (m.type() !== 'error') return;
    const url = m.location()?.url || '';
    if (basemapStatus !== 200 && url.includes('/styles/atlas-basemap.json')) return;
    report.console_errors.push(`${m.text()} ${url}`.trim());
  });
  page.on('pageerror', e => report.page_errors.push(String(e)));
  page.on('response', r => {
    const url = r.url();
    if (url.includes('/fonts/')) report.glyphs.push({ url: url.slice(url.indexOf('/fonts/')), status: r.status() });
    else if (r.status() >= 400 && !(basemapStatus !== 200 && url.includes('/styles/atlas-basemap.json'))) {
      report.failed_requests.push({ url, status: r.status() });
    }
  });
}

const ready = page => page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 30000 });

/** Share of painted pixels and of the label colour in the map canvas (kept drawing buffer). */
const pixels = page => page.evaluate(async () => {
  const map = window.atlas.map;
  await new Promise(r => { map.once('render', r); map.triggerRepaint(); });
  const src = map.getCanvas();
  const c = document.createElement('canvas');
  c.width = src.width; c.height = src.height;
  const g = c.getContext('2d', { willReadFrequently: true });
  g.drawImage(src, 0, 0);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  const hex = h => { const m = h.match(/^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i); return m ? m.slice(1).map(x => parseInt(x, 16)) : null; };
  const style = map.getStyle();
  const bgLayer = style.layers.find(l => l.type === 'background');
  const bg = hex(bgLayer?.paint?.['background-color'] || '#ffffff') || [255, 255, 255];
  // the basemap's names shown at this zoom (thematic labels are not the test's concern)
  const z = map.getZoom();
  const labelLayer = style.layers.find(l => l.type === 'symbol' && l.id.startsWith('base-') && typeof l.paint?.['text-color'] === 'string'
    && (l.minzoom ?? 0) <= z && z < (l.maxzoom ?? 99) && map.queryRenderedFeatures({ layers: [l.id] }).length > 0);
  const label = hex(labelLayer?.paint?.['text-color'] || window.atlas.labelColour);
  let painted = 0; let labelPx = 0; let total = 0;
  for (let i = 0; i < d.length; i += 4) {
    total++;
    if (Math.abs(d[i] - bg[0]) + Math.abs(d[i + 1] - bg[1]) + Math.abs(d[i + 2] - bg[2]) > 12) painted++;
    if (label && Math.abs(d[i] - label[0]) + Math.abs(d[i + 1] - label[1]) + Math.abs(d[i + 2] - label[2]) <= 24) labelPx++;
  }
  return { painted_share: painted / total, label_layer: labelLayer?.id || null, label_colour: labelLayer?.paint?.['text-color'] || null, label_pixels: labelPx, label_colour_present: labelPx >= 20, background: bgLayer?.paint?.['background-color'] };
});

/** "4 389,8 ha" -> metres², "12 st" -> 12, "1,31 %" -> 1.31 (in the API's base unit). */
function parseShown(text) {
  const m = text.replace(/[\s\u00a0\u202f]/g, '').replace('−', '-').match(/^(-?[\d.,]+)(.*)$/);
  if (!m) return null;
  const v = parseFloat(m[1].replace(/\./g, '').replace(',', '.'));
  const unit = m[2];
  const k = { 'km²': 1e6, ha: 1e4, km: 1e3, m: 1, '%': 1, st: 1, '': 1 }[unit] ?? 1;
  return v * k;
}

/**
 * Publishing through the panel, as a steward would: the key, the form, the job to its end. The
 * report says what a test needs to hold it to: the job's state, the dataset's id, whether the
 * layer list has it, whether a tile of it was asked for (with the key when it is not public),
 * and every error on the way.
 */
async function publish(browser) {
  const key = process.env.RUMMET_PUBLISH_KEY;
  const file = process.env.RUMMET_PUBLISH_FILE;
  const visibility = process.env.RUMMET_PUBLISH_VISIBILITY || 'org';
  const name = process.env.RUMMET_PUBLISH_NAME || `atlas_upload_${Date.now().toString(36)}`;
  const out = { job_state: null, dataset_id: null, visibility, layer_listed: false, tiles_requested: false, errors: [] };
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } }).catch(e => { out.errors.push(`script: ${e.message}`); return null; });
  if (!page) return out;
  watch(page);
  const expected = url => basemapStatus !== 200 && url.includes('/styles/atlas-basemap.json');
  page.on('console', m => { if (m.type() === 'error' && !expected(m.location()?.url || '')) out.errors.push(`console: ${m.text()}`); });
  page.on('pageerror', e => out.errors.push(`page: ${e}`));
  page.on('response', r => { if (r.status() >= 400 && !expected(r.url())) out.errors.push(`${r.status()} ${new URL(r.url()).pathname}`); });
  // tiles are fetched in MapLibre's workers: listened for on the context, which sees those too
  const tiles = [];
  page.context().on('request', async r => {
    const m = new URL(r.url()).pathname.match(/^\/tiles\/([^/]+)\/\d+\/\d+\/\d+\.(?:mvt|pbf)$/);
    if (!m) return;
    const ids = decodeURIComponent(m[1]).split(',');
    const headers = await r.allHeaders().catch(() => ({}));
    tiles.push({ ids, authorization: /^Bearer rmt_/.test(headers.authorization || '') });
  });
  try {
    await page.goto(base, { waitUntil: 'load' });
    await ready(page);
    await page.click('#tab-publish');
    await page.fill('#pub-key', key);
    await page.press('#pub-key', 'Enter');
    await page.waitForSelector('#pub-session:not([hidden])', { timeout: 10000 });
    out.organisation_shown = (await page.textContent('#pub-org'))?.trim();
    const org = await page.evaluate(() => window.atlas.ctx.publish.principal.organisation);
    out.dataset_id = `${org}.${name}`;
    await page.setInputFiles('#pub-file', file);
    await page.fill('#pub-id', name);
    await page.fill('#pub-title', 'Uppladdad i webbläsartestet');
    await page.selectOption('#pub-licence', 'CC BY 4.0');
    await page.fill('#pub-desc', 'Några ytor i Jönköping, publicerade genom atlasens panel.');
    await page.check(`#pub-form input[name=visibility][value=${visibility}]`);
    const t0 = Date.now();
    await page.click('#pub-submit');
    // the job ends, or the form says why it was not sent
    await page.waitForFunction(() => ['succeeded', 'failed'].includes(document.getElementById('pub-job').dataset.state)
      || document.getElementById('pub-error').textContent !== '', null, { timeout: 180000 });
    out.job_state = await page.evaluate(() => document.getElementById('pub-job').dataset.state || null);
    out.publish_ms = Date.now() - t0;
    const formError = (await page.textContent('#pub-error'))?.trim();
    if (formError) out.errors.push(`form: ${formError}`);
    if (out.job_state === 'failed') out.errors.push(`job: ${(await page.textContent('#pub-result'))?.trim()}`);
    if (out.job_state === 'succeeded') {
      // the dataset comes on once the catalog is reloaded: wait for that, and for its tiles
      const id = out.dataset_id;
      await page.waitForFunction(i => window.atlas.ctx.stack.visible.has(i), id, { timeout: 15000 }).catch(() => {});
      await page.evaluate(() => window.atlas.idle());
      const deadline = Date.now() + 15000;
      while (!tiles.some(x => x.ids.includes(id)) && Date.now() < deadline) await page.waitForTimeout(200);
      out.result_text = (await page.textContent('#pub-result'))?.trim();
      out.layer_listed = await page.evaluate(i => !!document.querySelector(`#dataset-groups [data-toggle="${CSS.escape(i)}"]`), id);
      out.layer_on = await page.evaluate(i => document.querySelector(`#dataset-groups [data-toggle="${CSS.escape(i)}"]`)?.checked ?? false, id);
      out.features_drawn = await page.evaluate(i => window.atlas.map.queryRenderedFeatures({ layers: window.atlas.layerIds(i) }).length, id);
      const mine = tiles.filter(x => x.ids.includes(id));
      out.tile_requests = mine.length;
      out.tiles_requested = mine.length > 0 && (visibility === 'public' || mine.every(x => x.authorization));
      out.own_listed = await page.evaluate(i => !!document.querySelector(`#pub-own .own-row[data-id="${CSS.escape(i)}"]`), id);
    }
    // the key is the tab's secret: never in the URL, never in localStorage
    out.key_in_url = await page.evaluate(k => location.href.includes(k), key);
    out.key_in_local_storage = await page.evaluate(k => Object.keys(localStorage).some(n => (localStorage.getItem(n) || '').includes(k)), key);
    // logged out: a dataset not public leaves the list and the map
    await page.click('#pub-logout');
    await page.waitForSelector('#pub-login:not([hidden])', { timeout: 10000 });
    // the catalog is reloaded before the key field takes the focus back
    await page.waitForFunction(() => document.activeElement?.id === 'pub-key', null, { timeout: 10000 });
    out.listed_after_logout = await page.evaluate(i => !!document.querySelector(`#dataset-groups [data-toggle="${CSS.escape(i)}"]`), out.dataset_id);
    out.key_kept_after_logout = await page.evaluate(() => Object.keys(sessionStorage).length > 0);
  } catch (e) {
    out.errors.push(`script: ${e && e.message || e}`);
  } finally {
    await page.close();
  }
  return out;
}

/**
 * The accessibility panel as a planner uses it: the tab opened, each control picked, the
 * answer awaited. Reports what the table shows per unit name (and parsed), the total, what
 * the choropleth's source holds, and, with the map framed on the units, the travel-time
 * squares drawn: their distinct minutes and the people of those without a time.
 */
async function accessibility(page, choices) {
  const want = Object.fromEntries(new URLSearchParams(choices));
  const out = { want };
  try {
    const t0 = Date.now();
    await page.click('#tab-access');
    await page.waitForSelector(`#ac-by option[value="${want.by}"]`, { state: 'attached', timeout: 10000 });
    for (const name of ['by', 'service', 'profile', 'within']) await page.selectOption(`#ac-${name}`, want[name]);
    await page.waitForFunction(w => {
      const s = window.atlas.ctx.access?.shown;
      return !!s && s.by === w.by && s.service === w.service && s.profile === w.profile && String(s.within) === w.within
        && document.getElementById('access-result').dataset.state === 'done';
    }, want, { timeout: 15000 });
    out.answer_ms = Date.now() - t0;
    Object.assign(out, await page.evaluate(async () => {
      const a = window.atlas;
      const text = el => el?.textContent.trim() ?? null;
      const table = Object.fromEntries([...document.querySelectorAll('#access-result tbody tr')]
        .map(tr => [tr.querySelector('th').firstChild.textContent.trim(), text(tr.querySelector('[data-share]'))]));
      // frame the units the panel drew (from its own answer), then look at the squares
      const pts = [];
      const walk = c => (typeof c[0] === 'number' ? pts.push(c) : c.forEach(walk));
      for (const f of a.ctx.access.answer.features) if (f.geometry) walk(f.geometry.coordinates);
      const xs = pts.map(p => p[0]);
      const ys = pts.map(p => p[1]);
      a.map.fitBounds([[Math.min(...xs), Math.min(...ys)], [Math.max(...xs), Math.max(...ys)]], { animate: false, padding: 40 });
      await a.idle();
      const source = {};
      for (const f of a.map.querySourceFeatures('access-units')) source[f.properties.name] = f.properties.share;
      const cells = a.map.queryRenderedFeatures({ layers: ['access-grid'] }).map(f => f.properties);
      const timed = cells.filter(p => 'minutes' in p);
      return {
        table, total: text(document.querySelector('#access-result tfoot [data-share]')), source, zoom: +a.map.getZoom().toFixed(2),
        grid: {
          features: cells.length,
          minutes: [...new Set(timed.map(p => p.minutes))].sort((x, y) => x - y),
          unreachable_people: [...new Set(cells.filter(p => !('minutes' in p)).map(p => p.people))],
        },
        csv: document.querySelector('#access-result a[download]')?.getAttribute('href') ?? null,
        method: text(document.querySelector('#access-result details p')),
        legend: [...document.querySelectorAll('#legend-body .lg-group h3')].map(h => h.textContent.trim()),
      };
    }));
    out.table_values = Object.fromEntries(Object.entries(out.table).map(([k, v]) => [k, v == null ? null : parseShown(v)]));
    out.total_value = out.total == null ? null : parseShown(out.total);
  } catch (e) {
    out.error = String(e && e.message || e);
  }
  return out;
}

try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  watch(page);
  const t0 = Date.now();
  await page.goto(base, { waitUntil: 'load' });
  await ready(page);
  report.timings.ready_ms = Date.now() - t0;

  report.datasets = await page.locator('[data-toggle]').evaluateAll(els => els.map(e => e.dataset.toggle));
  report.lang = await page.evaluate(() => document.documentElement.lang);
  report.ui_strings = await page.evaluate(() => [
    ...[...document.querySelectorAll('[role=tab]')].map(e => e.textContent.trim()),
    document.getElementById('copy-link').textContent.trim(),
    document.getElementById('export-png').textContent.trim(),
    document.querySelector('#layer-stack label')?.textContent.trim(),
    document.querySelector('#panel-layers h2')?.textContent.trim(),
  ]);
  report.control_titles = await page.evaluate(() => [...document.querySelectorAll('.maplibregl-ctrl button')].map(b => b.title || b.getAttribute('aria-label')));
  report.landmarks = await page.evaluate(() => ({
    banner: !!document.querySelector('header'), nav: !!document.querySelector('nav[aria-label]'), main: !!document.querySelector('main'),
    map_label: document.getElementById('map').getAttribute('aria-label'), alert_region: document.getElementById('notices').getAttribute('role'),
  }));
  report.pixels_initial = await pixels(page);

  // each thematic dataset alone, framed to its bounds (or closer, down to its minzoom)
  const catalog = await (await fetch(`${base}catalog`)).json();
  const thematic = catalog.datasets.filter(d => d.role !== 'division');
  report.layers = {};
  for (const ds of thematic) {
    report.layers[ds.id] = await page.evaluate(async ({ id, bounds, minzoom }) => {
      const a = window.atlas;
      await a.setLayers([id]);
      const layers = a.layerIds(id);
      a.map.fitBounds([[bounds[0], bounds[1]], [bounds[2], bounds[3]]], { animate: false, padding: 20 });
      const atBounds = { zoom: +a.map.getZoom().toFixed(2), features: 0 };
      if (a.map.getZoom() >= minzoom) {
        await a.idle();
        atBounds.features = a.map.queryRenderedFeatures({ layers }).length;
      }
      // the server may thin a dataset out of its lowest zooms: look closer, inside Sweden
      if (atBounds.features === 0) {
        a.map.jumpTo({ center: [14.6, 57.6], zoom: Math.max(minzoom + 1, 6) });
        await a.idle();
      }
      const feats = a.map.queryRenderedFeatures({ layers });
      return { features: feats.length, at_bounds: atBounds, layers, zoom: +a.map.getZoom().toFixed(2), legend_items: document.querySelectorAll('#legend-body li').length };
    }, { id: ds.id, bounds: ds.bounds, minzoom: ds.minzoom || 0 });
  }

  // "zoom in to see": the first thematic dataset that draws nothing alone at zoom 3 over
  // Sweden (small features, thinned out of the overview) says so in its row, and its button
  // zooms in until something renders; a dataset that does draw there shows no hint
  report.zoom_hint = await page.evaluate(async ids => {
    const a = window.atlas;
    const probe = async id => {
      await a.setLayers([id]);
      a.map.jumpTo({ center: [16.5, 62.5], zoom: 3 });
      await a.idle();
      await new Promise(r => setTimeout(r, 500)); // the hints follow the view, throttled
      const row = document.querySelector(`#layer-stack [data-hint="${id}"]`);
      return { id, features: a.map.queryRenderedFeatures({ layers: a.layerIds(id) }).length, shown: !!row && !row.hidden };
    };
    const probes = [];
    for (const id of ids) probes.push(await probe(id));
    const wrong = probes.filter(p => (p.features === 0) !== p.shown);
    const empty = probes.find(p => p.features === 0);
    if (!empty) return { probes, ok: wrong.length === 0, exercised: false };
    await probe(empty.id);
    const layers = a.layerIds(empty.id);
    const row = () => document.querySelector(`#layer-stack [data-hint="${empty.id}"]`);
    const text = row()?.querySelector('span')?.textContent.trim() ?? null;
    const button = row()?.querySelector('[data-zoomin]');
    const label = button?.getAttribute('aria-label') ?? null;
    button?.click();
    await a.ctx.zooming?.done;
    await a.idle();
    await new Promise(r => setTimeout(r, 500));
    const after = { zoom: +a.map.getZoom().toFixed(2), features: a.map.queryRenderedFeatures({ layers }).length, hint_shown: !!row() && !row().hidden };
    return {
      probes, id: empty.id, text, button_label: label, after, exercised: true,
      ok: wrong.length === 0 && after.features > 0 && !after.hint_shown && after.zoom > 3,
    };
  }, thematic.map(d => d.id));

  // popup labels: the catalog's descriptions, never raw column names
  report.popup = await page.evaluate(async () => {
    const a = window.atlas;
    await a.setLayers(['naturreservat']);
    a.map.jumpTo({ center: [14.6, 57.6], zoom: 7 });
    await a.idle();
    const f = a.map.queryRenderedFeatures({ layers: a.layerIds('naturreservat') })[0];
    if (!f) return null;
    const { popupHtml } = await import('/assets/atlas/popup.js');
    const div = document.createElement('div');
    div.innerHTML = popupHtml([{ ds: a.ctx.catalog.byId.get('naturreservat'), props: f.properties }]);
    return { labels: [...div.querySelectorAll('dt')].map(e => e.textContent), values: [...div.querySelectorAll('dd')].map(e => e.textContent) };
  });

  // region with neighbours (against the divisions API), then the choropleth
  const region = await page.evaluate(code => window.atlas.selectRegion({ div: 'lan', codes: [code] }), lan);
  const lanUnits = (await (await fetch(`${base}api/divisions/lan`)).json()).units;
  const apiNeighbours = (lanUnits.find(u => u.code === lan)?.neighbours || []).slice().sort();
  const shownNeighbours = (region?.neighbours || []).map(n => n.code);
  report.region = {
    names: region?.names, neighbours: shownNeighbours, neighbour_names: (region?.neighbours || []).map(n => n.name),
    api_neighbours: apiNeighbours,
    neighbours_match_api: apiNeighbours.length > 0 && JSON.stringify([...shownNeighbours].sort()) === JSON.stringify(apiNeighbours),
  };
  const t1 = Date.now();
  const choro = await page.evaluate(() => window.atlas.choropleth({ ds: 'naturreservat', measure: 'share', by: 'kommun', scope: 'region', method: 'quantile', k: 5, where: '', palette: 'YlGn' }));
  report.timings.choropleth_first_ms = Date.now() - t1;
  const drawn = await page.evaluate(() => {
    const a = window.atlas;
    const th = a.ctx.choro.classes.thresholds;
    const classes = new Set();
    let units = 0;
    for (const f of a.map.queryRenderedFeatures({ layers: ['choro-fill'] })) {
      if (typeof f.state?.v !== 'number') continue;
      units++;
      let c = 0; while (c < th.length && f.state.v >= th[c]) c++;
      classes.add(c);
    }
    return { classes: classes.size, units, legend: [...document.querySelectorAll('#legend-body .lg-group:first-child li')].map(li => li.textContent.trim()) };
  });
  const api = await (await fetch(`${base}api/stats/naturreservat?by=kommun&measure=share&in=lan:${lan}`)).json();
  const apiValues = Object.fromEntries(api.rows.map(r => [r.code, r.value]));
  const shownValues = choro.values;
  const valuesMatch = Object.keys(apiValues).length > 0 && Object.keys(apiValues).length === Object.keys(shownValues).length
    && Object.entries(apiValues).every(([k, v]) => Math.abs(shownValues[k] - v) < 1e-9);
  // a cached switch: measure away and back, and a classification change
  await page.evaluate(() => window.atlas.choropleth({ measure: 'count' }));
  const back = await page.evaluate(() => window.atlas.choropleth({ measure: 'share' }));
  const reclass = await page.evaluate(() => window.atlas.classify('ckmeans', 5));
  await page.evaluate(() => window.atlas.classify('quantile', 5));
  report.choropleth = {
    k: choro.k, classes_drawn: drawn.classes, units_drawn: drawn.units, method: choro.method,
    bounds: choro.bounds, thresholds: choro.thresholds, counts: choro.counts, unit: choro.unit, legend: drawn.legend,
    values: shownValues, api_values: apiValues, values_match_api: valuesMatch,
    cached_switch_ms: Math.round(back.ms), reclassify_ms: Math.round(reclass.ms), ckmeans_thresholds: reclass.thresholds,
  };

  // composite tiles: every thematic dataset on draws from one source, one tile request per
  // tile position (/tiles/a,b,c/{z}/{x}/{y}.mvt), never one per dataset
  const thematicIds = new Set(thematic.map(d => d.id));
  const tileRequests = [];
  const onRequest = r => {
    const m = new URL(r.url()).pathname.match(/^\/tiles\/([\w,]+)(?:\/\d+\/\d+\/\d+\.(?:mvt|pbf)|\.json)$/);
    if (m && m[1].split(',').some(id => thematicIds.has(id))) tileRequests.push(new URL(r.url()).pathname);
  };
  page.on('request', onRequest);
  const compositeView = await page.evaluate(async ids => {
    const a = window.atlas;
    await a.setLayers(ids);
    return { sources: Object.entries(a.map.getStyle().sources).filter(([, s]) => s.url?.includes('/tiles/') && ids.some(id => s.url.includes(id))).map(([k, s]) => ({ id: k, url: new URL(s.url).pathname })), layers: a.ctx.stack.layerIds().length };
  }, thematic.map(d => d.id));
  page.off('request', onRequest);
  const tiles = tileRequests.filter(u => !u.endsWith('.json'));
  const single = tiles.filter(u => !u.split('/')[2].includes(','));
  report.composite = {
    sources: compositeView.sources, layers: compositeView.layers, tilejson: tileRequests.filter(u => u.endsWith('.json')),
    tile_requests: tiles.length, tile_urls: tiles, single_dataset_requests: single,
    ok: tiles.length > 0 && single.length === 0 && compositeView.sources.length === 1
      && tiles.every(u => u.split('/')[2] === [...thematicIds].sort().slice(0, 16).join(',')),
  };

  // a drawn area inside the län's frame, every thematic dataset on
  await page.evaluate(ids => window.atlas.setLayers(ids), thematic.map(d => d.id));
  const ring = await page.evaluate(() => {
    const b = window.atlas.map.getBounds();
    const cx = (b.getWest() + b.getEast()) / 2; const cy = (b.getSouth() + b.getNorth()) / 2;
    const w = (b.getEast() - b.getWest()) / 6; const h = (b.getNorth() - b.getSouth()) / 6;
    return [[cx - w, cy - h], [cx + w, cy - h], [cx + w * 1.2, cy + h], [cx - w * 0.8, cy + h * 1.1]].map(p => p.map(v => +v.toFixed(5)));
  });
  const shownArea = await page.evaluate(r => window.atlas.drawArea(r), ring);
  const polygon = { type: 'Polygon', coordinates: [[...ring, ring[0]]] };
  const apiArea = [];
  for (const s of shownArea) {
    const res = await fetch(`${base}api/stats/${s.ds}/area?measure=${s.measure}`, { method: 'POST', headers: { 'content-type': 'application/geo+json' }, body: JSON.stringify(polygon) });
    const a = await res.json();
    const shownValue = parseShown(s.text);
    const v = a.totals?.value;
    const agree = v != null && shownValue != null && Math.abs(shownValue - v) <= Math.max(Math.abs(v) * 0.01, s.measure === 'share' ? 0.01 : 0.5);
    apiArea.push({ ds: s.ds, measure: s.measure, shown: s.text, shown_value: shownValue, api_value: v, unit: a.totals?.unit, agree });
  }
  report.area = { ring, numbers: apiArea, all_agree: apiArea.length > 0 && apiArea.every(x => x.agree) };

  // border zone between the län and its first neighbour
  const nb = report.region?.neighbours?.[0];
  if (nb) {
    report.border = await page.evaluate(b => window.atlas.border(b), { a: `lan:${lan}`, b: `lan:${nb}`, km: 5 });
  }
  report.pixels_choropleth = await pixels(page);
  if (screenshot) await page.screenshot({ path: screenshot });

  // export (a canvas the size of the map plus title, legend and sources)
  report.export = await page.evaluate(async () => {
    const c = await window.atlas.exportCanvas();
    return { width: c.width, height: c.height, png_bytes: c.toDataURL('image/png').length };
  });

  // URL state round trip
  await page.waitForTimeout(300);
  const norm = s => ({ ...s, view: undefined, area: s.area && s.area.map(p => p.map(v => +v.toFixed(5))) });
  const sameView = (a, b) => Math.abs(a.zoom - b.zoom) < 0.02 && Math.abs(a.center[0] - b.center[0]) < 1e-3 && Math.abs(a.center[1] - b.center[1]) < 1e-3;
  const stateBefore = await page.evaluate(() => window.atlas.state());
  const hash = await page.evaluate(() => location.hash);
  await page.reload({ waitUntil: 'load' });
  await ready(page);
  const stateAfter = await page.evaluate(() => window.atlas.state());
  const equal = JSON.stringify(norm(stateBefore)) === JSON.stringify(norm(stateAfter)) && sameView(stateBefore.view, stateAfter.view);
  report.round_trip = { hash, equal, before: stateBefore, after: equal ? undefined : stateAfter };

  // the pilot area: three län as one scope, one in= request
  const t2 = Date.now();
  const pilot = await page.evaluate(async () => {
    const a = window.atlas;
    const t0 = performance.now();
    const r = await a.selectRegion({ div: 'lan', codes: ['05', '06', '08'] });
    const t1 = performance.now();
    const res = await a.choropleth({ ds: 'naturreservat', measure: 'share', by: 'kommun', scope: 'region', method: 'quantile', k: 5, where: '', palette: 'YlGn' });
    const ids = new Set();
    for (const f of a.map.queryRenderedFeatures({ layers: ['choro-fill'] })) if (typeof f.state?.v === 'number') ids.add(f.id);
    const total = document.querySelector('#stats-table tfoot td')?.textContent.trim() ?? null;
    return { names: r?.names, urls: res.urls, values: res.values, units_drawn: ids.size, total_shown: total, hash_region: a.state().region, region_ms: Math.round(t1 - t0), choropleth_ms: Math.round(performance.now() - t1) };
  });
  report.timings.pilot_ms = Date.now() - t2;
  report.timings.pilot_region_ms = pilot.region_ms;
  report.timings.pilot_choropleth_ms = pilot.choropleth_ms;
  const pilotApi = await (await fetch(`${base}api/stats/naturreservat?by=kommun&measure=share&in=lan:05,lan:06,lan:08`)).json();
  const pilotApiValues = Object.fromEntries(pilotApi.rows.map(r => [r.code, r.value]));
  report.pilot = {
    names: pilot.names, requests: pilot.urls, units: Object.keys(pilot.values).length, units_drawn: pilot.units_drawn,
    api_units: pilotApi.rows.length,
    values_match_api: pilotApi.rows.length > 0 && Object.keys(pilotApiValues).length === Object.keys(pilot.values).length
      && Object.entries(pilotApiValues).every(([k, v]) => Math.abs(pilot.values[k] - v) < 1e-9),
    total_shown: pilot.total_shown, api_total: pilotApi.totals?.value, region: pilot.hash_region,
  };

  // compare: a right map with another dataset
  report.compare = await page.evaluate(async () => {
    const a = window.atlas;
    const layers = await a.compare(['lamningar']);
    const right = !!document.getElementById('map-right') && !!document.querySelector('.maplibregl-compare');
    await a.compare(null);
    return { layers, right_map: right, closed: !document.getElementById('map-right') };
  });

  // English and back
  report.english = await page.evaluate(async () => {
    document.getElementById('lang').click();
    const out = { lang: document.documentElement.lang, tab: document.getElementById('tab-layers').textContent, zoom_in: document.querySelector('.maplibregl-ctrl-zoom-in')?.title, hash_lang: location.hash.includes('lang=en') || null };
    await new Promise(r => setTimeout(r, 250));
    out.hash_lang = location.hash.includes('lang=en');
    document.getElementById('lang').click();
    out.back = document.documentElement.lang;
    return out;
  });
  if (process.env.RUMMET_ACCESS) report.access = await accessibility(page, process.env.RUMMET_ACCESS);
  await page.close();

  // bad input: unknown dataset and region named in a shared URL
  const bad = await browser.newPage({ viewport: { width: 1000, height: 700 } });
  watch(bad);
  await bad.goto(`${base}#l=finns_inte,naturreservat&r=lan:99&c=saknas;count;kommun;all;quantile;5;YlGn;`, { waitUntil: 'load' });
  await ready(bad);
  report.bad_input = await bad.evaluate(() => ({
    notices: [...document.querySelectorAll('#notices .notice')].map(n => n.textContent.trim()),
    role: document.getElementById('notices').getAttribute('role'),
    layers: window.atlas.state().layers.map(l => l.id),
  }));
  report.bad_input.names_missing = report.bad_input.notices.some(n => n.includes('finns_inte') && n.includes('lan:99') && n.includes('saknas'));
  await bad.close();

  // a saved map view's permalink (/m/{slug}, made by the test) opens the atlas in its state
  if (savedView) {
    const saved = await browser.newPage({ viewport: { width: 1000, height: 700 } });
    watch(saved);
    await saved.goto(new URL(savedView.replace(/^\//, ''), base).href, { waitUntil: 'load' });
    await ready(saved);
    report.saved_view = await saved.evaluate(() => ({ hash: location.hash, state: window.atlas.state() }));
    await saved.close();
  }

  // a shared link whose statistics request fails (503 here, not watched): the choropleth's
  // settings stay in the URL so a reload retries, and the failure is said in the alert region
  const failing = await browser.newPage({ viewport: { width: 1000, height: 700 } });
  failing.on('pageerror', e => report.page_errors.push(String(e)));
  await failing.route('**/api/stats/**', r => r.fulfill({ status: 503, contentType: 'application/json', body: '{"error":"unavailable","message":"test: statistics unavailable"}' }));
  const choroHash = 'c=naturreservat;share;kommun;region;quantile;5;YlGn;';
  await failing.goto(`${base}#r=lan:${lan}&${choroHash}`, { waitUntil: 'load' });
  await ready(failing);
  await failing.waitForTimeout(400);
  report.stats_failure = await failing.evaluate(h => ({
    notices: [...document.querySelectorAll('#notices .notice')].map(n => n.querySelector('p').textContent.trim()),
    alert: document.getElementById('notices').getAttribute('role') === 'alert',
    retry_button: !!document.querySelector('#notices .notice-retry'),
    hash: location.hash,
    kept_in_url: location.hash.includes(h),
  }), choroHash);
  // the statistics come back: the notice's retry draws the map
  await failing.unroute('**/api/stats/**');
  await failing.click('#notices .notice-retry');
  await failing.waitForFunction(() => window.atlas.ctx.choro.opts != null, null, { timeout: 10000 }).catch(() => {});
  report.stats_failure.retried = await failing.evaluate(() => ({ drawn: window.atlas.ctx.choro.opts != null, notices: document.querySelectorAll('#notices .notice').length }));
  await failing.close();

  // keyboard: Tab reaches every control with a visible focus ring; the region search works
  // with arrow keys and Enter; the layer list's buttons and sliders are labelled
  const kb = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  watch(kb);
  await kb.goto(`${base}#l=naturreservat,nvdb_vagnat`, { waitUntil: 'load' });
  await ready(kb);
  const focused = () => kb.evaluate(() => {
    const el = document.activeElement;
    const cs = getComputedStyle(el);
    const ring = (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2) || cs.boxShadow !== 'none';
    return { el: `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}`, name: el.getAttribute('aria-label') || el.labels?.[0]?.textContent.trim() || el.textContent.trim().slice(0, 40), ring };
  });
  const stops = [];
  for (let i = 0; i < 40; i++) {
    await kb.keyboard.press('Tab');
    const f = await focused();
    if (f.el === 'body' || stops.some(s => s.el === f.el && s.name === f.name)) break;
    stops.push(f);
  }
  const unlabelled = await kb.evaluate(() => [...document.querySelectorAll('#layer-stack button, #layer-stack input')]
    .filter(e => !(e.getAttribute('aria-label') || e.labels?.length)).map(e => e.outerHTML.slice(0, 80)));
  await kb.evaluate(() => window.atlas.ctx.selectTab('region'));
  await kb.focus('#region-input');
  await kb.keyboard.type('kalm');
  await kb.waitForSelector('#region-list [role=option]');
  const options = await kb.$$eval('#region-list [role=option]', l => l.map(x => x.textContent.trim()));
  await kb.keyboard.press('ArrowDown');
  await kb.keyboard.press('ArrowDown');
  const activeOption = await kb.evaluate(() => document.getElementById(document.getElementById('region-input').getAttribute('aria-activedescendant'))?.textContent.trim());
  await kb.keyboard.press('Enter');
  await kb.waitForFunction(() => window.atlas.state().region != null, null, { timeout: 10000 }).catch(() => {});
  report.keyboard = {
    tab_stops: stops.length, without_ring: stops.filter(s => !s.ring), unlabelled_layer_controls: unlabelled,
    search: { options, active_option: activeOption, picked: await kb.evaluate(() => ({ ...window.atlas.state().region, name: window.atlas.ctx.region?.names?.[0] })) },
  };
  const picked = report.keyboard.search.picked;
  report.keyboard.ok = stops.length > 15 && report.keyboard.without_ring.length === 0 && unlabelled.length === 0
    && activeOption === options[1] && picked?.codes?.length === 1 && activeOption.startsWith(picked.name);
  await kb.close();
} catch (e) {
  report.script_error = String(e && e.stack || e);
}
// publishing runs whatever happened above, and reports its own errors
if (process.env.RUMMET_PUBLISH_KEY) report.publish = await publish(browser);
report.timings.total_ms = Date.now() - started;
await browser.close();
console.log(JSON.stringify(report));
