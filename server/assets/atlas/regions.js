// Regions: a keyboard-operable search (ARIA combobox) over kommun, län and FA-region names,
// and choosing one: frame it with its neighbours and highlight its border.
//
// Everything comes from GET /api/divisions/{division} (no geometry, cached by the server and
// here per URL): each unit's code, name, bbox (WGS 84), an inner point and the codes of the
// units sharing a border. A division's list is fetched when first needed (a search, a link
// naming a region or a border zone), not at start.
import { getJSON } from './api.js';
import { t } from './i18n.js';
import { escapeHtml } from './format.js';

export const PILOT = { div: 'lan', codes: ['05', '06', '08'] };
export const REGION_COLOUR = '#8e1b4f';

const lists = new Map();

/**
 * One division's units: [{div, code, name, key, bbox, point, neighbours, area_m2}] (key: folded
 * for search), with `byCode`. Rejects when the request fails (not kept, so a retry asks again).
 */
export function divisionUnits(div) {
  if (!lists.has(div)) {
    const p = getJSON(`/api/divisions/${encodeURIComponent(div)}`).then(ans => {
      const units = ans.units.map(u => ({ ...u, div, code: String(u.code), key: fold(u.name) }));
      units.byCode = new Map(units.map(u => [u.code, u]));
      return units;
    });
    lists.set(div, p);
    p.catch(() => lists.delete(div));
  }
  return lists.get(div);
}

/** Every unit of every loaded division (a division whose request fails is left out). */
export async function regionIndex(catalog) {
  const got = await Promise.allSettled(Object.keys(catalog.divisions).map(divisionUnits));
  return got.flatMap(g => (g.status === 'fulfilled' ? g.value : []));
}

/** A unit by "div:code", or null. */
export async function findUnit(catalog, unit) {
  const [div, code] = String(unit).split(':');
  if (!catalog.divisions[div] || !code) return null;
  return (await divisionUnits(div)).byCode.get(code) || null;
}

export function fold(s) {
  return String(s).toLocaleLowerCase('sv').normalize('NFD').replace(/[\u0300-\u036f]/g, '');
}

export function search(index, q, limit = 12) {
  const k = fold(q.trim());
  if (!k) return [];
  const order = { lan: 0, fa: 2, kommun: 1 };
  const starts = [];
  const inside = [];
  for (const u of index) {
    if (u.key.startsWith(k) || u.code === q.trim()) starts.push(u);
    else if (u.key.includes(k)) inside.push(u);
  }
  const by = (a, b) => order[a.div] - order[b.div] || a.name.localeCompare(b.name, 'sv');
  return [...starts.sort(by), ...inside.sort(by)].slice(0, limit);
}

/**
 * An ARIA 1.2 combobox with a listbox popup: typing filters, ArrowDown/ArrowUp move,
 * Enter picks, Escape closes. options(q) returns [{id, label, sub}] (maybe a promise).
 */
export function combobox(input, list, options, onPick) {
  let items = [];
  let active = -1;
  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-expanded', 'false');
  input.setAttribute('aria-controls', list.id);
  input.setAttribute('autocomplete', 'off');
  list.setAttribute('role', 'listbox');
  list.hidden = true;

  const close = () => {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  };
  const paint = () => {
    list.querySelectorAll('[role=option]').forEach((el, i) => {
      el.setAttribute('aria-selected', String(i === active));
      if (i === active) {
        input.setAttribute('aria-activedescendant', el.id);
        el.scrollIntoView({ block: 'nearest' });
      }
    });
  };
  let seq = 0;
  let inflight = null;
  const render = () => {
    const p = show().catch(() => {});
    inflight = p;
    p.then(() => { if (inflight === p) inflight = null; });
    return p;
  };
  const show = async () => {
    const mine = ++seq;
    const got = await options(input.value);
    if (mine !== seq) return; // a later keystroke has asked again
    items = got;
    active = -1;
    input.removeAttribute('aria-activedescendant');
    if (!input.value.trim()) { close(); return; }
    list.innerHTML = items.length
      ? items.map((it, i) => `<li role="option" id="${list.id}-o${i}" aria-selected="false" data-i="${i}">${escapeHtml(it.label)} <span class="opt-sub">${escapeHtml(it.sub || '')}</span></li>`).join('')
      : `<li class="opt-none" aria-disabled="true">${escapeHtml(t('region.noMatch'))}</li>`;
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
  };
  const pick = i => {
    const it = items[i];
    if (!it) return;
    input.value = it.label;
    close();
    onPick(it);
  };
  input.addEventListener('input', render);
  input.addEventListener('keydown', e => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      if (list.hidden) { render(); return; }
      if (!items.length) return;
      active = active >= items.length - 1 ? 0 : active + 1; paint();
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      if (list.hidden) { render(); return; }
      if (!items.length) return;
      active = active <= 0 ? items.length - 1 : active - 1; paint();
    } else if (e.key === 'Enter') {
      const now = () => !list.hidden && items.length > 0;
      if (inflight) { // typed faster than the list came: pick from the list being made
        e.preventDefault();
        inflight.then(() => { if (now()) pick(active < 0 ? 0 : active); });
      } else if (now()) { e.preventDefault(); pick(active < 0 ? 0 : active); }
    } else if (e.key === 'Escape') {
      if (!list.hidden) { e.preventDefault(); close(); }
    }
  });
  list.addEventListener('mousedown', e => e.preventDefault());
  list.addEventListener('click', e => {
    const li = e.target.closest('[role=option]');
    if (li) pick(+li.dataset.i);
  });
  input.addEventListener('blur', () => setTimeout(close, 100));
  return { close };
}

// ---- resolving a region ----------------------------------------------------------------------

function union(boxes) {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  for (const x of boxes) {
    if (!x) continue;
    b[0] = Math.min(b[0], x[0]); b[1] = Math.min(b[1], x[1]);
    b[2] = Math.max(b[2], x[2]); b[3] = Math.max(b[3], x[3]);
  }
  return Number.isFinite(b[0]) ? b : null;
}

/**
 * Resolves a region: its units' names, bbox, neighbours ({code, name}, the units sharing a
 * border with any of them) and the box to frame: one unit with its neighbours, several units
 * (the pilot area) by themselves. Unknown codes are returned in `missing`.
 */
export async function resolveRegion(catalog, region) {
  if (!catalog.divisions[region.div]) return { missing: [`${region.div}:${region.codes.join(',')}`] };
  const units = await divisionUnits(region.div);
  const codes = [...new Set(region.codes)];
  const missing = codes.filter(c => !units.byCode.has(c)).map(c => `${region.div}:${c}`);
  const chosen = codes.map(c => units.byCode.get(c)).filter(Boolean);
  if (chosen.length === 0) return { missing };
  const own = new Set(chosen.map(u => u.code));
  const nbCodes = [...new Set(chosen.flatMap(u => u.neighbours || []))].filter(c => !own.has(c));
  const nb = nbCodes.map(c => units.byCode.get(c)).filter(Boolean);
  const neighbours = nb.map(u => ({ code: u.code, name: u.name })).sort((a, b) => a.name.localeCompare(b.name, 'sv'));
  const bbox = union(chosen.map(u => u.bbox));
  const frame = chosen.length === 1 ? union([bbox, ...nb.map(u => u.bbox)]) : bbox;
  return {
    div: region.div, codes: chosen.map(u => u.code), names: chosen.map(u => u.name),
    bbox, frame, neighbours, missing,
  };
}

export const REGION_LAYERS = ['region-dim', 'region-nb-line', 'region-casing', 'region-line'];

/** Draws (or clears, with r = null) the region highlight on the divisions source. */
export function highlight(map, catalog, r) {
  for (const id of REGION_LAYERS) if (map.getLayer(id)) map.removeLayer(id);
  if (!r || !r.codes) return;
  const code = ['get', catalog.divisions[r.div].code];
  const sel = ['literal', r.codes];
  const nb = ['literal', r.neighbours.map(n => n.code)];
  const src = { source: 'divisions', 'source-layer': r.div };
  map.addLayer({ id: 'region-dim', type: 'fill', ...src, filter: ['!', ['in', code, ['literal', [...r.codes, ...r.neighbours.map(n => n.code)]]]], paint: { 'fill-color': '#ffffff', 'fill-opacity': 0.55 } });
  map.addLayer({ id: 'region-nb-line', type: 'line', ...src, filter: ['in', code, nb], layout: { 'line-join': 'round' }, paint: { 'line-color': '#4f463b', 'line-width': 1.2, 'line-dasharray': [3, 2] } });
  map.addLayer({ id: 'region-casing', type: 'line', ...src, filter: ['in', code, sel], layout: { 'line-join': 'round' }, paint: { 'line-color': '#ffffff', 'line-width': 6, 'line-opacity': 0.85 } });
  map.addLayer({ id: 'region-line', type: 'line', ...src, filter: ['in', code, sel], layout: { 'line-join': 'round' }, paint: { 'line-color': REGION_COLOUR, 'line-width': 3 } });
}
