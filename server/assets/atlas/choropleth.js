// Statistics as maps: /api/stats answers joined to the division tiles by feature-state on the
// shared `divisions` source (promoteId = the unit code), so switching measure or
// classification never fetches geometry; answers are cached per URL (api.js).
import { getJSON } from './api.js';
import { classify, colours } from './classify.js';
import { t, dsTitle, getLang } from './i18n.js';
import { statValue, scaleFor, num, escapeHtml, fieldInfo } from './format.js';

export const CHORO_LAYERS = ['choro-fill', 'choro-line', 'choro-hover'];
const NONE = 'rgba(0,0,0,0)';

export function measureLabel(ds, measure) {
  const [m, f] = measure.split(':');
  if (f) {
    const field = ds?.fields.find(x => x.name === f);
    const label = field ? fieldInfo(field).label : f;
    return t(`measure.${m}`, { f: label });
  }
  return t(`measure.${m}`);
}

export const MAX_IN = 50;

/**
 * The request answering a choropleth. A region scope is one request with every unit of the
 * region in `in=` (answered as one question, so the total is of those units together); by the
 * region's own division it shows the region with its neighbours. Over 50 units (only from a
 * hand-made link) it is split and merged here.
 */
export function statsUrls(opts, region) {
  const q = new URLSearchParams({ by: opts.by, measure: opts.measure });
  if (opts.where) q.set('where', opts.where);
  const base = `/api/stats/${encodeURIComponent(opts.ds)}`;
  if (opts.scope !== 'region' || !region?.codes?.length) return { urls: [`${base}?${q}`] };
  const codes = region.div === opts.by ? [...region.codes, ...region.neighbours.map(n => n.code)] : region.codes;
  const urls = [];
  for (let i = 0; i < codes.length; i += MAX_IN) {
    const p = new URLSearchParams(q);
    p.set('in', codes.slice(i, i + MAX_IN).map(c => `${region.div}:${c}`).join(','));
    urls.push(`${base}?${p.toString().replace(/%2C/g, ',').replace(/%3A/g, ':')}`);
  }
  return { urls };
}

/** Fetches the rows of a choropleth (cached per URL). */
export async function fetchStats(opts, region) {
  const { urls } = statsUrls(opts, region);
  const answers = await Promise.all(urls.map(getJSON));
  const first = answers[0];
  if (answers.length === 1) return { rows: first.rows.slice(), unit: first.unit, total: first.totals?.value ?? null, answers, urls };
  // more than MAX_IN units: merge; a total only where the parts add up
  const seen = new Set();
  const rows = answers.flatMap(a => a.rows).filter(r => !seen.has(r.code) && seen.add(r.code));
  let total = null;
  if (/^(count|length|area|sum)/.test(opts.measure)) total = answers.reduce((s, a) => s + (a.totals?.value || 0), 0);
  else if (opts.measure === 'share') {
    const area = rows.reduce((s, r) => s + (r.unit_area_m2 || 0), 0);
    total = area ? rows.reduce((s, r) => s + (r.value || 0) * (r.unit_area_m2 || 0), 0) / area : null;
  }
  return { rows, unit: first.unit, total, answers, urls };
}

export class Choropleth {
  constructor(ctx) {
    this.ctx = ctx;
    this.opts = null;
    this.data = null;
    this.classes = null;
    this.hovered = null;
    this.by = null;
  }

  get map() { return this.ctx.map; }

  clear() {
    const map = this.map;
    if (this.by && map.getSource('divisions')) map.removeFeatureState({ source: 'divisions', sourceLayer: this.by });
    for (const id of CHORO_LAYERS) if (map.getLayer(id)) map.removeLayer(id);
    this.opts = null;
    this.data = null;
    this.classes = null;
    this.by = null;
  }

  ensureLayers(by) {
    const map = this.map;
    if (this.by === by && map.getLayer('choro-fill')) return;
    if (this.by) map.removeFeatureState({ source: 'divisions', sourceLayer: this.by });
    for (const id of CHORO_LAYERS) if (map.getLayer(id)) map.removeLayer(id);
    const src = { source: 'divisions', 'source-layer': by };
    const has = ['==', ['typeof', ['feature-state', 'v']], 'number'];
    map.addLayer({ id: 'choro-fill', type: 'fill', ...src, paint: { 'fill-color': NONE, 'fill-opacity': 0.88 } });
    map.addLayer({ id: 'choro-line', type: 'line', ...src, paint: { 'line-color': '#ffffff', 'line-width': ['interpolate', ['linear'], ['zoom'], 4, 0.3, 9, 1.2], 'line-opacity': ['case', has, 0.9, 0] } });
    map.addLayer({ id: 'choro-hover', type: 'line', ...src, paint: { 'line-color': '#1f1a14', 'line-width': 2.5, 'line-opacity': ['case', ['boolean', ['feature-state', 'hover'], false], 1, 0] } });
    this.by = by;
  }

  /** Fetches (or reuses) the statistics and draws them. */
  async show(opts) {
    const t0 = performance.now();
    const region = this.ctx.region;
    const data = await fetchStats(opts, region);
    const map = this.map;
    const sameRows = this.data && this.opts && this.by === opts.by && this.data.urls.join() === data.urls.join();
    this.ensureLayers(opts.by);
    if (!sameRows) {
      map.removeFeatureState({ source: 'divisions', sourceLayer: opts.by });
      const values = new Map(data.rows.map(r => [r.code, r.value]));
      // units the API leaves out have no feature: 0 for additive measures, where we know the units
      if (/^(count|length|area|share|sum)/.test(opts.measure) && !opts.where?.includes('__')) {
        const units = (this.ctx.regionUnits || []).filter(u => u.div === opts.by);
        const inScope = u => {
          if (opts.scope !== 'region' || !region?.codes?.length) return true;
          if (region.div === opts.by) return false;
          return region.div === 'lan' && opts.by === 'kommun' && region.codes.some(c => u.code.startsWith(c));
        };
        for (const u of units) if (!values.has(u.code) && inScope(u)) { values.set(u.code, 0); data.rows.push({ code: u.code, name: u.name, value: 0, unit: data.unit, features: 0, filled: true }); }
      }
      for (const [code, v] of values) {
        map.setFeatureState({ source: 'divisions', sourceLayer: opts.by, id: code }, { v: v == null ? null : +v });
      }
    }
    this.opts = { ...opts };
    this.data = data;
    this.paint();
    this.renderTable();
    return { ms: performance.now() - t0, ...this.summary() };
  }

  /** Classification and colours only: no request, no feature-state change. */
  paint() {
    const { opts, data } = this;
    if (!opts || !data) return;
    const values = data.rows.map(r => r.value).filter(v => v != null && Number.isFinite(+v)).map(Number);
    const cls = classify(values, opts.k, opts.method);
    const cols = colours(opts.palette, cls.k);
    const step = cls.k <= 1 ? cols[0] || NONE : ['step', ['feature-state', 'v'], cols[0], ...cls.thresholds.flatMap((th, i) => [th, cols[i + 1]])];
    this.map.setPaintProperty('choro-fill', 'fill-color', ['case', ['==', ['typeof', ['feature-state', 'v']], 'number'], step, NONE]);
    this.classes = { ...cls, colours: cols };
  }

  setClassification(method, k, palette) {
    if (!this.opts) return null;
    Object.assign(this.opts, { method, k, palette });
    this.paint();
    return this.summary();
  }

  summary() {
    if (!this.classes) return null;
    const { classes, data } = this;
    return {
      k: classes.k, method: classes.method, thresholds: classes.thresholds, bounds: classes.bounds,
      counts: classes.counts, colours: classes.colours, unit: data.unit,
      values: Object.fromEntries(data.rows.filter(r => !r.filled).map(r => [r.code, r.value])),
      urls: data.urls,
    };
  }

  /** Legend model: class bounds in one unit (ha/km², m/km, %, st) with Swedish numbers. */
  legend() {
    if (!this.classes || !this.opts) return null;
    const { classes, data, opts } = this;
    const ds = this.ctx.catalog.byId.get(opts.ds);
    const sc = scaleFor(data.unit, classes.bounds.flat());
    const fmt = v => num(v * sc.k);
    const items = classes.bounds.map(([lo, hi], i) => ({
      kind: 'fill', color: classes.colours[i],
      label: `${fmt(lo)}–${fmt(hi)}${sc.label ? ` ${sc.label}` : ''} (${classes.counts[i]})`,
    }));
    const region = this.ctx.region;
    const scope = opts.scope === 'region' && region?.names?.length ? region.names.join(', ') : t('stats.scopeAll');
    const sub = [scope, opts.where ? opts.where : null, t(`method.${classes.method}`).replace(/ \(.*\)$/, '')].filter(Boolean).join(' · ');
    // "per kommun", "per län", but "per FA-region": an abbreviation keeps its capitals
    const div = t(`div.${opts.by}`);
    const per = /^\p{Lu}{2}/u.test(div) ? div : div.replace(/^./, c => c.toLocaleLowerCase(getLang() === 'sv' ? 'sv' : 'en'));
    return { title: `${dsTitle(ds)}: ${measureLabel(ds, opts.measure).replace(/^./, c => c.toLocaleLowerCase())} ${t('stats.per')} ${per}`, subtitle: sub, items };
  }

  renderTable() {
    const el = document.getElementById('stats-table');
    if (!this.data) { el.innerHTML = ''; return; }
    const { rows, unit, total, urls } = this.data;
    const ds = this.ctx.catalog.byId.get(this.opts.ds);
    const sorted = [...rows].sort((a, b) => (b.value ?? -Infinity) - (a.value ?? -Infinity));
    const csv = urls.map((u, i) => {
      const p = new URL(u, location.href);
      p.searchParams.set('format', 'csv');
      const name = `${this.opts.ds}-${this.opts.measure.replace(':', '-')}-${this.opts.by}${urls.length > 1 ? `-${i + 1}` : ''}.csv`;
      return `<a class="btn" href="${escapeHtml(p.pathname + p.search)}" download="${escapeHtml(name)}">${escapeHtml(t('stats.csv'))}${urls.length > 1 ? ` ${i + 1}` : ''}</a>`;
    }).join(' ');
    el.innerHTML = `<div class="table-head"><h3>${escapeHtml(t('stats.table'))}</h3>${csv}</div>
      <div class="table-wrap" tabindex="0" role="region" aria-label="${escapeHtml(t('stats.table'))}"><table>
      <caption>${escapeHtml(measureLabel(ds, this.opts.measure))} – ${escapeHtml(dsTitle(ds))}</caption>
      <thead><tr><th scope="col">${escapeHtml(t('stats.unitCol'))}</th><th scope="col" class="num">${escapeHtml(t('stats.valueCol'))}</th><th scope="col" class="num">${escapeHtml(t('stats.featuresCol'))}</th></tr></thead>
      <tbody>${sorted.map(r => `<tr><th scope="row">${escapeHtml(r.name)} <span class="code">${escapeHtml(r.code)}</span></th><td class="num">${escapeHtml(statValue(r.value, unit))}</td><td class="num">${escapeHtml(num(r.features, 0))}</td></tr>`).join('')}</tbody>
      ${total != null ? `<tfoot><tr><th scope="row">${escapeHtml(t('stats.total'))}</th><td class="num">${escapeHtml(statValue(total, unit))}</td><td></td></tr></tfoot>` : ''}
      </table></div>`;
  }

  /** The hovered unit's name and value, for the tooltip. */
  hover(feature) {
    const map = this.map;
    if (this.hovered != null) map.setFeatureState({ source: 'divisions', sourceLayer: this.by, id: this.hovered }, { hover: false });
    this.hovered = null;
    if (!feature || typeof feature.state?.v !== 'number') return null;
    this.hovered = feature.id;
    map.setFeatureState({ source: 'divisions', sourceLayer: this.by, id: feature.id }, { hover: true });
    const div = this.ctx.catalog.divisions[this.by];
    const row = this.data.rows.find(r => r.code === String(feature.id));
    return {
      name: feature.properties[div.name] ?? row?.name ?? feature.id,
      value: statValue(feature.state.v, this.data.unit),
      features: row ? row.features : null,
    };
  }
}
