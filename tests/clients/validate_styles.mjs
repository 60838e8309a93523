// Validates every MapLibre style in styles/*.json: against the style specification with
// @maplibre/maplibre-gl-style-spec (installed in tests/browser: `npm ci` there), and against
// Rummet's own conventions, which the server and the atlas rely on:
// - version 8, a Swedish `name`, `metadata["rummet:dataset"]` = the file's stem;
// - `glyphs` = /fonts/{fontstack}/{range}.pbf and `sprite` = /sprites/rummet;
// - a dataset's style (the stem is a catalog id) has one vector source named after the dataset,
//   url /tiles/<id>.json, and starts with a layer `background`; the basemap's sources are catalog
//   datasets too;
// - every other layer id starts with `<stem>-` (the basemap's with `basemap-`), and its
//   source-layer is its source's name (one vector layer per dataset, named after it);
// - every property read with get/has is a column of that dataset in loaders/catalog/<id>.toml;
// - every icon an icon-image can produce is styles/sprites/<name>.svg; every text-font is one of
//   the fonts the server renders glyphs for, one font per stack;
// - something is drawn at the overview zooms: no fill, line or circle layer starts above zoom 5;
// - legends (`metadata["rummet:legend"]`): a list of {label, color, kind}; each style has one;
// - text colours reach WCAG AA contrast (4.5:1) against their halo colour;
// - every catalog dataset has a style.
// Usage, from the repository root: node tests/clients/validate_styles.mjs
// Prints each problem as `<file>: <message>` and exits 1 if there is any.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

// The style spec lives in tests/browser/node_modules; resolve it from there.
const require = createRequire(new URL('../browser/package.json', import.meta.url));
const { validateStyleMin } = require('@maplibre/maplibre-gl-style-spec');

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const stylesDir = path.join(root, 'styles');
const spritesDir = path.join(stylesDir, 'sprites');
const catalogDir = path.join(root, 'loaders/catalog');

const GLYPHS = '/fonts/{fontstack}/{range}.pbf';
const SPRITE = '/sprites/rummet';
const FONTS = new Set(['Noto Sans Regular', 'Noto Sans Bold', 'Noto Sans Italic']);
const LEGEND_KINDS = new Set(['fill', 'line', 'circle', 'symbol']);
const BASEMAP = 'atlas-basemap';
const OVERVIEW_ZOOM = 5;

// The catalog, read simply: each TOML's `id = "..."` and its fields' `column = "..."`.
const catalog = new Map();
for (const file of readdirSync(catalogDir).filter(f => f.endsWith('.toml')).sort()) {
  const text = readFileSync(path.join(catalogDir, file), 'utf8');
  const id = text.match(/^id\s*=\s*"([^"]+)"/m)?.[1];
  const columns = new Set([...text.matchAll(/^column\s*=\s*"([^"]+)"/gm)].map(m => m[1]));
  if (id) catalog.set(id, columns);
}

const problems = [];
const styleFiles = readdirSync(stylesDir).filter(f => f.endsWith('.json')).sort();
for (const file of styleFiles) {
  const report = message => problems.push(`styles/${file}: ${message}`);
  const stem = file.slice(0, -'.json'.length);
  const text = readFileSync(path.join(stylesDir, file), 'utf8');
  let style;
  try {
    style = JSON.parse(text);
  } catch (e) {
    report(`not JSON: ${e.message}`);
    continue;
  }
  for (const error of validateStyleMin(style)) {
    report(`${error.line ? `line ${error.line}: ` : ''}${error.message}`);
  }
  checkConventions(style, stem, report);
}
for (const id of catalog.keys()) {
  if (!styleFiles.includes(`${id}.json`)) problems.push(`styles/${id}.json: missing (catalog dataset ${id} has no style)`);
}

if (problems.length) {
  for (const p of problems) console.error(p);
  console.error(`${problems.length} problem(s) in ${styleFiles.length} styles`);
  process.exit(1);
}
console.log(`${styleFiles.length} styles valid: ${styleFiles.map(f => f.slice(0, -5)).join(', ')}`);

function checkConventions(style, stem, report) {
  const isBasemap = stem === BASEMAP;
  if (!isBasemap && !catalog.has(stem)) report(`${stem} is neither a catalog dataset nor the basemap`);
  if (style.version !== 8) report('version must be 8');
  if (typeof style.name !== 'string' || !style.name.trim()) report('needs a name');
  if (style.metadata?.['rummet:dataset'] !== stem) report(`metadata["rummet:dataset"] must be "${stem}"`);
  if (style.glyphs !== GLYPHS) report(`glyphs must be "${GLYPHS}"`);
  if (style.sprite !== SPRITE) report(`sprite must be "${SPRITE}"`);

  const sources = style.sources || {};
  if (!isBasemap && (Object.keys(sources).length !== 1 || !sources[stem])) report(`needs exactly one source, named "${stem}"`);
  for (const [name, source] of Object.entries(sources)) {
    if (!catalog.has(name)) report(`source "${name}" is not a catalog dataset`);
    if (source.type !== 'vector') report(`source "${name}" must be of type vector`);
    if (source.url !== `/tiles/${name}.json`) report(`source "${name}" must have url "/tiles/${name}.json"`);
  }

  const layers = style.layers || [];
  if (!isBasemap && (layers[0]?.id !== 'background' || layers[0]?.type !== 'background')) {
    report('the first layer must be the background layer "background"');
  }
  const prefix = isBasemap ? 'basemap-' : `${stem}-`;
  let overview = false;
  let legends = 0;
  for (const layer of layers) {
    const where = `layer "${layer.id}"`;
    if (!(layer.id === 'background' && !isBasemap) && !String(layer.id).startsWith(prefix)) {
      report(`${where}: id must start with "${prefix}"`);
    }
    if (layer.metadata?.['rummet:legend'] !== undefined) {
      legends += 1;
      checkLegend(layer.metadata['rummet:legend'], m => report(`${where}: legend ${m}`));
    }
    if (layer.type === 'background') continue;
    if (layer['source-layer'] !== layer.source) report(`${where}: source-layer must be "${layer.source}", the source's name`);
    const columns = catalog.get(layer.source);
    const minzoom = layer.minzoom ?? 0;
    if (layer.type !== 'symbol' && minzoom > OVERVIEW_ZOOM) report(`${where}: a ${layer.type} layer must start at zoom ${OVERVIEW_ZOOM} or lower (minzoom ${minzoom})`);
    if (minzoom <= OVERVIEW_ZOOM && layer.type !== 'symbol') overview = true;

    const expressions = [layer.filter, ...Object.values(layer.layout || {}), ...Object.values(layer.paint || {})];
    for (const property of new Set(expressions.flatMap(readProperties))) {
      if (columns && !columns.has(property)) report(`${where}: reads "${property}", not a column of ${layer.source} in loaders/catalog/${layer.source}.toml`);
    }
    const layout = layer.layout || {};
    if ('icon-image' in layout) {
      const icons = outputs(layout['icon-image']);
      if (icons === null) report(`${where}: icon-image must name its icons literally`);
      for (const icon of icons || []) {
        if (icon !== '' && !existsSync(path.join(spritesDir, `${icon}.svg`))) report(`${where}: icon "${icon}" has no styles/sprites/${icon}.svg`);
      }
    }
    if (layer.type === 'symbol' && 'text-field' in layout) {
      const stacks = 'text-font' in layout ? outputs(layout['text-font'], true) : null;
      if (!stacks) report(`${where}: text-font must be set to a literal font stack`);
      for (const stack of stacks || []) {
        if (!Array.isArray(stack) || stack.length !== 1 || !FONTS.has(stack[0])) {
          report(`${where}: text-font ${JSON.stringify(stack)} must be one of ${[...FONTS].map(f => `["${f}"]`).join(', ')}`);
        }
      }
      checkContrast(layer.paint || {}, m => report(`${where}: ${m}`));
    }
  }
  if (!overview) report(`no fill, line or circle layer draws at zoom ${OVERVIEW_ZOOM} or lower`);
  if (!legends) report('no layer has a legend (metadata["rummet:legend"])');
}

function checkLegend(entries, report) {
  if (!Array.isArray(entries) || entries.length === 0) return report('must be a non-empty list');
  for (const entry of entries) {
    if (typeof entry?.label !== 'string' || !entry.label.trim()) report(`entry ${JSON.stringify(entry)} needs a label`);
    if (!parseColor(entry?.color)) report(`entry "${entry?.label}" needs a colour (#rrggbb), not ${JSON.stringify(entry?.color)}`);
    if (!LEGEND_KINDS.has(entry?.kind)) report(`entry "${entry?.label}": kind must be one of ${[...LEGEND_KINDS].join(', ')}`);
    if (entry?.icon !== undefined && !existsSync(path.join(spritesDir, `${entry.icon}.svg`))) report(`entry "${entry.label}": icon "${entry.icon}" has no SVG`);
  }
}

// WCAG 2 contrast of every text colour a layer can produce against every halo colour.
function checkContrast(paint, report) {
  const texts = outputs(paint['text-color'] ?? '#000000');
  const halos = outputs(paint['text-halo-color'] ?? 'rgba(0,0,0,0)');
  if (!texts || !halos) return report('text-color and text-halo-color must be literal colours');
  if (!(paint['text-halo-width'] >= 1)) report('text needs a halo at least 1 px wide');
  for (const t of texts) {
    for (const h of halos) {
      const ratio = contrast(parseColor(t), parseColor(h));
      if (ratio === null) report(`cannot read the colours ${t} / ${h}`);
      else if (ratio < 4.5) report(`text colour ${t} on halo ${h} has contrast ${ratio.toFixed(2)}:1, below WCAG AA 4.5:1`);
    }
  }
}

// The property names an expression (or a legacy filter) reads: ["get", name], ["has", name], and
// the legacy ["==", name, value], ["in", name, v1, v2, ...] (a name, then literal values).
function readProperties(expr) {
  if (!Array.isArray(expr)) return [];
  const [op, ...args] = expr;
  if (op === 'literal') return [];
  const found = [];
  const legacy = typeof args[0] === 'string' && !args[0].startsWith('$') && args.slice(1).every(a => !Array.isArray(a));
  if ((op === 'get' || op === 'has' || op === '!has') && args.length === 1 && typeof args[0] === 'string') found.push(args[0]);
  else if (['==', '!=', '<', '<=', '>', '>=', 'in', '!in'].includes(op) && legacy && args.length >= 2) found.push(args[0]);
  for (const a of args) found.push(...readProperties(a));
  return [...new Set(found)];
}

// The values an expression can evaluate to, when they are literals: the outputs of case, match,
// step, coalesce and literal; null when an output is computed. With `arrays`, literal arrays
// (font stacks) are values rather than expressions.
function outputs(expr, arrays = false) {
  if (!Array.isArray(expr)) return [expr];
  if (arrays && expr.every(e => typeof e === 'string') && !isOperator(expr[0])) return [expr];
  const [op, ...args] = expr;
  let branches;
  switch (op) {
    case 'literal': return [args[0]];
    case 'case': branches = args.filter((_, i) => i % 2 === 1 || i === args.length - 1); break;
    case 'match': branches = args.slice(1).filter((_, i, rest) => i % 2 === 1 || i === rest.length - 1); break;
    case 'step': branches = [args[1], ...args.slice(2).filter((_, i) => i % 2 === 1)]; break;
    case 'interpolate': branches = args.slice(2).filter((_, i) => i % 2 === 1); break;
    case 'coalesce': branches = args; break;
    case 'image': branches = [args[0]]; break;
    default: return null;
  }
  const all = [];
  for (const b of branches) {
    const o = outputs(b, arrays);
    if (o === null) return null;
    all.push(...o);
  }
  return all;
}
function isOperator(name) {
  return ['literal', 'case', 'match', 'step', 'interpolate', 'coalesce', 'get', 'concat', 'format', 'to-string', 'image'].includes(name);
}

function parseColor(c) {
  if (typeof c !== 'string') return null;
  let m = c.trim().match(/^#([0-9a-f]{3}|[0-9a-f]{6})$/i);
  if (m) {
    const h = m[1].length === 3 ? [...m[1]].map(x => x + x).join('') : m[1];
    return [0, 2, 4].map(i => parseInt(h.slice(i, i + 2), 16));
  }
  m = c.match(/^rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)/i);
  return m ? [+m[1], +m[2], +m[3]] : null;
}
function contrast(a, b) {
  if (!a || !b) return null;
  const lum = rgb => {
    const [r, g, bl] = rgb.map(v => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [l1, l2] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (l1 + 0.05) / (l2 + 0.05);
}
