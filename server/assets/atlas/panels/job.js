// A publishing job in the panel: the file going up, then the job's phase (said to screen
// readers when it changes, not at every count), a progress bar (rows of total when the file
// says how many, else indeterminate), and its outcome. On success the catalog is loaded
// again and the dataset turned on and framed, so the uploader sees it as others will.
import { t } from '../i18n.js';
import { escapeHtml, num, bytes } from '../format.js';
import { revalidate } from '../key.js';
import { followJob } from '../publish.js';
import { reloadCatalog } from '../session.js';
import { toggleDataset } from './layers.js';

const $ = id => document.getElementById(id);

/** ctx.publish.job: what the progress section shows, kept so a language switch redraws it. */
function show(ctx, view) {
  const was = ctx.publish.job?.state;
  ctx.publish.job = { ...ctx.publish.job, ...view };
  renderJob(ctx);
  // the outcome may be below the fold of a long form
  if (was !== view.state && (view.state === 'succeeded' || view.state === 'failed')) $('pub-job').scrollIntoView({ block: 'nearest' });
}

export function renderJob(ctx) {
  const v = ctx.publish.job;
  const box = $('pub-job');
  box.hidden = !v;
  box.dataset.state = v?.state || '';
  box.dataset.dataset = v?.dataset || '';
  if (!v) return;
  const phase = v.state === 'sending' ? t('phase.sending') : t(`phase.${v.phase}`);
  const text = v.state === 'running' || v.state === 'sending' ? `${phase} …` : phase;
  // the live region speaks only when the phase changes
  if ($('pub-phase').textContent !== text) $('pub-phase').textContent = text;
  const bar = $('pub-progress');
  bar.hidden = v.state === 'succeeded' || v.state === 'failed';
  if (v.total) { bar.max = v.total; bar.value = Math.min(v.rows || 0, v.total); } else bar.removeAttribute('value');
  $('pub-rows').textContent = v.state === 'sending'
    ? t('publish.sent', { sent: bytes(v.rows), total: bytes(v.total) })
    : v.rows ? t(v.total ? 'publish.rowsOf' : 'publish.rows', { n: num(v.rows, 0), total: num(v.total, 0) }) : '';
  $('pub-result').innerHTML = v.state === 'succeeded' ? successHtml(ctx, v) : v.state === 'failed' ? failureHtml(v) : '';
}

function successHtml(ctx, v) {
  const r = v.report || {};
  const ds = ctx.catalog.byId.get(v.dataset);
  const title = ds?.title || v.dataset;
  const lines = [];
  if (v.kind === 'rollback') lines.push(t('publish.rolledBack', { title }));
  else lines.push(t(v.kind === 'replace' ? 'publish.replaced' : 'publish.done', { title, n: num(r.rows_loaded ?? v.rows, 0) }));
  const notes = [];
  if (r.rows_repaired) notes.push(t('publish.repaired', { n: num(r.rows_repaired, 0) }));
  if (r.rows_rejected) notes.push(t('publish.rejectedRows', { n: num(r.rows_rejected, 0) }));
  if (r.rows_flattened) notes.push(t('publish.flattened', { n: num(r.rows_flattened, 0) }));
  const warnings = [...(r.warnings || []), ...(r.seed?.warning ? [r.seed.warning] : [])];
  return `<div class="pub-ok" role="status"><p>${escapeHtml(lines.join(' '))}</p>
    ${notes.length ? `<p class="hint">${escapeHtml(notes.join(' '))}</p>` : ''}
    ${warnings.length ? `<p class="pub-warn-h">${escapeHtml(t('publish.warnings'))}</p><ul class="pub-warnings">${warnings.map(w => `<li>${escapeHtml(w)}</li>`).join('')}</ul>` : ''}
    ${ds ? `<button type="button" class="btn btn-small" data-pub-fit="${escapeHtml(ds.id)}">${escapeHtml(t('layers.zoomTo', { title }))}</button>` : ''}</div>`;
}

function failureHtml(v) {
  return `<div class="form-error" role="alert"><p>${escapeHtml(t('publish.failed', { msg: v.error || '?' }))}</p></div>`;
}

/** The upload's bytes going up (before the job exists). */
export function showSending(ctx, sent, total) {
  show(ctx, { state: 'sending', phase: 'sending', rows: sent, total, dataset: ctx.publish.job?.dataset, report: null, error: null });
}

export function showFailure(ctx, message) {
  show(ctx, { state: 'failed', phase: 'failed', error: message, rows: 0, total: null });
}

export function fitDataset(ctx, id) {
  const b = ctx.catalog.byId.get(id)?.bounds;
  if (Array.isArray(b) && b.length === 4) ctx.map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 40, maxZoom: 14 });
}

/**
 * Follows `job` (as the server answered it) to its end. On success: a new version's tiles are
 * revalidated, the catalog reloaded, the dataset shown and framed. Resolves to the last answer.
 */
export async function trackJob(ctx, job) {
  const update = j => show(ctx, { state: j.state, phase: j.phase, rows: j.rows, total: j.total, dataset: j.dataset, kind: j.kind, report: j.report, error: j.error });
  update(job);
  const last = job.state === 'running' ? await followJob(job.id, update) : job;
  if (last.state !== 'succeeded') return last;
  const id = last.dataset;
  if (last.kind !== 'upload') revalidate(id);
  await reloadCatalog(ctx);
  if (ctx.catalog.byId.has(id)) {
    if (last.kind !== 'upload') await ctx.stack.renew(id);
    await toggleDataset(ctx, id, true);
    fitDataset(ctx, id);
  }
  renderJob(ctx);
  return last;
}
