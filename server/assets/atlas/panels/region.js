// The region panel: search for a kommun, län or FA-region, the pilot area, the selected
// region with its neighbours; a selection frames the map and may prefill the border zone.
import { t } from '../i18n.js';
import { notify, notifyError } from '../api.js';
import { regionIndex, findUnit, search, combobox, resolveRegion, highlight, PILOT, REGION_COLOUR } from '../regions.js';
import { escapeHtml } from '../format.js';
import { refresh } from '../view.js';
import { runChoropleth, readStatsForm } from './stats.js';

export async function selectRegion(ctx, region, { fit = true } = {}) {
  const { map } = ctx;
  if (!region) {
    ctx.region = null;
    highlight(map, ctx.catalog, null);
    renderRegionInfo(ctx);
    refresh(ctx);
    if ((ctx.choro?.opts || ctx.pendingChoro)?.scope === 'region') await runChoropleth(ctx, readStatsForm());
    return null;
  }
  const r = await resolveRegion(ctx.catalog, region);
  if (r.missing?.length) notify(t('notice.missing', { what: r.missing.join(', ') }), 'warning');
  if (!r.codes) return null;
  ctx.region = r;
  highlight(map, ctx.catalog, r);
  if (fit) map.fitBounds([[r.frame[0], r.frame[1]], [r.frame[2], r.frame[3]]], { padding: { top: 40, bottom: 40, left: 40, right: 40 }, duration: 600 });
  renderRegionInfo(ctx);
  // the pilot's first pair of neighbours is the obvious border zone
  if (!ctx.border && r.codes.length >= 2) prefillBorder(ctx, `${r.div}:${r.codes[1]}`, `${r.div}:${r.codes[2] || r.codes[0]}`);
  else if (!ctx.border && r.neighbours[0]) prefillBorder(ctx, `${r.div}:${r.codes[0]}`, `${r.div}:${r.neighbours[0].code}`);
  refresh(ctx);
  if ((ctx.choro?.opts || ctx.pendingChoro)?.scope === 'region') await runChoropleth(ctx, readStatsForm());
  return r;
}

export function renderRegionInfo(ctx) {
  const el = document.getElementById('region-info');
  const r = ctx.region;
  const label = document.getElementById('scope-region-label');
  if (!r) {
    el.innerHTML = `<p class="hint">${escapeHtml(t('region.none'))}</p>`;
    label.textContent = t('stats.scopeRegionNone');
    return;
  }
  label.textContent = t('stats.scopeRegion', { name: r.names.join(', ') });
  el.innerHTML = `<h3>${escapeHtml(t('region.selected'))}</h3>
    <p class="region-name"><span class="sw sw-line" style="--c:${REGION_COLOUR}" aria-hidden="true"></span>${escapeHtml(r.names.join(', '))} <span class="opt-sub">${escapeHtml(t(`div.${r.div}`))}</span></p>
    ${r.neighbours.length ? `<h3>${escapeHtml(t('region.neighbours'))}</h3><ul class="chips">${r.neighbours.map(n =>
      `<li><button type="button" class="chip" data-div="${escapeHtml(r.div)}" data-code="${escapeHtml(n.code)}">${escapeHtml(n.name)}</button></li>`).join('')}</ul>` : ''}
    <p><button type="button" id="region-clear" class="btn">${escapeHtml(t('region.clear'))}</button></p>`;
}

export function wireRegionPanel(ctx) {
  const opts = async q => {
    const index = await regionIndex(ctx.catalog);
    ctx.regionUnits = index;
    return search(index, q).map(u => ({ ...u, label: u.name, sub: t(`div.${u.div}`) }));
  };
  // the units' names are fetched when a search box is first used, not at start
  for (const id of ['region-input', 'bz-a', 'bz-b']) {
    document.getElementById(id).addEventListener('focus', () => { opts(''); }, { once: true });
  }
  combobox(document.getElementById('region-input'), document.getElementById('region-list'), opts,
    u => selectRegion(ctx, { div: u.div, codes: [u.code] }).catch(notifyError));
  document.getElementById('pilot').addEventListener('click', () => selectRegion(ctx, PILOT).catch(notifyError));
  document.getElementById('region-info').addEventListener('click', e => {
    const chip = e.target.closest('.chip');
    if (chip) selectRegion(ctx, { div: chip.dataset.div, codes: [chip.dataset.code] }).catch(notifyError);
    if (e.target.id === 'region-clear') selectRegion(ctx, null).catch(notifyError);
  });
  // border zone pickers share the search
  for (const id of ['bz-a', 'bz-b']) {
    combobox(document.getElementById(id), document.getElementById(`${id}-list`), opts, u => {
      document.getElementById(id).dataset.unit = `${u.div}:${u.code}`;
    });
  }
}

async function prefillBorder(ctx, a, b) {
  for (const [id, unit] of [['bz-a', a], ['bz-b', b]]) {
    const el = document.getElementById(id);
    if (el.dataset.unit) continue;
    const u = await findUnit(ctx.catalog, unit).catch(() => null);
    if (u && !el.dataset.unit) { el.value = u.name; el.dataset.unit = unit; }
  }
}
