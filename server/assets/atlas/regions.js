// Regions: a keyboard-operable search (ARIA combobox) over kommun, län and FA-region names,
// and choosing one: frame it with its neighbours and highlight its border.
//
// Names and codes come from the statistics API (one small request per division, no
// geometry: /api/stats/<other>?by=<division>&measure=count lists every unit with its name).
// The chosen unit's own outline comes from OGC API Features (/collections/<div>/items?<code
// field>=<code>&properties=<code field>), its bbox and neighbours from one bbox query.
import { getJSON } from './api.js';
import { t } from './i18n.js';
import { escapeHtml } from './format.js';

export const PILOT = { div: 'lan', codes: ['05', '06', '08'] };
export const REGION_COLOUR = '#8e1b4f';

let indexPromise = null;

/** Every unit of every division: [{div, code, name, key}] (key: folded for search). */
export function regionIndex(catalog) {
  if (!indexPromise) {
    const divs = Object.keys(catalog.divisions);
    indexPromise = Promise.all(divs.map(async div => {
      const other = divs.find(d => d !== div) || catalog.thematic[0]?.id;
      if (!other) return [];
      try {
        const ans = await getJSON(`/api/stats/${other}?by=${div}&measure=count`);
        return ans.rows.map(r => ({ div, code: r.code, name: r.name, key: fold(r.name) }));
      } catch {
        return [];
      }
    })).then(lists => lists.flat());
  }
  return indexPromise;
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
  const render = async () => {
    items = await options(input.value);
    active = -1;
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
      active = Math.min(items.length - 1, active + 1); paint();
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      active = Math.max(0, active - 1); paint();
    } else if (e.key === 'Enter') {
      if (!list.hidden && items.length) { e.preventDefault(); pick(active < 0 ? 0 : active); }
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

// ---- geometry helpers ---------------------------------------------------------------------

function eachCoord(geom, fn) {
  const walk = c => (typeof c[0] === 'number' ? fn(c) : c.forEach(walk));
  if (geom && geom.coordinates) walk(geom.coordinates);
}

export function bboxOf(features) {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  for (const f of features) {
    eachCoord(f.geometry, ([x, y]) => {
      if (x < b[0]) b[0] = x; if (y < b[1]) b[1] = y;
      if (x > b[2]) b[2] = x; if (y > b[3]) b[3] = y;
    });
  }
  return Number.isFinite(b[0]) ? b : null;
}

const CELL = 0.004;
function cellKey(x, y) { return `${Math.round(x / CELL)}/${Math.round(y / (CELL / 2))}`; }

/** Units whose boundary comes within a few hundred metres of the chosen ones. */
function touching(chosen, candidates) {
  const grid = new Set();
  for (const f of chosen) eachCoord(f.geometry, ([x, y]) => grid.add(cellKey(x, y)));
  const near = (x, y) => {
    const cx = Math.round(x / CELL);
    const cy = Math.round(y / (CELL / 2));
    for (let dx = -1; dx <= 1; dx++) for (let dy = -1; dy <= 1; dy++) if (grid.has(`${cx + dx}/${cy + dy}`)) return true;
    return false;
  };
  return candidates.filter(f => {
    let hit = false;
    eachCoord(f.geometry, ([x, y]) => { if (!hit && near(x, y)) hit = true; });
    return hit;
  });
}

/**
 * Resolves a region: its units' names, bbox, and neighbours (unit and bbox). Unknown codes
 * are returned in `missing`.
 */
export async function resolveRegion(catalog, region) {
  const div = catalog.divisions[region.div];
  if (!div) return { missing: [`${region.div}:${region.codes.join(',')}`] };
  const base = `/collections/${region.div}/items`;
  const got = await Promise.all(region.codes.map(code =>
    getJSON(`${base}?${div.code}=${encodeURIComponent(code)}&properties=${div.code},${div.name}&limit=5`)
      .then(fc => fc.features.filter(f => String(f.properties[div.code]) === code))));
  const missing = region.codes.filter((c, i) => got[i].length === 0).map(c => `${region.div}:${c}`);
  const chosen = got.flat();
  if (chosen.length === 0) return { missing };
  const codes = [...new Set(chosen.map(f => String(f.properties[div.code])))];
  const names = codes.map(c => chosen.find(f => String(f.properties[div.code]) === c).properties[div.name]);
  const bbox = bboxOf(chosen);
  const padX = (bbox[2] - bbox[0]) * 0.02 + 0.01;
  const padY = (bbox[3] - bbox[1]) * 0.02 + 0.01;
  const box = [bbox[0] - padX, bbox[1] - padY, bbox[2] + padX, bbox[3] + padY].map(v => v.toFixed(4)).join(',');
  let neighbours = [];
  let frame = bbox;
  try {
    const fc = await getJSON(`${base}?bbox=${box}&properties=${div.code},${div.name}&limit=1000`);
    const cands = fc.features.filter(f => !codes.includes(String(f.properties[div.code])));
    const nb = touching(chosen, cands);
    neighbours = nb.map(f => ({ code: String(f.properties[div.code]), name: f.properties[div.name] }))
      .sort((a, b) => a.name.localeCompare(b.name, 'sv'));
    // frame the chosen units with their neighbours, but not the whole of a huge neighbour
    const nbox = bboxOf(nb);
    if (nbox) {
      const w = bbox[2] - bbox[0];
      const h = bbox[3] - bbox[1];
      frame = [
        Math.max(nbox[0], bbox[0] - w * 0.6), Math.max(nbox[1], bbox[1] - h * 0.6),
        Math.min(nbox[2], bbox[2] + w * 0.6), Math.min(nbox[3], bbox[3] + h * 0.6),
      ];
      frame = [Math.min(frame[0], bbox[0]), Math.min(frame[1], bbox[1]), Math.max(frame[2], bbox[2]), Math.max(frame[3], bbox[3])];
    }
  } catch { /* neighbours are a nicety; the region itself is framed */ }
  return { div: region.div, codes, names, bbox, frame, neighbours, missing };
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
