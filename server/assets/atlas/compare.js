// Swipe comparison (@maplibre/maplibre-gl-compare, loaded on first use): the right map has the
// same basemap and its own choice of thematic layers.
import { loadScript } from './draw.js';
import { addDataset, setVisible } from './layers.js';

let lib = null;
function compareLib() {
  if (!lib) {
    const css = document.createElement('link');
    css.rel = 'stylesheet';
    css.href = '/assets/vendor/maplibre-gl-compare/maplibre-gl-compare.css';
    document.head.append(css);
    lib = loadScript('/assets/vendor/maplibre-gl-compare/maplibre-gl-compare.js').then(() => maplibregl.Compare);
    lib.catch(() => { lib = null; });
  }
  return lib;
}

export class Compare {
  constructor(ctx) { this.ctx = ctx; this.right = null; this.compare = null; this.layers = []; this.styles = new Map(); }

  get active() { return Boolean(this.right); }

  async open(ids) {
    const Cmp = await compareLib();
    const { map, baseStyle } = this.ctx;
    if (!this.right) {
      const wrap = document.getElementById('maps');
      const el = document.createElement('div');
      el.id = 'map-right';
      el.className = 'map-pane';
      el.setAttribute('role', 'region');
      el.setAttribute('aria-label', this.ctx.t('compare.right'));
      wrap.append(el);
      this.right = new maplibregl.Map({
        container: el, style: baseStyle(), center: map.getCenter(), zoom: map.getZoom(),
        attributionControl: false, locale: this.ctx.locale(), preserveDrawingBuffer: true,
      });
      await new Promise(r => this.right.once('load', r));
      this.compare = new Cmp(map, this.right, '#maps', { mousemove: false, orientation: 'vertical' });
      const swiper = document.querySelector('#maps .compare-swiper-vertical');
      if (swiper) {
        // keyboard: the swipe handle is a slider
        swiper.tabIndex = 0;
        swiper.setAttribute('role', 'slider');
        swiper.setAttribute('aria-label', this.ctx.t('compare.title'));
        swiper.setAttribute('aria-valuemin', '0');
        swiper.setAttribute('aria-valuemax', '100');
        swiper.setAttribute('aria-valuenow', '50');
        swiper.addEventListener('keydown', e => {
          const w = document.getElementById('maps').clientWidth;
          const cur = this.compare.currentPosition;
          const d = e.key === 'ArrowLeft' ? -w / 20 : e.key === 'ArrowRight' ? w / 20 : 0;
          if (!d) return;
          e.preventDefault();
          const x = Math.max(0, Math.min(w, cur + d));
          this.compare.setSlider(x);
          swiper.setAttribute('aria-valuenow', String(Math.round((100 * x) / w)));
        });
      }
    }
    await this.setLayers(ids);
  }

  async setLayers(ids) {
    const known = ids.filter(id => this.ctx.catalog.byId.has(id));
    for (const [id, st] of this.styles) if (!known.includes(id)) setVisible(this.right, st, false);
    for (const id of known) {
      const st = await addDataset(this.right, id, true, 1);
      this.styles.set(id, st);
    }
    // labels on top, as in the left map
    for (const l of this.right.getStyle().layers) if (l.type === 'symbol' && l.id.startsWith('base-')) this.right.moveLayer(l.id);
    this.layers = known;
    return ids.filter(id => !known.includes(id));
  }

  close() {
    if (!this.right) return;
    this.compare.remove();
    this.right.remove();
    document.getElementById('map-right')?.remove();
    // the plugin clips the left map; undo it
    const left = this.ctx.map.getContainer();
    left.style.clip = '';
    left.style.clipPath = '';
    this.right = null;
    this.compare = null;
    this.styles.clear();
    this.layers = [];
  }
}
