// The compare panel: which layers the right map shows, and the swipe on and off (the
// comparison itself, ../compare.js, is loaded on first use).
import { t, dsTitle } from '../i18n.js';
import { notifyError } from '../api.js';
import { divisionsSource } from '../basemap.js';
import { escapeHtml } from '../format.js';
import { GLYPHS, SPRITE, refresh } from '../view.js';

export function renderCompareLayers(ctx, selected) {
  const el = document.getElementById('compare-layers');
  el.innerHTML = ctx.catalog.thematic.map(ds => `<label class="inline block"><input type="checkbox" value="${escapeHtml(ds.id)}" ${selected.includes(ds.id) ? 'checked' : ''}> ${escapeHtml(dsTitle(ds))}</label>`).join('');
}

export function compareChoice() {
  return [...document.querySelectorAll('#compare-layers input:checked')].map(i => i.value);
}

export async function setCompare(ctx, ids) {
  const btn = document.getElementById('compare-toggle');
  if (!ids) {
    ctx.compare?.close();
    btn.setAttribute('aria-pressed', 'false');
    btn.textContent = t('compare.on');
    refresh(ctx);
    return;
  }
  if (!ctx.compare) {
    const { Compare } = await import('../compare.js');
    ctx.compare = new Compare(ctx);
  }
  renderCompareLayers(ctx, ids);
  await ctx.compare.open(ids);
  btn.setAttribute('aria-pressed', 'true');
  btn.textContent = t('compare.off');
  refresh(ctx);
}

export function wireComparePanel(ctx) {
  /** A style for the right map: the same basemap and divisions source. */
  ctx.baseStyle = () => ({
    version: 8, glyphs: GLYPHS, sprite: SPRITE,
    sources: {
      divisions: divisionsSource(ctx.catalog), ...ctx.basemap.sources,
      ...(ctx.labels ? { labels: { type: 'geojson', data: ctx.labels.data() } } : {}),
    },
    layers: ctx.basemap.layers,
  });
  const shown = ctx.stack.shown();
  const other = ctx.catalog.thematic.find(d => !shown.includes(d.id));
  renderCompareLayers(ctx, other ? [other.id] : []);
  document.getElementById('compare-toggle').addEventListener('click', () => {
    (ctx.compare?.active ? setCompare(ctx, null) : setCompare(ctx, compareChoice())).catch(notifyError);
  });
  document.getElementById('compare-layers').addEventListener('change', () => {
    if (ctx.compare?.active) ctx.compare.setLayers(compareChoice()).then(() => refresh(ctx)).catch(notifyError);
  });
}
