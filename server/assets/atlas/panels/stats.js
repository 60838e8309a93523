// The statistics panel: the choropleth form (dataset, measure, division, scope, an optional
// condition on one field, classification), drawing it, and a retry when a shared link's
// statistics failed to come.
import { t, dsTitle } from '../i18n.js';
import { getJSON, notify, notifyError } from '../api.js';
import { measuresFor } from '../catalog.js';
import { measureLabel } from '../choropleth.js';
import { escapeHtml } from '../format.js';
import { refresh } from '../view.js';
import { renderRegionInfo } from './region.js';

export function fillStatsForm(ctx) {
  const form = document.getElementById('stats-form');
  const dsSel = form.elements.ds;
  const cur = dsSel.value;
  dsSel.innerHTML = ctx.catalog.thematic.map(ds => `<option value="${escapeHtml(ds.id)}">${escapeHtml(dsTitle(ds))}</option>`).join('');
  if (cur) dsSel.value = cur;
  const bySel = form.elements.by;
  const curBy = bySel.value || 'kommun';
  bySel.innerHTML = Object.keys(ctx.catalog.divisions).map(d => `<option value="${d}">${escapeHtml(t(`div.${d}`))}</option>`).join('');
  bySel.value = ctx.catalog.divisions[curBy] ? curBy : Object.keys(ctx.catalog.divisions)[0];
  fillMeasures(ctx);
  renderRegionInfo(ctx);
}

function fillMeasures(ctx) {
  const form = document.getElementById('stats-form');
  const ds = ctx.catalog.byId.get(form.elements.ds.value);
  if (!ds) return;
  const cur = form.elements.measure.value;
  const ms = measuresFor(ds);
  form.elements.measure.innerHTML = ms.map(m => `<option value="${escapeHtml(m)}">${escapeHtml(measureLabel(ds, m))}</option>`).join('');
  form.elements.measure.value = ms.includes(cur) ? cur : (ms.includes('share') ? 'share' : ms.includes('length') ? 'length' : 'count');
  const curField = form.elements.field.value;
  form.elements.field.innerHTML = `<option value="">${escapeHtml(t('stats.noField'))}</option>` + ds.fields
    .filter(f => !/^(area_m2|length_m|uuid|nvrid)$/.test(f.name))
    .map(f => `<option value="${escapeHtml(f.name)}" data-type="${escapeHtml(f.type)}">${escapeHtml(f.description || f.name)}</option>`).join('');
  if ([...form.elements.field.options].some(o => o.value === curField)) form.elements.field.value = curField;
}

async function fillValues() {
  const form = document.getElementById('stats-form');
  const field = form.elements.field.value;
  const list = document.getElementById('st-values');
  list.innerHTML = '';
  if (!field) return;
  try {
    // distinct values with no geometry: the statistics API grouped by the field
    const ans = await getJSON(`/api/stats/${encodeURIComponent(form.elements.ds.value)}?by=lan&measure=count&group=${encodeURIComponent(field)}`);
    const counts = new Map();
    for (const r of ans.rows) counts.set(r.group, (counts.get(r.group) || 0) + r.features);
    list.innerHTML = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 300)
      .map(([v]) => `<option value="${escapeHtml(v ?? '')}"></option>`).join('');
  } catch { /* free text still works */ }
}

function whereClause(field, op, value, type) {
  if (!field || value === '') return '';
  const numeric = /int|double|real|numeric|float/.test(type || '');
  const v = numeric && Number.isFinite(Number(value)) ? String(Number(value)) : `'${String(value).replace(/'/g, "''")}'`;
  return `${field} ${op} ${v}`;
}

function parseWhere(where) {
  const m = String(where || '').match(/^(\w+)\s*(=|!=|<=|>=|<|>)\s*(?:'((?:[^']|'')*)'|(\S+))$/);
  if (!m) return null;
  return { field: m[1], op: m[2], value: m[3] != null ? m[3].replace(/''/g, "'") : m[4] };
}

export function readStatsForm() {
  const f = document.getElementById('stats-form').elements;
  const fieldOpt = f.field.selectedOptions[0];
  return {
    ds: f.ds.value, measure: f.measure.value, by: f.by.value,
    scope: f.scope.value === 'all' ? 'all' : 'region',
    where: whereClause(f.field.value, f.op.value, f.value.value.trim(), fieldOpt?.dataset.type) || (f.value.dataset.raw || ''),
    method: f.method.value, k: +f.k.value, palette: f.palette.value,
  };
}

export function writeStatsForm(ctx, o) {
  const f = document.getElementById('stats-form').elements;
  if (o.ds) { f.ds.value = o.ds; fillMeasures(ctx); }
  if (o.measure) f.measure.value = o.measure;
  if (o.by) f.by.value = o.by;
  if (o.scope) f.scope.value = o.scope;
  if (o.method) f.method.value = o.method;
  if (o.k) f.k.value = String(o.k);
  if (o.palette) f.palette.value = o.palette;
  f.value.dataset.raw = '';
  if (o.where != null) {
    const w = parseWhere(o.where);
    if (w) { f.field.value = w.field; f.op.value = w.op; f.value.value = w.value; }
    else if (o.where) { f.field.value = ''; f.value.value = ''; f.value.dataset.raw = o.where; }
    else { f.field.value = ''; f.value.value = ''; }
  }
}

export async function runChoropleth(ctx, opts) {
  if (!ctx.catalog.byId.has(opts.ds)) throw new Error(`${opts.ds}?`);
  const res = await ctx.choro.show(opts);
  ctx.pendingChoro = null;
  document.querySelector('#notices [data-retry="choro"]')?.remove();
  refresh(ctx);
  return res;
}

/** A choropleth from a link whose statistics failed: kept in the URL, said, and retryable. */
export function choroFailed(ctx, opts, err) {
  ctx.pendingChoro = { ...opts };
  const el = notify(t('notice.statsFailed', { msg: err.message || String(err) }), 'error');
  el.dataset.retry = 'choro';
  if (el.querySelector('.notice-retry')) return;
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'btn notice-retry';
  b.textContent = t('notice.retry');
  b.addEventListener('click', () => {
    el.remove();
    if (ctx.pendingChoro) runChoropleth(ctx, ctx.pendingChoro).catch(e => choroFailed(ctx, ctx.pendingChoro || opts, e));
  });
  el.querySelector('p').after(b);
}

export function wireStatsPanel(ctx) {
  const form = document.getElementById('stats-form');
  form.addEventListener('submit', e => {
    e.preventDefault();
    runChoropleth(ctx, readStatsForm()).catch(notifyError);
  });
  form.elements.ds.addEventListener('change', () => { fillMeasures(ctx); fillValues(); });
  form.elements.field.addEventListener('change', fillValues);
  form.addEventListener('change', e => {
    if (!ctx.choro.opts) return;
    const o = readStatsForm();
    if (['method', 'k', 'palette'].includes(e.target.name)) {
      ctx.choro.setClassification(o.method, o.k, o.palette);
      refresh(ctx);
    } else if (['ds', 'measure', 'by', 'scope'].includes(e.target.name)) {
      runChoropleth(ctx, o).catch(notifyError);
    }
  });
  document.getElementById('st-clear').addEventListener('click', () => {
    ctx.pendingChoro = null;
    ctx.choro.clear();
    document.getElementById('stats-table').innerHTML = '';
    refresh(ctx);
  });
}
