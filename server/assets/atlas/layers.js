// Thematic layers: each dataset's own style (/styles/{id}.json, background stripped) on its
// own source, toggled by visibility so switching never refetches tiles; opacity scales the
// style's own opacities; order is the user's, bottom to top.
import { getJSON } from './api.js';
import { abs } from './catalog.js';

const OPACITY_PROPS = {
  fill: ['fill-opacity'],
  line: ['line-opacity'],
  circle: ['circle-opacity', 'circle-stroke-opacity'],
  symbol: ['text-opacity', 'icon-opacity'],
  'fill-extrusion': ['fill-extrusion-opacity'],
  raster: ['raster-opacity'],
  heatmap: ['heatmap-opacity'],
};

const styles = new Map();

/** A dataset's style: its source, its layers (ids `<id>-…`), glyphs and sprite. */
export function datasetStyle(id) {
  if (!styles.has(id)) {
    const p = getJSON(`/styles/${encodeURIComponent(id)}.json`).then(style => {
      const src = style.sources[id] || Object.values(style.sources)[0];
      const source = { ...src };
      if (source.url) source.url = abs(source.url);
      if (Array.isArray(source.tiles)) source.tiles = source.tiles.map(abs);
      const sourceName = style.sources[id] ? id : Object.keys(style.sources)[0];
      const layers = style.layers
        .filter(l => l.type !== 'background')
        .map(l => ({ ...l, id: l.id.startsWith(`${id}-`) ? l.id : `${id}-${l.id}`, source: l.source === sourceName ? `ds-${id}` : l.source }));
      return { id, source, layers, glyphs: style.glyphs, sprite: style.sprite };
    });
    styles.set(id, p);
    p.catch(() => styles.delete(id));
  }
  return styles.get(id);
}

function isZoomExpr(e) {
  return Array.isArray(e) && (e[0] === 'interpolate' || e[0] === 'step') && Array.isArray(e[2]) && e[2][0] === 'zoom';
}

/** The style's opacity scaled by k, keeping zoom curves top-level. */
export function scaleOpacity(orig, k) {
  if (orig == null) return k;
  if (typeof orig === 'number') return orig * k;
  if (k === 1) return orig;
  if (isZoomExpr(orig)) {
    const out = orig.slice();
    const first = orig[0] === 'interpolate' ? 4 : 3;
    if (orig[0] === 'step') out[1] = scaleOpacity(orig[1], k);
    for (let i = first; i < out.length; i += 2) out[i] = scaleOpacity(out[i], k);
    return out;
  }
  return ['*', orig, k];
}

/** Adds a dataset's source and layers to a map (hidden unless visible), once. */
export async function addDataset(map, id, visible, opacity = 1) {
  const st = await datasetStyle(id);
  if (!map.getSource(`ds-${id}`)) map.addSource(`ds-${id}`, st.source);
  for (const l of st.layers) {
    if (map.getLayer(l.id)) continue;
    map.addLayer({ ...l, layout: { ...(l.layout || {}), visibility: visible ? 'visible' : 'none' } });
  }
  setOpacity(map, st, opacity);
  setVisible(map, st, visible);
  return st;
}

export function setVisible(map, st, on) {
  for (const l of st.layers) if (map.getLayer(l.id)) map.setLayoutProperty(l.id, 'visibility', on ? 'visible' : 'none');
}

export function setOpacity(map, st, k) {
  for (const l of st.layers) {
    if (!map.getLayer(l.id)) continue;
    for (const prop of OPACITY_PROPS[l.type] || []) {
      map.setPaintProperty(l.id, prop, scaleOpacity(l.paint?.[prop], k));
    }
  }
}

/**
 * The atlas's layer stack. `order` holds every thematic dataset bottom to top; `visible`
 * maps the shown ones to their opacity.
 */
export class LayerStack {
  constructor(map, catalog) {
    this.map = map;
    this.catalog = catalog;
    this.order = catalog.thematic.map(d => d.id);
    this.visible = new Map();
    this.styles = new Map();
  }

  async show(id, on, opacity) {
    if (!this.catalog.byId.has(id)) return false;
    if (opacity != null) this.visible.set(id, opacity);
    if (on && !this.visible.has(id)) this.visible.set(id, 1);
    if (!on) this.visible.delete(id);
    if (on || this.styles.has(id)) {
      const st = await addDataset(this.map, id, on, this.visible.get(id) ?? 1);
      this.styles.set(id, st);
      // a later call may have changed our mind while the style loaded
      setVisible(this.map, st, this.visible.has(id));
    }
    return true;
  }

  opacity(id, k) {
    if (!this.visible.has(id)) return;
    this.visible.set(id, k);
    const st = this.styles.get(id);
    if (st) setOpacity(this.map, st, k);
  }

  /** dir +1 = up (drawn later), -1 = down, among the visible layers. */
  move(id, dir) {
    const vis = this.order.filter(x => this.visible.has(x));
    const i = vis.indexOf(id);
    const j = i + dir;
    if (i < 0 || j < 0 || j >= vis.length) return false;
    const other = vis[j];
    const a = this.order.indexOf(id);
    const b = this.order.indexOf(other);
    this.order[a] = other;
    this.order[b] = id;
    return true;
  }

  /** Visible datasets, bottom to top. */
  shown() { return this.order.filter(id => this.visible.has(id)); }

  /** Layer ids of visible datasets, bottom to top. */
  layerIds() {
    const ids = [];
    for (const id of this.order) {
      const st = this.styles.get(id);
      if (st) ids.push(...st.layers.map(l => l.id));
    }
    return ids;
  }

  /** Sets order and visibility at once (from a URL): list bottom to top. */
  async set(list) {
    const known = list.filter(l => this.catalog.byId.has(l.id) && this.catalog.byId.get(l.id).role !== 'division');
    const ids = known.map(l => l.id);
    this.order = [...this.order.filter(x => !ids.includes(x)), ...ids];
    for (const id of [...this.visible.keys()]) if (!ids.includes(id)) await this.show(id, false);
    await Promise.all(known.map(l => this.show(l.id, true, l.opacity)));
    return list.filter(l => !known.includes(l)).map(l => l.id);
  }
}
