// The catalog: loaded datasets, thematic ones grouped by agency, and the divisions
// (kommun, län, FA-region) with their code and name fields.
import { getJSON } from './api.js';

export const abs = path => new URL(path, location.href).href.replace(/%7B/gi, '{').replace(/%7D/gi, '}');

// Known name fields; otherwise a text field whose description names a name, else the id.
const NAME_FIELDS = { kommun: 'kommun', lan: 'lan', fa: 'fa_namn' };
export const DIVISIONS = ['kommun', 'lan', 'fa'];

/** Whether a population grid is loaded: polygons can then be measured by the people inside. */
let peopleCounted = false;

export async function loadCatalog() {
  const { datasets } = await getJSON('/catalog');
  peopleCounted = datasets.some(d => d.role === 'population');
  const byId = new Map(datasets.map(d => [d.id, d]));
  const thematic = datasets.filter(d => d.role !== 'division');
  const groups = new Map();
  for (const d of [...thematic].sort((a, b) => (a.agency || '').localeCompare(b.agency || '', 'sv') || a.title.localeCompare(b.title, 'sv'))) {
    const g = d.agency || '–';
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g).push(d);
  }
  const divisions = {};
  for (const id of DIVISIONS) {
    const d = byId.get(id);
    if (!d) continue;
    const text = d.fields.filter(f => f.type === 'text');
    const code = (text.find(f => f.name === `${id}_kod`) || text.find(f => /_kod$/.test(f.name)) || text[0])?.name;
    const name = (text.find(f => f.name === NAME_FIELDS[id]) || text.find(f => /namn/i.test(f.description || '')) || text[1] || text[0])?.name;
    divisions[id] = { id, code, name, ds: d };
  }
  return { datasets, byId, thematic, groups, divisions };
}

/** Which measures a dataset can answer, by geometry. */
export function measuresFor(ds) {
  // a population grid is measured by its people per unit, counted at load
  if (ds.role === 'population') return ['population'];
  const g = (ds.geometry_type || '').toLowerCase();
  const m = ['count'];
  if (g.includes('line')) m.push('length');
  if (g.includes('polygon')) m.push('area', 'share');
  if (g.includes('polygon') && peopleCounted) m.push('population', 'population_share');
  for (const f of ds.fields) {
    if (/int|double|real|numeric|float/.test(f.type) && !/^(area_m2|length_m)$/.test(f.name)) {
      m.push(`sum:${f.name}`, `avg:${f.name}`);
    }
  }
  return m;
}

/** The measures that describe a dataset inside an area (drawn or a border zone). */
export function areaMeasures(ds) {
  if (ds.role === 'population') return ['population'];
  const g = (ds.geometry_type || '').toLowerCase();
  if (g.includes('polygon')) return ['count', 'area', 'share'];
  if (g.includes('line')) return ['count', 'length'];
  return ['count'];
}
