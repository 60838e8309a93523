// The organisation's own datasets (the catalog's entries it owns) and what a publisher does
// to them: who sees it, a new version (the form above, in replace mode), back to the version
// before, and removal. A read-only key sees the list without the actions.
import { t, dsTitle } from '../i18n.js';
import { notify, notifyError } from '../api.js';
import { escapeHtml, num, date } from '../format.js';
import { versions, rollback, remove, setVisibility } from '../publish.js';
import { reloadCatalog } from '../session.js';
import { trackJob } from './job.js';

const VISIBILITIES = ['public', 'org', 'private'];
const VIS_LABEL = { public: 'publish.visPublic', org: 'publish.visOrg', private: 'publish.visPrivate' };

const owned = ctx => {
  const org = ctx.publish.principal?.organisation;
  return org ? ctx.catalog.datasets.filter(d => d.organisation === org) : [];
};

/** Kept versions per dataset, asked for once per render (a handful of datasets). */
async function kept(id) {
  try { return await versions(id); } catch { return null; }
}

export async function renderOwned(ctx) {
  const el = document.getElementById('pub-own');
  const list = owned(ctx);
  const mayPublish = ['publish', 'admin'].includes(ctx.publish.principal?.scope);
  if (!list.length) { el.innerHTML = `<p class="hint">${escapeHtml(t('publish.ownNone'))}</p>`; return; }
  el.innerHTML = `<ul class="own-list">${list.map(ds => {
    const title = dsTitle(ds);
    const id = escapeHtml(ds.id);
    const vis = VISIBILITIES.map(v => `<option value="${v}" ${ds.visibility === v ? 'selected' : ''}>${escapeHtml(t(VIS_LABEL[v]))}</option>`).join('');
    return `<li class="own-row" data-id="${id}">
      <p class="own-title"><strong>${escapeHtml(title)}</strong> <span class="code">${id}</span></p>
      <p class="hint">${escapeHtml(t('publish.ownLine', { v: ds.version, n: num(ds.features, 0), date: date(ds.loaded_at) }))} <span data-kept></span></p>
      ${mayPublish ? `<label class="inline"><span>${escapeHtml(t('publish.visibilityShort'))}</span>
        <select data-vis="${id}" aria-label="${escapeHtml(t('publish.visibilityOf', { title }))}">${vis}</select></label>
      <div class="buttons">
        <button type="button" class="btn btn-small" data-act="replace" aria-label="${escapeHtml(t('publish.replaceOf', { title }))}">${escapeHtml(t('publish.replace'))}</button>
        <button type="button" class="btn btn-small" data-act="rollback" disabled aria-label="${escapeHtml(t('publish.rollbackOf', { title }))}">${escapeHtml(t('publish.rollback'))}</button>
        <button type="button" class="btn btn-small" data-act="remove" aria-label="${escapeHtml(t('publish.removeOf', { title }))}">${escapeHtml(t('publish.remove'))}</button>
      </div>` : `<p class="hint">${escapeHtml(t(VIS_LABEL[ds.visibility] || 'publish.visPublic'))}</p>`}
    </li>`;
  }).join('')}</ul>`;
  // rollback needs a kept version besides the serving one
  await Promise.all(list.map(async ds => {
    const vs = await kept(ds.id);
    const row = el.querySelector(`.own-row[data-id="${CSS.escape(ds.id)}"]`);
    if (!row || !vs) return;
    const older = vs.filter(v => !v.serving);
    row.querySelector('[data-kept]').textContent = older.length ? t('publish.kept', { n: older.length }) : '';
    const btn = row.querySelector('[data-act=rollback]');
    if (btn) btn.disabled = older.length === 0;
  }));
}

/** `onReplace(ds)` puts the form in replace mode for `ds`. */
export function wireOwned(ctx, { onReplace }) {
  const el = document.getElementById('pub-own');
  el.addEventListener('change', e => {
    const id = e.target.dataset.vis;
    if (!id) return;
    const ds = ctx.catalog.byId.get(id);
    const v = e.target.value;
    setVisibility(id, v)
      .then(() => reloadCatalog(ctx))
      .then(() => {
        notify(t('publish.visibilitySet', { title: dsTitle(ds), who: t(VIS_LABEL[v]) }), 'info');
        renderOwned(ctx);
      })
      .catch(err => { e.target.value = ds.visibility; notifyError(err); });
  });
  el.addEventListener('click', e => {
    const btn = e.target.closest('[data-act]');
    const id = btn?.closest('.own-row')?.dataset.id;
    const ds = id && ctx.catalog.byId.get(id);
    if (!ds) return;
    const title = dsTitle(ds);
    if (btn.dataset.act === 'replace') onReplace(ds);
    else if (btn.dataset.act === 'rollback') {
      if (!confirm(t('publish.confirmRollback', { title }))) return;
      btn.disabled = true;
      rollback(id)
        .then(job => trackJob(ctx, job))
        .then(() => renderOwned(ctx))
        .catch(err => { btn.disabled = false; notifyError(err); });
    } else if (btn.dataset.act === 'remove') {
      if (!confirm(t('publish.confirmRemove', { title }))) return;
      btn.disabled = true;
      remove(id)
        .then(() => reloadCatalog(ctx))
        .then(() => {
          notify(t('publish.removed', { title }), 'info');
          renderOwned(ctx);
          document.getElementById('pub-own-h').focus();
        })
        .catch(err => { btn.disabled = false; notifyError(err); });
    }
  });
}
