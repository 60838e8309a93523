// Classification of statistics values into k classes for a choropleth.
// Every method returns { method, k, thresholds, bounds, counts }: a value v belongs to class
// c = number of thresholds <= v (so MapLibre's `step` expression draws it directly);
// bounds[c] = [lower, upper] of class c for the legend (lowest = min, highest = max).

/** Ckmeans: optimal 1-D k-means (Wang & Song 2011, "Ckmeans.1d.dp"), dynamic programming
 *  over the sorted values with prefix sums, O(k·n²) — exact; n is a division's units
 *  (at most a few hundred here). Returns the clusters as [start, end) index pairs. */
export function ckmeans(sorted, k) {
  const n = sorted.length;
  const sum = new Float64Array(n + 1);
  const sq = new Float64Array(n + 1);
  // shift by the median for numerical stability of the sums of squares
  const shift = sorted[Math.floor(n / 2)];
  for (let i = 0; i < n; i++) {
    const x = sorted[i] - shift;
    sum[i + 1] = sum[i] + x;
    sq[i + 1] = sq[i] + x * x;
  }
  // within-cluster sum of squares of sorted[j..i] inclusive
  const ssq = (j, i) => {
    const m = i - j + 1;
    const s = sum[i + 1] - sum[j];
    const d = sq[i + 1] - sq[j] - (s * s) / m;
    return d > 0 ? d : 0;
  };
  const D = Array.from({ length: k }, () => new Float64Array(n).fill(Infinity));
  const B = Array.from({ length: k }, () => new Int32Array(n));
  for (let i = 0; i < n; i++) { D[0][i] = ssq(0, i); B[0][i] = 0; }
  for (let m = 1; m < k; m++) {
    for (let i = m; i < n; i++) {
      let best = Infinity;
      let arg = m;
      // the last cluster is sorted[j..i]; the first m clusters cover sorted[0..j-1]
      for (let j = i; j >= m; j--) {
        const c = D[m - 1][j - 1] + ssq(j, i);
        if (c < best) { best = c; arg = j; }
      }
      D[m][i] = best;
      B[m][i] = arg;
    }
  }
  const clusters = [];
  let end = n - 1;
  for (let m = k - 1; m >= 0; m--) {
    const start = B[m][end];
    clusters.unshift([start, end + 1]);
    end = start - 1;
  }
  return clusters;
}

function finish(method, sorted, thresholds) {
  const min = sorted[0];
  const max = sorted[sorted.length - 1];
  // strictly increasing thresholds inside (min, max]
  const th = [];
  for (const x of thresholds) {
    if (x > min && x <= max && (th.length === 0 || x > th[th.length - 1])) th.push(x);
  }
  const edges = [min, ...th, max];
  const bounds = [];
  for (let c = 0; c < th.length + 1; c++) bounds.push([edges[c], edges[c + 1]]);
  const counts = new Array(bounds.length).fill(0);
  for (const v of sorted) counts[classOf(v, th)]++;
  return { method, k: bounds.length, thresholds: th, bounds, counts };
}

export function classOf(v, thresholds) {
  let c = 0;
  while (c < thresholds.length && v >= thresholds[c]) c++;
  return c;
}

export function classify(values, k, method) {
  const sorted = values.filter(v => v != null && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return { method, k: 0, thresholds: [], bounds: [], counts: [] };
  const n = sorted.length;
  const distinct = new Set(sorted).size;
  k = Math.max(1, Math.min(k, distinct));
  let th = [];
  if (method === 'equal') {
    const min = sorted[0];
    const step = (sorted[n - 1] - min) / k;
    for (let c = 1; c < k; c++) th.push(min + c * step);
  } else if (method === 'ckmeans') {
    th = ckmeans(sorted, k).slice(1).map(([s]) => sorted[s]);
  } else {
    method = 'quantile';
    for (let c = 1; c < k; c++) th.push(sorted[Math.min(n - 1, Math.floor((c * n) / k))]);
  }
  return finish(method, sorted, th);
}

// ColorBrewer sequential schemes, 9 classes (Cynthia Brewer, Apache-2.0); k classes are taken
// evenly from the darker eight so the lightest class still stands out from the basemap.
export const PALETTES = {
  YlGn: ['#ffffe5', '#f7fcb9', '#d9f0a3', '#addd8e', '#78c679', '#41ab5d', '#238443', '#006837', '#004529'],
  YlOrRd: ['#ffffcc', '#ffeda0', '#fed976', '#feb24c', '#fd8d3c', '#fc4e2a', '#e31a1c', '#bd0026', '#800026'],
  Blues: ['#f7fbff', '#deebf7', '#c6dbef', '#9ecae1', '#6baed6', '#4292c6', '#2171b5', '#08519c', '#08306b'],
  Purples: ['#fcfbfd', '#efedf5', '#dadaeb', '#bcbddc', '#9e9ac8', '#807dba', '#6a51a3', '#54278f', '#3f007d'],
};

export function colours(palette, k) {
  const p = PALETTES[palette] || PALETTES.YlGn;
  if (k <= 1) return [p[5]];
  const out = [];
  for (let c = 0; c < k; c++) out.push(p[1 + Math.round((c * 7) / (k - 1))]);
  return out;
}
