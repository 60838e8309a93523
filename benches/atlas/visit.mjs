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
  await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 60000 });
  const ready = Date.now() - t0;
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
    ready_ms: ready, idle_ms: idle,
    page_bytes: seen.filter(s => s.k === 'page').reduce((n, s) => n + s.bytes, 0),
    bytes_before_first_tile: beforeTiles.reduce((n, s) => n + s.bytes, 0), by_kind: byKind,
  });
  if (i === runs - 1) {
    await page.evaluate(() => window.atlas.selectRegion({ div: 'lan', codes: ['06'] }));
    const t1 = Date.now();
    await page.evaluate(() => window.atlas.choropleth({ ds: 'naturreservat', measure: 'share', by: 'kommun', scope: 'region', method: 'quantile', k: 5, where: '', palette: 'YlGn' }));
    const first = Date.now() - t1;
    const switches = [];
    for (let j = 0; j < 10; j++) {
      for (const measure of ['count', 'share']) {
        const t = Date.now();
        await page.evaluate(m => window.atlas.choropleth({ measure: m }), measure);
        await page.evaluate(() => window.atlas.idle());
        switches.push(Date.now() - t);
      }
    }
    const statsRequests = seen.filter(s => s.k === 'api').length;
    visits.at(-1).choropleth = { first_ms: first, cached_switch_median_ms: median(switches), cached_switch_max_ms: Math.max(...switches), api_requests_total: statsRequests };
  }
  await context.close();
}
await browser.close();
const last = visits.at(-1);
console.log(JSON.stringify({
  runs,
  ready_ms_median: median(visits.map(v => v.ready_ms)),
  idle_ms_median: median(visits.map(v => v.idle_ms)),
  page_bytes: last.page_bytes,
  bytes_before_first_tile: last.bytes_before_first_tile,
  by_kind: last.by_kind,
  choropleth: last.choropleth,
  visits: visits.map(v => ({ ready_ms: v.ready_ms, idle_ms: v.idle_ms })),
}, null, 1));
