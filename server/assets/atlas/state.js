// The atlas's whole state in location.hash, so a link reproduces the map:
//   l=naturreservat@0.8,nvdb_vagnat   visible thematic layers, bottom to top, with opacity
//   base=0                           basemap off (on by default)
//   r=lan:05,06,08                   chosen region (division and codes)
//   c=ds;measure;by;scope;method;k;palette;where   choropleth
//   a=<encoded polyline>             drawn area (Google polyline, 1e-5 degrees)
//   bz=lan:06;lan:08;5               border zone
//   cmp=lamningar,naturreservat      compare: the right map's layers
//   v=zoom/lat/lon                   view
//   lang=en                          language (Swedish by default)

export function emptyState() {
  return { lang: 'sv', view: null, base: true, layers: [], region: null, choro: null, area: null, border: null, compare: null };
}

export function encodePolyline(coords) {
  let out = '';
  let plat = 0;
  let plon = 0;
  const enc = v => {
    v = v < 0 ? ~(v << 1) : v << 1;
    let s = '';
    while (v >= 0x20) { s += String.fromCharCode((0x20 | (v & 0x1f)) + 63); v >>= 5; }
    return s + String.fromCharCode(v + 63);
  };
  for (const [lon, lat] of coords) {
    const la = Math.round(lat * 1e5);
    const lo = Math.round(lon * 1e5);
    out += enc(la - plat) + enc(lo - plon);
    plat = la; plon = lo;
  }
  return out;
}

export function decodePolyline(s) {
  const coords = [];
  let i = 0; let lat = 0; let lon = 0;
  const dec = () => {
    let shift = 0; let result = 0; let b;
    do {
      if (i >= s.length) throw new Error('truncated polyline');
      b = s.charCodeAt(i++) - 63;
      result |= (b & 0x1f) << shift;
      shift += 5;
    } while (b >= 0x20);
    return result & 1 ? ~(result >> 1) : result >> 1;
  };
  while (i < s.length) {
    lat += dec(); lon += dec();
    coords.push([lon / 1e5, lat / 1e5]);
  }
  return coords;
}

export function parseHash(hash) {
  const st = emptyState();
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  if (p.get('lang') === 'en') st.lang = 'en';
  if (p.get('base') === '0') st.base = false;
  if (p.get('l')) {
    st.layers = p.get('l').split(',').filter(Boolean).map(s => {
      const [id, op] = s.split('@');
      const opacity = op == null ? 1 : Math.min(1, Math.max(0, parseFloat(op)));
      return { id, opacity: Number.isFinite(opacity) ? opacity : 1 };
    });
  }
  if (p.get('r')) {
    const [div, codes] = p.get('r').split(':');
    if (div && codes) st.region = { div, codes: codes.split(',').filter(Boolean) };
  }
  if (p.get('c')) {
    const [ds, measure, by, scope, method, k, palette, ...where] = p.get('c').split(';');
    st.choro = {
      ds, measure: measure || 'count', by: by || 'kommun', scope: scope === 'all' ? 'all' : 'region',
      method: method || 'quantile', k: Math.min(7, Math.max(3, parseInt(k, 10) || 5)),
      palette: palette || 'YlGn', where: where.join(';') || '',
    };
  }
  if (p.get('a')) {
    try {
      const c = decodePolyline(p.get('a'));
      if (c.length >= 3) st.area = c;
    } catch { /* ignored: reported as missing by the caller */ st.badArea = true; }
  }
  if (p.get('bz')) {
    const [a, b, km] = p.get('bz').split(';');
    if (a && b) st.border = { a, b, km: Math.min(50, Math.max(0.1, parseFloat(km) || 5)) };
  }
  if (p.get('cmp') != null) st.compare = p.get('cmp').split(',').filter(Boolean);
  if (p.get('v')) {
    const [z, lat, lon] = p.get('v').split('/').map(Number);
    if ([z, lat, lon].every(Number.isFinite)) st.view = { zoom: z, center: [lon, lat] };
  }
  return st;
}

export function toHash(st) {
  const parts = [];
  const put = (k, v) => parts.push(`${k}=${encodeURIComponent(v).replace(/%2C/g, ',').replace(/%3A/g, ':').replace(/%2F/g, '/').replace(/%40/g, '@').replace(/%3B/g, ';')}`);
  if (st.layers.length) put('l', st.layers.map(l => (l.opacity < 1 ? `${l.id}@${+l.opacity.toFixed(2)}` : l.id)).join(','));
  if (!st.base) put('base', '0');
  if (st.region) put('r', `${st.region.div}:${st.region.codes.join(',')}`);
  if (st.choro) {
    const c = st.choro;
    put('c', [c.ds, c.measure, c.by, c.scope, c.method, c.k, c.palette, c.where || ''].join(';'));
  }
  if (st.area) put('a', encodePolyline(st.area));
  if (st.border) put('bz', `${st.border.a};${st.border.b};${st.border.km}`);
  if (st.compare) put('cmp', st.compare.join(','));
  if (st.view) put('v', `${st.view.zoom.toFixed(2)}/${st.view.center[1].toFixed(4)}/${st.view.center[0].toFixed(4)}`);
  if (st.lang !== 'sv') put('lang', st.lang);
  return `#${parts.join('&')}`;
}
