// Switching between Swedish and English: the static texts, MapLibre's controls and every
// panel drawn from data.
import { setLang, getLang, applyI18n, maplibreLocale } from './i18n.js';
import { addControls, refresh } from './view.js';
import { renderGroups } from './panels/layers.js';
import { fillStatsForm } from './panels/stats.js';
import { renderCompareLayers, compareChoice } from './panels/compare.js';
import { renderPublish } from './panels/publish.js';
import { renderAccess } from './panels/access.js';

/** The language button names the other language, in that language. */
export function markLangButton() {
  document.getElementById('lang').setAttribute('lang', getLang() === 'sv' ? 'en' : 'sv');
}

export function switchLanguage(ctx) {
  setLang(getLang() === 'sv' ? 'en' : 'sv');
  applyI18n();
  markLangButton();
  addControls(ctx);
  ctx.map.getCanvas().setAttribute('aria-label', maplibreLocale()['Map.Title']);
  renderGroups(ctx);
  fillStatsForm(ctx);
  if (ctx.choro?.opts) ctx.choro.renderTable();
  if (ctx.compare) renderCompareLayers(ctx, ctx.compare.layers.length ? ctx.compare.layers : compareChoice());
  renderPublish(ctx);
  renderAccess(ctx);
  refresh(ctx);
}
