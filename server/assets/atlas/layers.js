// Thematic layers: each dataset's own style (/styles/{id}.json, background stripped), all the
// shown datasets drawn from one composite source (/tiles/a,b,c.json, one MVT per tile position
// with a layer per dataset, ids sorted so the URL, and the caches behind it, do not depend on
// order or opacity); opacity scales the style's own opacities; order is the user's, bottom to
// top. A dataset whose style is not the server's own tiles keeps a source of its own.
import { getJSON, notifyError } from './api.js';
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

/** The shared source's name; a 17th and later dataset go to `thematic-2`, … */
export const THEMATIC = 'thematic';
/** Most datasets the server combines in one composite tile. */
const MAX_COMPOSITE = 16;

const styles = new Map();

/**
 * A dataset's style: its own source, its layers (ids `<id>-…`, on source `ds-<id>`), glyphs,
 * sprite, and whether it can join a composite (the server's vector tiles, one source-layer
 * named by the dataset).
 */
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
      const own = layers.filter(l => l.source === `ds-${id}`);
      const composable = source.type === 'vector' && source.url === compositeUrl([id])
        && own.length > 0 && own.every(l => l['source-layer'] === id) && layers.every(l => l.source === `ds-${id}`);
      return { id, source, layers, composable, glyphs: style.glyphs, sprite: style.sprite };
    });
    styles.set(id, p);
    p.catch(() => styles.delete(id));
  }
  return styles.get(id);
}

/** Forgets the styles fetched: the key changed, or a dataset has a new version. */
export function forgetStyles() { styles.clear(); }

/** The composite TileJSON of datasets `ids` (one id: the dataset's own). */
export const compositeUrl = ids => abs(`/tiles/${ids.map(encodeURIComponent).join(',')}.json`);

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

export function setOpacity(map, st, k) {
  for (const l of st.layers) {
    if (!map.getLayer(l.id)) continue;
    for (const prop of OPACITY_PROPS[l.type] || []) {
      map.setPaintProperty(l.id, prop, scaleOpacity(l.paint?.[prop], k));
    }
  }
}

/**
 * The atlas's layer stack (also the compare map's). `order` holds every thematic dataset
 * bottom to top; `visible` maps the shown ones to their opacity. Only shown datasets have
 * layers on the map; `before()` names the layer they go under (else on top, until restacked).
 */
export class LayerStack {
  constructor(map, catalog, { before = () => undefined } = {}) {
    this.map = map;
    this.catalog = catalog;
    this.before = before;
    this.order = catalog.thematic.map(d => d.id);
    this.visible = new Map();
    this.styles = new Map();
    /** Dataset id -> its style on the way. */
    this.loading = new Map();
    /** Source name -> the sorted dataset ids it was added with. */
    this.sources = new Map();
    /** Dataset id -> the source its layers are on. */
    this.sourceOf = new Map();
  }

  async show(id, on, opacity) {
    if (!this.catalog.byId.has(id)) return false;
    if (opacity != null) this.visible.set(id, opacity);
    if (on && !this.visible.has(id)) this.visible.set(id, 1);
    if (!on) this.visible.delete(id);
    await this.load(on ? [id] : []);
    return true;
  }

  /** Loads the styles of `ids`, then brings the map up to date once nothing is loading. */
  async load(ids) {
    for (const id of ids) {
      if (this.styles.has(id) || this.loading.has(id)) continue;
      this.loading.set(id, datasetStyle(id).then(st => { this.styles.set(id, st); }).finally(() => this.loading.delete(id)));
    }
    const results = await Promise.allSettled(ids.map(id => this.loading.get(id)).filter(Boolean));
    this.sync();
    const failed = results.find(r => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /**
   * Makes the map show the visible datasets whose styles are here: the composite source is
   * replaced only when that set changes (layers off, source off, new source, layers back in
   * stack order); opacity is set in place. Waits while a visible dataset's style is loading,
   * so a view of several datasets makes one composite, not one per style that arrives.
   */
  sync() {
    const { map } = this;
    if ([...this.visible.keys()].some(id => this.loading.has(id))) return;
    const shown = this.shown().filter(id => this.styles.has(id));
    const composite = shown.filter(id => this.styles.get(id).composable).sort();
    const groups = [];
    for (let i = 0; i < composite.length; i += MAX_COMPOSITE) groups.push(composite.slice(i, i + MAX_COMPOSITE));
    const want = new Map(groups.map((ids, i) => [i ? `${THEMATIC}-${i + 1}` : THEMATIC, ids]));
    for (const id of shown) if (!this.styles.get(id).composable) want.set(`ds-${id}`, [id]);
    const changed = [...new Set([...this.sources.keys(), ...want.keys()])]
      .filter(s => (this.sources.get(s) || []).join(',') !== (want.get(s) || []).join(','));
    // datasets whose layers must go: hidden ones, and every one on a source being replaced
    const drop = new Set([...this.sourceOf].filter(([id, s]) => !shown.includes(id) || changed.includes(s)).map(([id]) => id));
    const before = this.before();
    for (const id of drop) {
      for (const l of this.styles.get(id)?.layers || []) if (map.getLayer(l.id)) map.removeLayer(l.id);
      this.sourceOf.delete(id);
    }
    for (const s of changed) {
      if (map.getSource(s)) map.removeSource(s);
      this.sources.delete(s);
      const ids = want.get(s);
      if (!ids) continue;
      const st = this.styles.get(ids[0]);
      map.addSource(s, s.startsWith('ds-') ? st.source : { type: 'vector', url: compositeUrl(ids) });
      this.sources.set(s, ids);
    }
    const sourceFor = id => [...want].find(([, ids]) => ids.includes(id))[0];
    for (const id of shown) {
      const st = this.styles.get(id);
      if (!this.sourceOf.has(id)) {
        const source = sourceFor(id);
        const k = this.visible.get(id) ?? 1;
        // the composite's zooms are the union: the dataset's own minzoom still applies
        const dsMin = this.catalog.byId.get(id)?.minzoom || 0;
        for (const l of st.layers) {
          const layer = { ...l, source: l.source === `ds-${id}` ? source : l.source, layout: { ...(l.layout || {}), visibility: 'visible' } };
          if (dsMin > (l.minzoom ?? 0) && layer.source === source) layer.minzoom = dsMin;
          if (k !== 1) layer.paint = { ...(l.paint || {}), ...Object.fromEntries((OPACITY_PROPS[l.type] || []).map(p => [p, scaleOpacity(l.paint?.[p], k)])) };
          map.addLayer(layer, before && map.getLayer(before) ? before : undefined);
        }
        this.sourceOf.set(id, source);
      } else setOpacity(map, st, this.visible.get(id) ?? 1);
    }
  }

  /**
   * A new catalog (a key entered or forgotten, a dataset published or removed): datasets no
   * longer in it leave the map and the order, new ones join the order on top.
   */
  setCatalog(catalog) {
    this.catalog = catalog;
    const known = id => catalog.byId.has(id) && catalog.byId.get(id).role !== 'division';
    for (const id of [...this.visible.keys()]) if (!known(id)) this.visible.delete(id);
    this.sync();
    for (const id of [...this.styles.keys()]) if (!known(id)) this.styles.delete(id);
    const ids = catalog.thematic.map(d => d.id);
    this.order = [...this.order.filter(known), ...ids.filter(id => !this.order.includes(id))];
  }

  /** `id` has a new version: its style is fetched again and, if shown, its layers redrawn. */
  async renew(id) {
    const k = this.visible.get(id);
    if (k != null) { this.visible.delete(id); this.sync(); }
    this.styles.delete(id);
    if (k == null) return;
    this.visible.set(id, k);
    await this.load([id]);
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

  /** The source a shown dataset's features come from (null until its layers are added). */
  source(id) { return this.sourceOf.get(id) || null; }

  /** Layer ids on the map, bottom to top. */
  layerIds() {
    const ids = [];
    for (const id of this.order) {
      if (!this.sourceOf.has(id)) continue;
      ids.push(...this.styles.get(id).layers.map(l => l.id).filter(l => this.map.getLayer(l)));
    }
    return ids;
  }

  /** Sets order, visibility and opacity at once (from a URL): list bottom to top. */
  async set(list) {
    const known = list.filter(l => this.catalog.byId.has(l.id) && this.catalog.byId.get(l.id).role !== 'division');
    const ids = known.map(l => l.id);
    this.order = [...this.order.filter(x => !ids.includes(x)), ...ids];
    for (const id of [...this.visible.keys()]) if (!ids.includes(id)) this.visible.delete(id);
    for (const l of known) this.visible.set(l.id, l.opacity ?? 1);
    await this.load(ids).catch(notifyError);
    return list.filter(l => !known.includes(l)).map(l => l.id);
  }
}
