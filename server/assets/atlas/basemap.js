// The basemap: the designed /styles/atlas-basemap.json when the server has it, else one built
// here from the län and kommun boundaries (sea as background, land from the län, borders,
// names) on the `divisions` composite source, which the choropleth and region layers share.
import { abs } from './catalog.js';

export const LABEL_COLOUR = '#3d362e';
export const SEA = '#c6dbe6';
export const LAND = '#f4f1ea';

/** The composite source of every loaded division, joined to statistics by feature-state. */
export function divisionsSource(catalog) {
  const ids = Object.keys(catalog.divisions);
  const promoteId = Object.fromEntries(ids.map(id => [id, catalog.divisions[id].code]));
  return { type: 'vector', url: abs(`/tiles/${ids.join(',')}.json`), promoteId };
}

function builtBasemap(catalog) {
  const has = id => Boolean(catalog.divisions[id]);
  const layers = [{ id: 'base-sea', type: 'background', paint: { 'background-color': SEA } }];
  if (has('lan')) {
    layers.push({ id: 'base-land', type: 'fill', source: 'divisions', 'source-layer': 'lan', paint: { 'fill-color': LAND, 'fill-antialias': false } });
  } else if (has('kommun')) {
    layers.push({ id: 'base-land', type: 'fill', source: 'divisions', 'source-layer': 'kommun', paint: { 'fill-color': LAND, 'fill-antialias': false } });
  }
  if (has('kommun')) {
    layers.push({
      id: 'base-kommun-line', type: 'line', source: 'divisions', 'source-layer': 'kommun', minzoom: 5,
      layout: { 'line-join': 'round' },
      paint: { 'line-color': '#a89c8a', 'line-width': ['interpolate', ['linear'], ['zoom'], 5, 0.3, 8, 0.8, 12, 1.5], 'line-dasharray': [3, 1.5] },
    });
  }
  if (has('lan')) {
    layers.push({
      id: 'base-lan-line', type: 'line', source: 'divisions', 'source-layer': 'lan',
      layout: { 'line-join': 'round' },
      paint: { 'line-color': '#6e6252', 'line-width': ['interpolate', ['linear'], ['zoom'], 3, 0.6, 7, 1.4, 12, 2.6] },
    });
    layers.push({
      id: 'base-lan-label', type: 'symbol', source: 'labels', maxzoom: 7.5, filter: ['==', ['get', 'layer'], 'lan'],
      layout: {
        'text-field': ['get', 'name'], 'text-font': ['Noto Sans Bold'],
        'text-size': ['interpolate', ['linear'], ['zoom'], 4, 10.5, 7, 13], 'text-letter-spacing': 0.03,
        'text-max-width': 7, 'text-padding': 4, 'symbol-sort-key': ['-', 0, ['get', 'area']],
      },
      paint: { 'text-color': LABEL_COLOUR, 'text-halo-color': 'rgba(255,255,255,0.9)', 'text-halo-width': 1.4 },
    });
  }
  if (has('kommun')) {
    layers.push({
      id: 'base-kommun-label', type: 'symbol', source: 'labels', minzoom: 7, filter: ['==', ['get', 'layer'], 'kommun'],
      layout: {
        'text-field': ['get', 'name'], 'text-font': ['Noto Sans Regular'],
        'text-size': ['interpolate', ['linear'], ['zoom'], 7, 11, 11, 14], 'text-max-width': 8, 'text-padding': 3,
        'symbol-sort-key': ['-', 0, ['get', 'area']],
      },
      paint: { 'text-color': LABEL_COLOUR, 'text-halo-color': 'rgba(255,255,255,0.9)', 'text-halo-width': 1.3 },
    });
  }
  return { designed: false, usesLabels: true, sources: {}, layers };
}

/**
 * The designed basemap, or null when the server has none (404/400) or it is unusable. Its
 * sources that are single divisions (/tiles/lan.json, /tiles/kommun.json) are served from the
 * one `divisions` composite instead, and its unit names are drawn once per unit from the
 * `labels` source (labels.js) in the designer's type.
 */
async function designedBasemap(catalog) {
  let res;
  try {
    res = await fetch('/styles/atlas-basemap.json');
  } catch {
    return null;
  }
  if (!res.ok) return null;
  try {
    const style = await res.json();
    if (!style || !Array.isArray(style.layers) || !style.sources) return null;
    const sources = {};
    const toDivisions = {};
    for (const [k, s] of Object.entries(style.sources)) {
      const m = typeof s.url === 'string' && s.url.match(/\/tiles\/([\w,]+)\.json$/);
      const ids = m ? m[1].split(',') : [];
      if (s.type === 'vector' && ids.length && ids.every(id => catalog.divisions[id])) {
        toDivisions[k] = true;
        continue;
      }
      const src = { ...s };
      if (src.url) src.url = abs(src.url);
      if (Array.isArray(src.tiles)) src.tiles = src.tiles.map(abs);
      sources[`basemap-${k}`] = src;
    }
    let usesLabels = false;
    const layers = style.layers.map(l => {
      const out = { ...l, id: `base-${l.id}` };
      if (!l.source) return out;
      if (!toDivisions[l.source]) return { ...out, source: `basemap-${l.source}` };
      const layer = l['source-layer'];
      const div = catalog.divisions[layer];
      const tf = l.layout?.['text-field'];
      if (l.type === 'symbol' && div && Array.isArray(tf) && tf[0] === 'get' && tf[1] === div.name && !l.filter) {
        usesLabels = true;
        const { 'source-layer': _, ...rest } = out;
        return {
          ...rest, source: 'labels', filter: ['==', ['get', 'layer'], layer],
          layout: { ...l.layout, 'text-field': ['get', 'name'], 'symbol-sort-key': ['-', 0, ['get', 'area']] },
        };
      }
      return { ...out, source: 'divisions' };
    });
    return { designed: true, usesLabels, sources, layers, glyphs: style.glyphs, sprite: style.sprite };
  } catch {
    return null;
  }
}

export async function loadBasemap(catalog) {
  return (await designedBasemap(catalog)) || builtBasemap(catalog);
}

/** Basemap symbol layers go on top of everything (names stay readable); the rest at the bottom. */
export function isLabelLayer(layer) { return layer.type === 'symbol'; }
