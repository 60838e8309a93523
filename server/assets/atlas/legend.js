// Legend entries from a dataset's style: metadata["rummet:legend"] when the style has it,
// otherwise read from the layers' paint (literal colours, match/step/interpolate expressions).
import { t, dsTitle } from './i18n.js';
import { fieldInfo, num, escapeHtml } from './format.js';

const COLOUR_PROP = { fill: 'fill-color', line: 'line-color', circle: 'circle-color', symbol: 'text-color', 'fill-extrusion': 'fill-extrusion-color', heatmap: null };
const KIND = { fill: 'fill', 'fill-extrusion': 'fill', line: 'line', circle: 'circle', symbol: 'text' };

function isColour(v) { return typeof v === 'string'; }

/** [{label|null, colour}] from a colour value or expression. */
function fromExpression(expr, codeLabel) {
  if (isColour(expr)) return [{ label: null, color: expr }];
  if (!Array.isArray(expr)) return [];
  const op = expr[0];
  if (op === 'match') {
    const out = [];
    for (let i = 2; i < expr.length - 1; i += 2) {
      const keys = Array.isArray(expr[i]) ? expr[i] : [expr[i]];
      if (isColour(expr[i + 1])) out.push({ label: keys.map(k => codeLabel(k)).join(', '), color: expr[i + 1] });
    }
    if (isColour(expr[expr.length - 1])) out.push({ label: t('legend.other'), color: expr[expr.length - 1], other: true });
    return out;
  }
  if (op === 'step') {
    const zoom = Array.isArray(expr[1]) && expr[1][0] === 'zoom';
    if (zoom) return fromExpression(expr[expr.length - 1], codeLabel);
    const out = [];
    const stops = [];
    for (let i = 3; i < expr.length; i += 2) stops.push(expr[i]);
    if (isColour(expr[2])) out.push({ label: `< ${num(stops[0])}`, color: expr[2] });
    for (let s = 0; s < stops.length; s++) {
      const c = expr[4 + 2 * s];
      if (!isColour(c)) continue;
      const label = s + 1 < stops.length ? `${num(stops[s])}–${num(stops[s + 1])}` : `≥ ${num(stops[s])}`;
      out.push({ label, color: c });
    }
    return out;
  }
  if (op === 'interpolate') {
    const zoom = Array.isArray(expr[2]) && expr[2][0] === 'zoom';
    if (zoom) return fromExpression(expr[expr.length - 1], codeLabel);
    const out = [];
    for (let i = 3; i < expr.length; i += 2) if (isColour(expr[i + 1])) out.push({ label: num(expr[i]), color: expr[i + 1] });
    return out;
  }
  if (op === 'case') {
    for (let i = 2; i < expr.length; i += 2) if (isColour(expr[i])) return [{ label: null, color: expr[i] }];
    return isColour(expr[expr.length - 1]) ? [{ label: null, color: expr[expr.length - 1] }] : [];
  }
  return [];
}

/** A dataset's legend: { id, title, minzoom, items: [{label, color, kind, stroke?}] }. */
export function datasetLegend(ds, st) {
  const items = [];
  const layers = st.layers.filter(l => l.layout?.visibility !== 'none' || true);
  for (const l of layers) {
    const meta = l.metadata && l.metadata['rummet:legend'];
    if (Array.isArray(meta)) {
      for (const m of meta) items.push({ label: m.label, color: m.color, kind: m.kind || KIND[l.type] || 'fill', stroke: m.stroke });
    }
  }
  if (items.length === 0) {
    const fills = layers.filter(l => l.type === 'fill' || l.type === 'fill-extrusion');
    for (const l of layers) {
      const prop = COLOUR_PROP[l.type];
      if (!prop) continue;
      // a plain line over a plain fill of the same dataset is that fill's outline
      if (l.type === 'line' && fills.length && !l.filter && isColour(l.paint?.[prop])) {
        for (const it of items) if (it.kind === 'fill' && !it.stroke) it.stroke = l.paint[prop];
        continue;
      }
      const field = Array.isArray(l.paint?.[prop]) && Array.isArray(l.paint[prop][1]) && l.paint[prop][1][0] === 'get' ? l.paint[prop][1][1] : null;
      const info = field ? fieldInfo(ds.fields.find(f => f.name === field) || { name: field }) : null;
      const codeLabel = k => (info && info.codes && info.codes[String(k)]) || String(k);
      for (const e of fromExpression(l.paint?.[prop], codeLabel)) {
        const item = { label: e.label, color: e.color, kind: KIND[l.type] || 'fill' };
        if (l.type === 'circle' && isColour(l.paint?.['circle-stroke-color'])) item.stroke = l.paint['circle-stroke-color'];
        items.push(item);
      }
    }
  }
  const seen = new Set();
  const unique = items.filter(it => {
    const key = `${it.label}|${it.color}|${it.kind}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  for (const it of unique) if (!it.label) it.label = dsTitle(ds);
  return { id: ds.id, title: dsTitle(ds), minzoom: ds.minzoom || 0, items: unique };
}

// ---- the basemap's parts ---------------------------------------------------------------------

const BASE_ORDER = ['land', 'sea', 'lanBorder', 'kommunBorder'];

/** What a basemap layer shows: sea, land, län border, kommun border, or null (names etc.). */
function baseRole(l) {
  if (l.type === 'background') return 'sea';
  const sl = l['source-layer'];
  if (l.type === 'fill' && (sl === 'lan' || sl === 'kommun')) return 'land';
  if (l.type === 'line' && sl === 'lan') return 'lanBorder';
  if (l.type === 'line' && sl === 'kommun') return 'kommunBorder';
  return null;
}

/**
 * The basemap's legend: land, sea, län and kommun borders, from the style's
 * metadata["rummet:legend"] where it has it (label_en in English when given), else from the
 * layers' own colours. Returns { title, items }.
 */
export function basemapLegend(layers, lang) {
  const items = [];
  for (const l of layers || []) {
    const role = baseRole(l);
    const meta = l.metadata && l.metadata['rummet:legend'];
    const dash = l.type === 'line' && Array.isArray(l.paint?.['line-dasharray']);
    if (Array.isArray(meta) && meta.length) {
      for (const m of meta) {
        if (!m || !isColour(m.color)) continue;
        const own = lang === 'en' ? m.label_en : m.label;
        const label = own || (role ? t(`base.${role}`) : m.label);
        items.push({ role, label, color: m.color, kind: m.kind || KIND[l.type] || 'fill', stroke: m.stroke, dash });
      }
    } else if (role) {
      const prop = l.type === 'background' ? 'background-color' : COLOUR_PROP[l.type];
      const c = l.paint?.[prop];
      const colour = isColour(c) ? c : fromExpression(c, String)[0]?.color;
      if (colour) items.push({ role, label: t(`base.${role}`), color: colour, kind: l.type === 'line' ? 'line' : 'fill', dash });
    }
  }
  const rank = it => (BASE_ORDER.includes(it.role) ? BASE_ORDER.indexOf(it.role) : BASE_ORDER.length);
  const seen = new Set();
  const list = items.sort((a, b) => rank(a) - rank(b)).filter(it => !seen.has(it.role || it.label) && seen.add(it.role || it.label));
  return { title: t('layers.basemapGroup'), items: list };
}

export function swatchHtml(it) {
  const stroke = it.stroke ? `border-color:${it.stroke}` : '';
  return `<span class="sw sw-${escapeHtml(it.kind)}${it.dash ? ' sw-dash' : ''}" style="--c:${escapeHtml(it.color)};${stroke}" aria-hidden="true"></span>`;
}

/** Renders the map legend: the choropleth first, then visible layers top to bottom. */
export function renderLegend(el, model, zoom, onZoomIn) {
  const parts = [];
  if (model.choropleth) {
    const c = model.choropleth;
    parts.push(`<section class="lg-group"><h3>${escapeHtml(c.title)}</h3>
      ${c.subtitle ? `<p class="lg-sub">${escapeHtml(c.subtitle)}</p>` : ''}
      <ul>${c.items.map(it => `<li>${swatchHtml(it)}<span>${escapeHtml(it.label)}</span></li>`).join('')}</ul></section>`);
  }
  for (const g of model.layers) {
    const hidden = zoom < g.minzoom;
    parts.push(`<section class="lg-group${hidden ? ' lg-hidden' : ''}"><h3>${escapeHtml(g.title)}</h3>
      ${hidden ? `<p class="lg-sub">${escapeHtml(t('layers.minzoom', { z: g.minzoom }))} <button type="button" class="link" data-zoomin="${g.minzoom}">${escapeHtml(t('layers.zoomIn'))}</button></p>` : ''}
      <ul>${g.items.map(it => `<li>${swatchHtml(it)}<span>${escapeHtml(it.label)}</span></li>`).join('')}</ul></section>`);
  }
  if (model.region) {
    parts.push(`<section class="lg-group"><ul><li>${swatchHtml({ kind: 'line', color: model.region.color })}<span>${escapeHtml(model.region.label)}</span></li></ul></section>`);
  }
  if (model.base?.items.length) {
    parts.push(`<section class="lg-group lg-base"><h3>${escapeHtml(model.base.title)}</h3>
      <ul>${model.base.items.map(it => `<li>${swatchHtml(it)}<span>${escapeHtml(it.label)}</span></li>`).join('')}</ul></section>`);
  }
  if (parts.length === 0) parts.push(`<p class="lg-sub">${escapeHtml(t('legend.empty'))}</p>`);
  el.innerHTML = parts.join('');
  el.querySelectorAll('[data-zoomin]').forEach(b => b.addEventListener('click', () => onZoomIn(+b.dataset.zoomin)));
}
