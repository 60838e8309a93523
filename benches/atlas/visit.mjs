// A planner's first visit to the atlas in headless Chromium, measured: bytes transferred
// (as sent, gzip) before any tile, by kind; time until the atlas is interactive (its
// `data-ready`) and until the map is first idle; requests by kind (tiles, glyphs, statistics,
// page); then a choropleth (naturreservat share by kommun in län 06): the first answer, and
// switching measure and back once the answers are cached, N times, as the median.
// Usage: node benches/atlas/visit.mjs <base-url> [runs]
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../tests/browser/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const [baseArg, runsArg] = process.argv.slice(2);
const base = baseArg.endsWith('/') ? baseArg : `${baseArg}/`;
const runs = Number(runsArg || 5);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--enable-unsafe-swiftshader', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const kind = url => (url.includes('/tiles/') && url.endsWith('.mvt') ? 'tiles'
  : url.includes('/fonts/') || url.includes('/sprites/') ? 'glyphs_sprites'
    : url.includes('/api/') ? 'api' : 'page');
const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const visits = [];
for (let i = 0; i < runs; i++) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const seen = [];
  let firstTile = null;
  page.on('requestfinished', async req => {
    const url = req.url();
    const k = kind(url);
    const at = Date.now();
    if (k === 'tiles' && firstTile === null) firstTile = at;
    const sizes = await req.sizes().catch(() => null);
    seen.push({ k, at, bytes: sizes ? sizes.responseBodySize + sizes.responseHeadersSize : 0 });
  });
  const t0 = Date.now();
  await page.goto(base, { waitUntil: 'load' });
  // Interactive: the panels are wired and list the datasets (the map still drawing).
  await page.waitForFunction(() => document.querySelectorAll('[data-toggle]').length > 0, null, { timeout: 60000, polling: 10 });
  const interactive = Date.now() - t0;
  await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 60000 });
  const ready = Date.now() - t0;
  const nav = await page.evaluate(() => {
    const n = performance.getEntriesByType('navigation')[0];
    return { dom_content_loaded_ms: Math.round(n.domContentLoadedEventEnd), load_ms: Math.round(n.loadEventEnd) };
  });
  await page.evaluate(() => window.atlas.idle());
  const idle = Date.now() - t0;
  const beforeTiles = seen.filter(s => s.k === 'page' && (firstTile === null || s.at <= firstTile));
  const byKind = {};
  for (const s of seen) {
    byKind[s.k] ??= { requests: 0, bytes: 0 };
    byKind[s.k].requests++;
    byKind[s.k].bytes += s.bytes;
  }
  visits.push({
    interactive_ms: interactive, ready_ms: ready, idle_ms: idle, ...nav,
    page_bytes: seen.filter(s => s.k === 'page').reduce((n, s) => n + s.bytes, 0),
    bytes_before_first_tile: beforeTiles.reduce((n, s) => n + s.bytes, 0), by_kind: byKind,
  });
  if (i === runs - 1) {
    await page.evaluate(() => window.atlas.selectRegion({ div: 'lan', codes: ['06'] }));
    const t1 = Date.now();
    await page.evaluate(() => window.atlas.choropleth({ ds: 'naturreservat', measure: 'share', by: 'kommun', scope: 'region', method: 'quantile', k: 5, where: '', palette: 'YlGn' }));
    const first = Date.now() - t1;
    // Per switch: the atlas's own work (the cached answer, classes, feature state, legend,
    // table) and the time until the map is idle again (drawn, every label placed; here by
    // Chromium's software renderer, SwiftShader, as the machine has no GPU).
    const apply = []; const settled = [];
    for (let j = 0; j < 10; j++) {
      for (const measure of ['count', 'share']) {
        const t = await page.evaluate(async m => {
          const t0 = performance.now();
          const out = await window.atlas.choropleth({ measure: m });
          return { apply: out.ms, idle: performance.now() - t0 };
        }, measure);
        apply.push(t.apply); settled.push(t.idle);
      }
    }
    const statsRequests = seen.filter(s => s.k === 'api').length;
    const r = x => Math.round(x * 10) / 10;
    visits.at(-1).choropleth = {
      first_ms: first, switch_apply_median_ms: r(median(apply)), switch_apply_max_ms: r(Math.max(...apply)),
      switch_idle_median_ms: r(median(settled)), api_requests_total: statsRequests,
    };
  }
  await context.close();
}
await browser.close();
const last = visits.at(-1);
console.log(JSON.stringify({
  runs,
  interactive_ms_median: median(visits.map(v => v.interactive_ms)),
  ready_ms_median: median(visits.map(v => v.ready_ms)),
  idle_ms_median: median(visits.map(v => v.idle_ms)),
  dom_content_loaded_ms_median: median(visits.map(v => v.dom_content_loaded_ms)),
  load_ms_median: median(visits.map(v => v.load_ms)),
  page_bytes: last.page_bytes,
  bytes_before_first_tile: last.bytes_before_first_tile,
  by_kind: last.by_kind,
  choropleth: last.choropleth,
  visits: visits.map(v => ({ interactive_ms: v.interactive_ms, ready_ms: v.ready_ms, load_ms: v.load_ms })),
}, null, 1));
