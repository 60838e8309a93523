// Opens Rummet's landing page in headless Chromium, waits until MapLibre has drawn the first
// dataset from real tiles, switches to the kommun layer, and prints what was rendered as JSON.
// Usage: node landing.mjs <base-url> <screenshot.png>
import { chromium } from 'playwright-core';

const [base, screenshot] = process.argv.slice(2);
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const browser = await chromium.launch({
  executablePath,
  args: ['--no-sandbox', '--disable-gpu', '--enable-unsafe-swiftshader', '--disable-quic',
    '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const errors = [];
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  page.on('pageerror', e => errors.push(String(e)));
  await page.goto(base, { waitUntil: 'load' });
  const listed = await page.locator('.dataset').evaluateAll(els => els.map(e => e.dataset.id));
  await page.waitForFunction(() => document.body.dataset.shown === 'fa', null, { timeout: 30000 });
  const fa = await page.evaluate(() => window.rummet.map.queryRenderedFeatures().length);
  await page.click('.dataset[data-id="kommun"]');
  await page.waitForFunction(() => document.body.dataset.shown === 'kommun', null, { timeout: 30000 });
  const names = await page.evaluate(() => [...new Set(window.rummet.map.queryRenderedFeatures()
    .filter(f => f.sourceLayer === 'kommun').map(f => f.properties.kommun))]);
  // A click on Stockholm opens a popup with its attributes.
  const point = await page.evaluate(() => window.rummet.map.project([18.07, 59.33]));
  const box = await page.locator('#map').boundingBox();
  await page.mouse.click(box.x + point.x, box.y + point.y);
  const popup = await page.locator('.maplibregl-popup-content').innerText({ timeout: 10000 });
  if (screenshot) await page.screenshot({ path: screenshot });
  console.log(JSON.stringify({ listed, fa, names, popup, errors }));
} finally {
  await browser.close();
}
