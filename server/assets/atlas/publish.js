// Publishing through Rummet's API with the entered key: who the key is, an upload or a
// replacement (multipart `file` + `meta`) and the job that loads it, followed until it ends;
// a dataset's versions, rollback, visibility and removal.
import { t } from './i18n.js';
import { ApiError, errorOf, fetchJSON, sendJSON } from './api.js';
import { authHeaders } from './key.js';

/** How often a running job is asked about. */
const POLL_MS = 500;

const dsUrl = id => `/api/datasets/${encodeURIComponent(id)}`;

/** `{organisation, key_id, scope}` of the entered key (401 when it is not valid). */
export const whoami = () => fetchJSON('/api/whoami');

/** A dataset id's name part: `[a-z][a-z0-9_]*`, at most 40 characters (the server adds the organisation). */
export const NAME = /^[a-z][a-z0-9_]{0,39}$/;

/** A name suggested by a file's name: `Strukturbild 2024.gpkg` -> `strukturbild_2024`. */
export function nameFromFile(fileName) {
  const stem = fileName.replace(/\.[^.]*$/, '').replace(/\.(shp|geojson)$/i, '').toLowerCase()
    .replace(/[åä]/g, 'a').replace(/ö/g, 'o').replace(/é/g, 'e')
    .replace(/[^a-z0-9_]+/g, '_').replace(/^[^a-z]+/, '').replace(/_+$/, '');
  return stem.slice(0, 40).replace(/_+$/, '');
}

/**
 * Sends `file` and `meta` (POST a new dataset, or PUT a new version of `replace`); resolves
 * to the job the server started. XMLHttpRequest rather than fetch, for the upload's progress:
 * `onSent(loaded, total)` while the file goes.
 */
export function upload(file, meta, { replace = null, onSent = () => {} } = {}) {
  const url = replace ? dsUrl(replace) : '/api/datasets';
  const form = new FormData();
  form.append('meta', JSON.stringify(meta));
  form.append('file', file, file.name);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(replace ? 'PUT' : 'POST', url);
    for (const [k, v] of Object.entries(authHeaders(url))) xhr.setRequestHeader(k, v);
    xhr.responseType = 'json';
    xhr.upload.addEventListener('progress', e => onSent(e.loaded, e.lengthComputable ? e.total : null));
    xhr.addEventListener('load', () => {
      if (xhr.status === 202 && xhr.response?.id != null) resolve(xhr.response);
      else reject(errorOf(xhr.status, xhr.statusText, xhr.response));
    });
    xhr.addEventListener('error', () => reject(new ApiError(t('notice.unreachable', { url }), 0, 'unreachable')));
    xhr.addEventListener('abort', () => reject(new ApiError(t('publish.aborted'), 0, 'aborted')));
    xhr.send(form);
  });
}

/**
 * Asks about job `id` every POLL_MS until it has succeeded or failed; `onUpdate(job)` on each
 * answer. A failed poll (a replica restarting, a moment offline) is retried, up to five in a row.
 */
export async function followJob(id, onUpdate = () => {}) {
  let misses = 0;
  for (;;) {
    let job;
    try {
      job = await fetchJSON(`/api/jobs/${encodeURIComponent(id)}`);
      misses = 0;
    } catch (e) {
      if (e.status === 401 || e.status === 403 || e.status === 404 || ++misses > 5) throw e;
    }
    if (job) {
      onUpdate(job);
      if (job.state !== 'running') return job;
    }
    await new Promise(r => setTimeout(r, POLL_MS));
  }
}

export const versions = id => fetchJSON(`${dsUrl(id)}/versions`).then(r => r.versions || []);
/** Back to `version`, or to the one before the serving version: a job. */
export const rollback = (id, version) => sendJSON('POST', `${dsUrl(id)}/rollback`, version == null ? undefined : { version });
export const setVisibility = (id, visibility) => sendJSON('PATCH', dsUrl(id), { visibility });
export const remove = id => sendJSON('DELETE', dsUrl(id));
