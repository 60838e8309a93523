// Numbers, areas, lengths and dates the way a Swedish report writes them, and the labels and
// values of feature properties from the catalog's field descriptions.
import { t, locale, getLang } from './i18n.js';

export function num(v, digits) {
  if (v == null || !Number.isFinite(+v)) return '';
  v = +v;
  if (digits == null) {
    const a = Math.abs(v);
    digits = a === 0 ? 0 : a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
    if (Number.isInteger(v)) digits = 0;
  }
  return v.toLocaleString(locale(), { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** m² as ha below 1 km², else km². */
export function area(m2) {
  if (m2 == null || !Number.isFinite(+m2)) return '';
  m2 = +m2;
  if (Math.abs(m2) < 1e6) return `${num(m2 / 1e4)} ha`;
  return `${num(m2 / 1e6)} km²`;
}

/** m as m below 1 km, else km. */
export function length(m) {
  if (m == null || !Number.isFinite(+m)) return '';
  m = +m;
  if (Math.abs(m) < 1000) return `${num(m, 0)} m`;
  return `${num(m / 1000)} km`;
}

/** A file's size: kB below 1 MB, else MB. */
export function bytes(n) {
  if (n == null || !Number.isFinite(+n)) return '?';
  if (n < 1e6) return `${num(Math.max(1, Math.round(n / 1e3)), 0)} kB`;
  return `${num(n / 1e6, n < 1e7 ? 1 : 0)} MB`;
}

export function date(s) {
  const d = new Date(String(s).length === 10 ? `${s}T12:00:00` : s);
  if (Number.isNaN(d.getTime())) return String(s);
  return d.toLocaleDateString(locale(), { year: 'numeric', month: 'long', day: 'numeric' });
}

/** A statistics value with the unit the API named (m, m², %, features, or a field's unit). */
export function statValue(v, unit) {
  if (v == null || !Number.isFinite(+v)) return '–';
  switch (unit) {
    case 'm²': return area(v);
    case 'm': return length(v);
    case '%': return `${num(v, Math.abs(v) < 10 ? 2 : 1)} %`;
    case 'features': return `${num(v, 0)} ${getLang() === 'sv' ? 'st' : ''}`.trim();
    case 'people': return `${num(v, 0)} ${getLang() === 'sv' ? 'inv.' : 'people'}`;
    default: return unit ? `${num(v)} ${unit}` : num(v);
  }
}

/** A class bound, in the unit the whole legend is written in (so bounds line up). */
export function scaleFor(unit, values) {
  const max = Math.max(0, ...values.filter(Number.isFinite).map(Math.abs));
  if (unit === 'm²') return max >= 1e6 ? { k: 1e-6, label: 'km²' } : { k: 1e-4, label: 'ha' };
  if (unit === 'm') return max >= 1000 ? { k: 1e-3, label: 'km' } : { k: 1, label: 'm' };
  if (unit === 'features') return { k: 1, label: getLang() === 'sv' ? 'st' : 'features' };
  if (unit === 'people') return { k: 1, label: getLang() === 'sv' ? 'inv.' : 'people' };
  return { k: 1, label: unit || '' };
}

const CODE_LIST = /^(.*?)\s*\(((?:\s*[\w-]+\s+[^,()]+,?)+)\)\s*$/u;

/** Parses the catalog's Swedish field description into a label and, when it lists codes
 *  ("Väghållartyp (1 statlig, 2 kommunal, 3 enskild)"), their meanings. */
export function fieldInfo(field) {
  const name = field.name;
  if (name === 'area_m2') return { label: t('popup.area'), kind: 'area_m2' };
  if (name === 'length_m') return { label: t('popup.length'), kind: 'length_m' };
  let label = field.description || name;
  let codes = null;
  const m = label.match(CODE_LIST);
  if (m) {
    const pairs = m[2].split(',').map(s => s.trim().match(/^(\d+)\s+(.+)$/)).filter(Boolean);
    if (pairs.length >= 2) {
      codes = Object.fromEntries(pairs.map(p => [p[1], p[2]]));
      label = m[1];
    }
  }
  let kind = 'text';
  if (/_ha$/.test(name)) kind = 'ha';
  else if (/_m$/.test(name) && /double|real|numeric/.test(field.type)) kind = 'm';
  else if (/int|double|real|numeric|float/.test(field.type)) kind = 'number';
  return { label, kind, codes };
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+Z?)?$/;

/** A property value for a popup; '' when it should be left out. */
export function fieldValue(info, v) {
  if (v == null || v === '') return '';
  if (info.codes && info.codes[String(v)] != null) return `${info.codes[String(v)]} (${v})`;
  switch (info.kind) {
    case 'area_m2': return area(v);
    case 'length_m': return length(v);
    case 'ha': return `${num(v)} ha`;
    case 'm': return `${num(v)} m`;
    case 'number': return num(v);
    default:
      if (typeof v === 'string' && ISO_DATE.test(v)) return date(v);
      if (typeof v === 'number') return num(v);
      return String(v);
  }
}

export function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}
