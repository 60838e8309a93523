// Swipe comparison (@maplibre/maplibre-gl-compare, loaded on first use): the right map has the
// same basemap and its own choice of thematic layers, drawn from its own composite source as
// the left map's are (a LayerStack of its own).
import { loadScript } from './draw.js';
import { LayerStack } from './layers.js';
import { isLabelLayer } from './basemap.js';
import { transformRequest } from './key.js';

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
  constructor(ctx) { this.ctx = ctx; this.right = null; this.compare = null; this.layers = []; this.stack = null; }

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
        attributionControl: false, locale: this.ctx.locale(), preserveDrawingBuffer: true, transformRequest,
      });
      await new Promise(r => this.right.once('load', r));
      // thematic layers under the basemap's labels
      const right = this.right;
      const labels = this.ctx.basemap.layers.filter(isLabelLayer).map(l => l.id);
      this.stack = new LayerStack(right, this.ctx.catalog, { before: () => labels.find(id => right.getLayer(id)) });
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
    const missing = await this.stack.set(ids.map(id => ({ id, opacity: 1 })));
    this.layers = ids.filter(id => !missing.includes(id));
    return missing;
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
    this.stack = null;
    this.layers = [];
  }
}
