// Feature popups: the catalog's Swedish field descriptions as labels, values formatted
// (ha/km², km, dates, codes with their meaning), empty values left out.
import { fieldInfo, fieldValue, escapeHtml } from './format.js';
import { dsTitle } from './i18n.js';

const NAME_HINTS = ['namn', 'lamningsnamn', 'kommun', 'lan', 'fa_namn'];

/** Rows [label, value] for one feature's properties. */
export function featureRows(ds, props) {
  const rows = [];
  for (const f of ds.fields) {
    if (!(f.name in props)) continue;
    const info = fieldInfo(f);
    const v = fieldValue(info, props[f.name]);
    if (v === '') continue;
    rows.push([info.label, v]);
  }
  return rows;
}

function heading(ds, props) {
  for (const k of NAME_HINTS) if (props[k]) return String(props[k]);
  return '';
}

/** HTML for features grouped by dataset (first of each, at most three datasets). */
export function popupHtml(entries) {
  return entries.slice(0, 3).map(({ ds, props, extra }) => {
    const name = heading(ds, props);
    const rows = featureRows(ds, props);
    return `<section class="pp"><h2>${escapeHtml(dsTitle(ds))}${name ? `: <span>${escapeHtml(name)}</span>` : ''}</h2>
      ${extra ? `<p class="pp-extra">${escapeHtml(extra)}</p>` : ''}
      <dl>${rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl></section>`;
  }).join('');
}
