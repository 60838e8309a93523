// The publishing panel: before a key, only its field; with one, the organisation and the
// upload form (a file dropped or picked, name, title, licence, description, who sees it, a
// CSV's columns), then the job's progress and outcome (./job.js) and the organisation's own
// datasets (./owned.js). The key is checked with GET /api/whoami before it is kept.
import { t, dsTitle } from '../i18n.js';
import { notifyError } from '../api.js';
import { bytes } from '../format.js';
import { currentKey, isKeyShaped } from '../key.js';
import { upload, nameFromFile, NAME } from '../publish.js';
import { login, logout, currentPrincipal, reloadCatalog } from '../session.js';
import { renderJob, showSending, showFailure, trackJob, fitDataset } from './job.js';
import { renderOwned, wireOwned } from './owned.js';

export { mountPublishPanel } from './publish-markup.js';

const $ = id => document.getElementById(id);
const SCOPE_LABEL = { read: 'publish.scopeRead', publish: 'publish.scopePublish', admin: 'publish.scopeAdmin' };
/** The licence select's "as now" choice while replacing: the licence is inherited. */
const KEEP = '=';

/** Everything drawn from ctx.publish, in the current language. */
export function renderPublish(ctx) {
  const p = ctx.publish;
  if (!p) return;
  const who = p.principal;
  $('pub-login').hidden = Boolean(who);
  $('pub-session').hidden = !who;
  if (!who) return;
  $('pub-org').textContent = t('publish.as', { org: who.organisation, scope: t(SCOPE_LABEL[who.scope] || who.scope) });
  const mayPublish = who.scope === 'publish' || who.scope === 'admin';
  $('pub-readonly').hidden = mayPublish;
  $('pub-form').hidden = !mayPublish;
  $('pub-id-help').textContent = t('publish.idHelp', { org: who.organisation });
  renderReplacing(ctx);
  renderChosen(ctx);
  renderJob(ctx);
  renderOwned(ctx);
}

// ---- the key ------------------------------------------------------------------------------

function keyError(text) {
  $('pub-key-error').textContent = text || '';
  $('pub-key').setAttribute('aria-invalid', String(Boolean(text)));
}

async function submitKey(ctx) {
  const input = $('pub-key');
  const key = input.value.trim();
  if (!isKeyShaped(key)) { keyError(t('publish.keyMalformed')); input.focus(); return; }
  keyError('');
  try {
    ctx.publish.principal = await login(ctx, key);
  } catch (e) {
    keyError(e.status === 401 ? t('publish.keyRefused') : t('notice.failed', { msg: e.message }));
    input.focus();
    return;
  }
  input.value = '';
  renderPublish(ctx);
  (ctx.publish.principal.scope === 'read' ? $('pub-logout') : $('pub-file')).focus();
}

async function doLogout(ctx) {
  Object.assign(ctx.publish, { principal: null, replacing: null, job: null });
  await logout(ctx).catch(notifyError);
  renderPublish(ctx);
  $('pub-key').focus();
}

// ---- the form -----------------------------------------------------------------------------

function renderChosen(ctx) {
  const f = ctx.publish.file;
  $('pub-chosen').textContent = f ? t('publish.chosen', { name: f.name, size: bytes(f.size) }) : '';
  $('pub-csv').hidden = !(f && /\.(csv|txt)$/i.test(f.name));
}

function chooseFile(ctx, file) {
  ctx.publish.file = file || null;
  renderChosen(ctx);
  if (!file) return;
  const f = $('pub-form').elements;
  // a name and title to start from, never over what the user wrote
  if (!ctx.publish.replacing && !f.id.value) f.id.value = nameFromFile(file.name);
  if (!ctx.publish.replacing && !f.title.value) {
    const stem = file.name.replace(/\.[^.]*$/, '').replace(/[_]+/g, ' ').trim();
    f.title.value = stem.charAt(0).toUpperCase() + stem.slice(1);
  }
  if (ctx.publish.checking) check(ctx);
}

function wireDrop(ctx) {
  const zone = $('pub-drop');
  const over = on => zone.classList.toggle('over', on);
  zone.addEventListener('dragover', e => { e.preventDefault(); e.dataTransfer.dropEffect = 'copy'; over(true); });
  zone.addEventListener('dragleave', e => { if (!zone.contains(e.relatedTarget)) over(false); });
  zone.addEventListener('drop', e => {
    e.preventDefault();
    over(false);
    const files = e.dataTransfer?.files;
    if (!files?.length) return;
    try { $('pub-file').files = files; } catch { /* older browsers: the name below says it */ }
    chooseFile(ctx, files[0]);
  });
  $('pub-file').addEventListener('change', e => chooseFile(ctx, e.target.files[0]));
  // a file dropped beside the zone would make the browser open it, leaving the atlas
  const beside = e => {
    if (!e.dataTransfer?.types?.includes('Files') || zone.contains(e.target)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'none';
  };
  window.addEventListener('dragover', beside);
  window.addEventListener('drop', beside);
}

/** The meta part from the form, and what keeps it from being sent: [field id, message]. */
function readMeta(ctx) {
  const f = $('pub-form').elements;
  const replacing = ctx.publish.replacing;
  const meta = {};
  const errors = [];
  if (!ctx.publish.file) errors.push(['pub-file', t('publish.errFile')]);
  if (!replacing) {
    meta.id = f.id.value.trim();
    if (!NAME.test(meta.id)) errors.push(['pub-id', t('publish.errId')]);
  }
  const title = f.title.value.trim();
  if (title) meta.title = title;
  else if (!replacing) errors.push(['pub-title', t('publish.errTitle')]);
  if (f.licence.value === '') {
    meta.licence = f.licenceOther.value.trim();
    if (!meta.licence) errors.push(['pub-licence-other', t('publish.errLicence')]);
  } else if (f.licence.value !== KEEP) meta.licence = f.licence.value;
  meta.visibility = f.visibility.value;
  for (const k of ['description', 'attribution', 'crs', 'layer']) {
    const v = f[k].value.trim();
    if (v) meta[k] = v;
  }
  if (!$('pub-csv').hidden) {
    for (const k of ['x', 'y', 'encoding']) if (f[k].value.trim()) meta[k] = f[k].value.trim();
    if (f.delimiter.value) meta.delimiter = f.delimiter.value;
  }
  return { meta, errors };
}

function formError(text) { $('pub-error').textContent = text || ''; }

/** Marks what keeps the form from being sent and says it; true when nothing does. */
function check(ctx) {
  for (const el of $('pub-form').querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  const { errors } = readMeta(ctx);
  for (const [id] of errors) $(id).setAttribute('aria-invalid', 'true');
  formError(errors.map(e => e[1]).join(' '));
  ctx.publish.checking = errors.length > 0;
  return errors;
}

async function submitUpload(ctx) {
  const errors = check(ctx);
  if (errors.length) { $(errors[0][0]).focus(); return; }
  const { meta } = readMeta(ctx);
  const submit = $('pub-submit');
  submit.disabled = true;
  const replacing = ctx.publish.replacing;
  ctx.publish.job = { dataset: replacing?.id || null };
  showSending(ctx, 0, ctx.publish.file.size);
  try {
    const job = await upload(ctx.publish.file, meta, {
      replace: replacing?.id, onSent: (sent, total) => showSending(ctx, sent, total ?? ctx.publish.file.size),
    });
    const last = await trackJob(ctx, job);
    if (last.state === 'succeeded') resetForm(ctx);
  } catch (e) {
    ctx.publish.job = null;
    renderJob(ctx);
    // a key revoked meanwhile: back to the key field, saying why
    if (e.status === 401) { await doLogout(ctx); keyError(t('publish.keyRefused')); return; }
    const lead = { 400: 'publish.rejected', 403: 'publish.forbidden', 409: 'publish.conflict', 413: 'publish.tooLarge' }[e.status];
    if (lead) {
      formError(t(lead, { msg: e.message }));
      $(e.status === 409 && !replacing ? 'pub-id' : 'pub-file').focus();
    } else showFailure(ctx, e.message);
  } finally {
    submit.disabled = false;
    renderOwned(ctx);
  }
}

function resetForm(ctx) {
  const form = $('pub-form');
  form.reset();
  ctx.publish.file = null;
  ctx.publish.checking = false;
  setReplacing(ctx, null);
  $('pub-licence-other-row').hidden = true;
  renderChosen(ctx);
}

// ---- replace mode -------------------------------------------------------------------------

function renderReplacing(ctx) {
  const ds = ctx.publish.replacing;
  const f = $('pub-form').elements;
  $('pub-form-title').textContent = ds ? t('publish.replacing', { title: dsTitle(ds) }) : t('publish.new');
  $('pub-replacing').hidden = !ds;
  $('pub-replacing').querySelector('span').textContent = ds ? t('publish.replaceHelp', { id: ds.id }) : '';
  $('pub-id-row').hidden = Boolean(ds);
  $('pub-submit').textContent = t(ds ? 'publish.submitReplace' : 'publish.submit');
  f.title.placeholder = ds ? t('publish.asNow', { v: dsTitle(ds) }) : '';
  let keep = f.licence.querySelector(`option[value="${KEEP}"]`);
  if (ds && !keep) {
    keep = new Option('', KEEP);
    f.licence.prepend(keep);
    f.licence.value = KEEP;
  } else if (!ds && keep) {
    keep.remove();
    keep = null;
    if (!f.licence.value && $('pub-licence-other-row').hidden) f.licence.selectedIndex = 0;
  }
  if (keep) keep.textContent = t('publish.asNow', { v: ds.licence || '–' });
}

function setReplacing(ctx, ds) {
  ctx.publish.replacing = ds;
  const f = $('pub-form').elements;
  if (ds) {
    f.title.value = '';
    for (const r of f.visibility) r.checked = r.value === (ds.visibility || 'public');
  }
  renderReplacing(ctx);
}

// ---- wiring -------------------------------------------------------------------------------

export function wirePublishPanel(ctx) {
  ctx.publish = { principal: null, replacing: null, file: null, job: null };
  $('pub-key-form').addEventListener('submit', e => { e.preventDefault(); submitKey(ctx); });
  $('pub-logout').addEventListener('click', () => doLogout(ctx));
  wireDrop(ctx);
  $('pub-licence').addEventListener('change', e => {
    $('pub-licence-other-row').hidden = e.target.value !== '';
    if (e.target.value === '') $('pub-licence-other').focus();
  });
  $('pub-form').addEventListener('submit', e => { e.preventDefault(); submitUpload(ctx); });
  // once the form has said what is missing, it says it again as the fields are filled in
  const recheck = () => { if (ctx.publish.checking) check(ctx); };
  $('pub-form').addEventListener('input', recheck);
  $('pub-form').addEventListener('change', recheck);
  $('pub-replace-cancel').addEventListener('click', () => { setReplacing(ctx, null); $('pub-file').focus(); });
  $('pub-result').addEventListener('click', e => {
    const id = e.target.closest('[data-pub-fit]')?.dataset.pubFit;
    if (id) fitDataset(ctx, id);
  });
  wireOwned(ctx, {
    onReplace: ds => {
      setReplacing(ctx, ds);
      $('pub-form').scrollIntoView({ block: 'start' });
      $('pub-file').focus();
    },
  });
  renderPublish(ctx);
  // a key entered earlier in this tab: who it is (a refused one is forgotten, and what it
  // showed goes with it)
  if (currentKey()) {
    currentPrincipal().then(p => { ctx.publish.principal = p; renderPublish(ctx); }).catch(e => {
      if (e.status === 401) reloadCatalog(ctx).then(() => renderPublish(ctx)).catch(notifyError);
      else notifyError(e);
    });
  }
}
