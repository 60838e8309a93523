// One name label per unit for the built basemap. Polygon labels on vector tiles repeat in
// every tile a unit crosses, so label points are taken from the tiles already loaded (the
// largest piece seen of each unit, at a point well inside it) into a small GeoJSON source.

function ringArea(r) {
  let a = 0;
  for (let i = 0, j = r.length - 1; i < r.length; j = i++) a += (r[j][0] - r[i][0]) * (r[j][1] + r[i][1]);
  return Math.abs(a / 2);
}

function inside(pt, rings) {
  let c = false;
  for (const r of rings) {
    for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
      if ((r[i][1] > pt[1]) !== (r[j][1] > pt[1]) && pt[0] < ((r[j][0] - r[i][0]) * (pt[1] - r[i][1])) / (r[j][1] - r[i][1]) + r[i][0]) c = !c;
    }
  }
  return c;
}

function distToEdges(pt, rings, k) {
  let best = Infinity;
  for (const r of rings) {
    for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
      const ax = r[j][0] * k; const ay = r[j][1]; const bx = r[i][0] * k; const by = r[i][1];
      const px = pt[0] * k; const py = pt[1];
      const dx = bx - ax; const dy = by - ay;
      const l2 = dx * dx + dy * dy;
      let t = l2 ? ((px - ax) * dx + (py - ay) * dy) / l2 : 0;
      t = Math.max(0, Math.min(1, t));
      const ex = ax + t * dx - px; const ey = ay + t * dy - py;
      const d = ex * ex + ey * ey;
      if (d < best) best = d;
    }
  }
  return Math.sqrt(best);
}

/** A point well inside the polygon (coarse pole of inaccessibility on a grid). */
function labelPoint(rings) {
  const outer = rings[0];
  let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x, y] of outer) { w = Math.min(w, x); s = Math.min(s, y); e = Math.max(e, x); n = Math.max(n, y); }
  const k = Math.cos((((s + n) / 2) * Math.PI) / 180);
  let best = null;
  let bestD = -1;
  const N = 12;
  for (let i = 0; i <= N; i++) {
    for (let j = 0; j <= N; j++) {
      const p = [w + ((e - w) * (i + 0.5)) / (N + 1), s + ((n - s) * (j + 0.5)) / (N + 1)];
      if (!inside(p, rings)) continue;
      const d = distToEdges(p, rings, k);
      if (d > bestD) { bestD = d; best = p; }
    }
  }
  return best || [(w + e) / 2, (s + n) / 2];
}

/** Keeps a GeoJSON source `labels` of one point per unit of the given source layers. */
export function unitLabels(map, layers) {
  const best = new Map(); // `${layer}:${code}` -> { area, point, name }
  let dirty = false;
  let last = { type: 'FeatureCollection', features: [] };
  const scan = () => {
    if (!map.getSource('divisions')) return;
    for (const { layer, code, name } of layers) {
      let feats;
      try { feats = map.querySourceFeatures('divisions', { sourceLayer: layer }); } catch { continue; }
      for (const f of feats) {
        const c = f.properties[code];
        if (c == null) continue;
        const polys = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.type === 'MultiPolygon' ? f.geometry.coordinates : [];
        for (const rings of polys) {
          const a = ringArea(rings[0]);
          const key = `${layer}:${c}`;
          const cur = best.get(key);
          if (cur && cur.area >= a * 1.02) continue;
          best.set(key, { area: a, rings, name: f.properties[name], layer, point: null });
          dirty = true;
        }
      }
    }
    if (!dirty) return;
    dirty = false;
    const features = [];
    for (const [key, v] of best) {
      if (!v.point) { v.point = labelPoint(v.rings); v.rings = null; }
      features.push({ type: 'Feature', id: features.length, properties: { name: v.name, layer: v.layer, area: v.area, key }, geometry: { type: 'Point', coordinates: v.point } });
    }
    last = { type: 'FeatureCollection', features };
    map.getSource('labels')?.setData(last);
  };
  if (!map.getSource('labels')) map.addSource('labels', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
  let timer = null;
  map.on('sourcedata', e => {
    if (e.sourceId !== 'divisions' || !e.isSourceLoaded) return;
    clearTimeout(timer);
    timer = setTimeout(scan, 120);
  });
  map.on('moveend', () => { clearTimeout(timer); timer = setTimeout(scan, 200); });
  return { scan, data: () => last };
}
