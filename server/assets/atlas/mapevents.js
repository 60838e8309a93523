// The map's own events: the choropleth's hover tooltip, popups on click, the URL and legend
// following the view, and failed tile requests said as notices.
import { t } from './i18n.js';
import { notify } from './api.js';
import { popupHtml } from './popup.js';
import { measureLabel } from './choropleth.js';
import { escapeHtml, statValue, num } from './format.js';
import { syncUrl, updateLegend } from './view.js';
import { renderStack } from './panels/layers.js';

export function wireMapEvents(ctx) {
  const { map } = ctx;
  const tip = document.getElementById('tooltip');
  map.on('mousemove', e => {
    if (!ctx.choro?.opts || !map.getLayer('choro-fill')) return;
    const f = map.queryRenderedFeatures(e.point, { layers: ['choro-fill'] })[0];
    const info = ctx.choro.hover(f);
    if (!info) { tip.hidden = true; map.getCanvas().style.cursor = ''; return; }
    tip.innerHTML = `<strong>${escapeHtml(info.name)}</strong><br>${escapeHtml(info.value)}${info.features != null ? ` · ${escapeHtml(t('tooltip.features', { n: num(info.features, 0) }))}` : ''}`;
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
      // one composite source: the dataset is the feature's source-layer
      const id = ctx.catalog.byId.has(f.sourceLayer) ? f.sourceLayer : f.source.replace(/^ds-/, '');
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
  map.on('moveend', () => syncUrl(ctx));
  map.on('zoomend', () => { updateLegend(ctx); renderStack(ctx); });
  map.on('error', e => {
    const status = e.error?.status;
    // a missing tile is normal (204); an unreachable server is not
    if (e.error && (status == null || status >= 500 || status === 0) && !/AbortError/.test(String(e.error))) {
      notify(t('notice.failed', { msg: e.error.message || String(e.error) }));
    }
  });
}
