// A web map on another origin using Rummet's style: this script serves a tiny page and the
// vendored MapLibre GL JS from its own HTTP server (a second origin, another port), opens it in
// headless Chromium, lets MapLibre load http://<rummet>/styles/<dataset>.json, its TileJSON and
// tiles cross-origin, waits until the map is idle, and prints what was drawn and every error
// (page errors, console errors, failed requests) as JSON.
// Usage: node maplibre_cross_origin.mjs <rummet-base-url> <dataset> <maplibre-gl-dir>
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';

// playwright-core lives in tests/browser/node_modules; resolve it from there.
const require = createRequire(new URL('../browser/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const [rummet, dataset, maplibreDir] = process.argv.slice(2);
if (!rummet || !dataset || !maplibreDir) {
  console.error('usage: node maplibre_cross_origin.mjs <rummet-base-url> <dataset> <maplibre-gl-dir>');
  process.exit(2);
}
const styleUrl = `${rummet.replace(/\/$/, '')}/styles/${dataset}.json`;

const page = `<!doctype html>
<html><head><meta charset="utf-8"><title>another origin</title>
<link rel="stylesheet" href="/maplibre-gl.css">
<style>html, body, #map { margin: 0; width: 100%; height: 100%; }</style>
<script src="/maplibre-gl.js"></script></head>
<body><div id="map"></div>
<script>
  window.report = { idle: false, errors: [] };
  const map = new maplibregl.Map({ container: 'map', style: ${JSON.stringify(styleUrl)},
    center: [16.5, 62.5], zoom: 3.6, attributionControl: false });
  window.map = map;
  map.on('error', e => window.report.errors.push(String((e && e.error && e.error.message) || e)));
  map.once('idle', () => { window.report.idle = true; });
</script></body></html>`;

const files = {
  '/maplibre-gl.js': 'application/javascript',
  '/maplibre-gl.css': 'text/css',
};
const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname === '/') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page);
  } else if (url.pathname === '/favicon.ico') {
    res.writeHead(204);
    res.end();
  } else if (files[url.pathname]) {
    res.writeHead(200, { 'content-type': files[url.pathname] });
    res.end(await readFile(path.join(maplibreDir, url.pathname.slice(1))));
  } else {
    res.writeHead(404);
    res.end();
  }
});
await new Promise(resolve => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${server.address().port}`;

const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const browser = await chromium.launch({
  executablePath,
  args: ['--no-sandbox', '--disable-gpu', '--enable-unsafe-swiftshader', '--disable-quic',
    '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const errors = [];
const console_errors = [];
const failed = [];
const rummetRequests = [];
try {
  const tab = await browser.newPage({ viewport: { width: 800, height: 600 } });
  tab.on('pageerror', e => errors.push(String(e)));
  tab.on('console', m => {
    if (m.type() === 'error') console_errors.push(`${m.text()} (${m.location().url || 'page'})`);
  });
  tab.on('requestfailed', r => failed.push(`${r.url()}: ${r.failure()?.errorText}`));
  tab.on('response', r => {
    if (r.status() >= 400) failed.push(`${r.url()}: HTTP ${r.status()}`);
    if (r.url().startsWith(rummet)) {
      rummetRequests.push({ url: r.url(), status: r.status(), acao: r.headers()['access-control-allow-origin'] ?? null });
    }
  });
  await tab.goto(`${origin}/`, { waitUntil: 'load' });
  let idle = true;
  try {
    await tab.waitForFunction(() => window.report.idle, null, { timeout: 30000 });
  } catch {
    idle = false;
  }
  const drawn = await tab.evaluate(() => window.map.queryRenderedFeatures().length);
  const sourceLayers = await tab.evaluate(() =>
    [...new Set(window.map.queryRenderedFeatures().map(f => f.sourceLayer).filter(Boolean))]);
  const mapErrors = await tab.evaluate(() => window.report.errors);
  console.log(JSON.stringify({
    page_origin: origin, style: styleUrl, idle, drawn, source_layers: sourceLayers,
    rummet_requests: rummetRequests, errors, console_errors, map_errors: mapErrors, failed,
  }));
} finally {
  await browser.close();
  server.close();
}
