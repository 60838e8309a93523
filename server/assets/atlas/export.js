// PNG export for a report: the map canvas (the map keeps its drawing buffer) composited with
// a title, the legend, a scale bar, a north arrow and the sources.
import { t, locale } from './i18n.js';

function roundedScale(maxMetres) {
  const pow = 10 ** Math.floor(Math.log10(maxMetres));
  const d = maxMetres / pow;
  const nice = d >= 5 ? 5 : d >= 2 ? 2 : 1;
  return nice * pow;
}

function wrap(ctx, text, maxWidth) {
  const words = String(text).split(/\s+/);
  const lines = [];
  let line = '';
  for (const w of words) {
    const test = line ? `${line} ${w}` : w;
    if (ctx.measureText(test).width > maxWidth && line) { lines.push(line); line = w; } else line = test;
  }
  if (line) lines.push(line);
  return lines;
}

function swatch(ctx, it, x, y) {
  ctx.save();
  if (it.kind === 'line') {
    ctx.strokeStyle = it.color; ctx.lineWidth = 3;
    if (it.dash) ctx.setLineDash([4, 3]);
    ctx.beginPath(); ctx.moveTo(x, y + 7); ctx.lineTo(x + 18, y + 7); ctx.stroke();
  } else if (it.kind === 'circle') {
    ctx.fillStyle = it.color; ctx.beginPath(); ctx.arc(x + 9, y + 7, 5, 0, Math.PI * 2); ctx.fill();
    ctx.strokeStyle = it.stroke || '#fff'; ctx.lineWidth = 1; ctx.stroke();
  } else {
    ctx.fillStyle = it.color; ctx.fillRect(x, y, 18, 14);
    ctx.strokeStyle = it.stroke || 'rgba(0,0,0,0.35)'; ctx.lineWidth = 1; ctx.strokeRect(x + 0.5, y + 0.5, 17, 13);
  }
  ctx.restore();
}

/** Renders the export and returns a canvas. model: {title, subtitle, legend, sources}. */
export function renderExport(map, model) {
  const src = map.getCanvas();
  const dpr = src.width / map.getContainer().clientWidth || 1;
  const W = map.getContainer().clientWidth;
  const H = map.getContainer().clientHeight;
  const headH = 64;
  const footH = 58;
  const legendW = model.legend.length ? 260 : 0;
  const out = document.createElement('canvas');
  out.width = Math.round((W + legendW) * dpr);
  out.height = Math.round((H + headH + footH) * dpr);
  const ctx = out.getContext('2d');
  ctx.scale(dpr, dpr);
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, W + legendW, H + headH + footH);
  // title
  ctx.fillStyle = '#1f1a14';
  ctx.font = '600 20px system-ui, sans-serif';
  ctx.fillText(model.title, 16, 28);
  ctx.font = '13px system-ui, sans-serif';
  ctx.fillStyle = '#4a4540';
  if (model.subtitle) ctx.fillText(model.subtitle, 16, 50);
  // map
  ctx.drawImage(src, 0, headH, W, H);
  ctx.strokeStyle = '#8a8275'; ctx.lineWidth = 1; ctx.strokeRect(0.5, headH + 0.5, W - 1, H - 1);
  // scale bar (at the map's centre latitude)
  const lat = map.getCenter().lat;
  const mPerPx = (40075016.686 * Math.cos((lat * Math.PI) / 180)) / (512 * 2 ** map.getZoom());
  const metres = roundedScale(mPerPx * 150);
  const px = metres / mPerPx;
  const sx = 16; const sy = headH + H - 22;
  ctx.fillStyle = 'rgba(255,255,255,0.85)'; ctx.fillRect(sx - 6, sy - 18, px + 70, 30);
  ctx.fillStyle = '#1f1a14';
  ctx.fillRect(sx, sy, px / 2, 5);
  ctx.strokeStyle = '#1f1a14'; ctx.strokeRect(sx + 0.5, sy + 0.5, px - 1, 5);
  ctx.font = '12px system-ui, sans-serif';
  ctx.fillText('0', sx - 3, sy - 5);
  const label = metres >= 1000 ? `${(metres / 1000).toLocaleString(locale())} km` : `${metres} m`;
  ctx.fillText(label, sx + px - ctx.measureText(label).width / 2, sy - 5);
  // north arrow
  const nx = W - 30; const ny = headH + 20;
  ctx.save();
  ctx.translate(nx, ny + 14);
  ctx.rotate((-map.getBearing() * Math.PI) / 180);
  ctx.fillStyle = '#1f1a14';
  ctx.beginPath(); ctx.moveTo(0, -14); ctx.lineTo(7, 8); ctx.lineTo(0, 3); ctx.lineTo(-7, 8); ctx.closePath(); ctx.fill();
  ctx.font = '600 11px system-ui, sans-serif';
  ctx.fillText('N', -4, -17);
  ctx.restore();
  // legend
  let y = headH + 8;
  const lx = W + 14;
  if (legendW) {
    ctx.fillStyle = '#1f1a14'; ctx.font = '600 14px system-ui, sans-serif';
    ctx.fillText(t('export.legend'), lx, y + 12); y += 26;
    for (const g of model.legend) {
      if (g.title) {
        ctx.font = '600 12px system-ui, sans-serif'; ctx.fillStyle = '#1f1a14';
        for (const line of wrap(ctx, g.title, legendW - 28)) { ctx.fillText(line, lx, y + 10); y += 15; }
      }
      if (g.subtitle) {
        ctx.font = '11px system-ui, sans-serif'; ctx.fillStyle = '#4a4540';
        for (const line of wrap(ctx, g.subtitle, legendW - 28)) { ctx.fillText(line, lx, y + 10); y += 14; }
      }
      y += 3;
      ctx.font = '12px system-ui, sans-serif';
      for (const it of g.items) {
        swatch(ctx, it, lx, y);
        ctx.fillStyle = '#1f1a14';
        const lines = wrap(ctx, it.label, legendW - 54);
        lines.forEach((line, i) => ctx.fillText(line, lx + 26, y + 11 + i * 14));
        y += Math.max(19, lines.length * 14 + 5);
        if (y > headH + H - 20) break;
      }
      y += 8;
    }
  }
  // sources
  ctx.font = '11px system-ui, sans-serif'; ctx.fillStyle = '#3a3530';
  const foot = `${t('export.source')}: ${model.sources}`;
  wrap(ctx, foot, W + legendW - 32).slice(0, 2).forEach((line, i) => ctx.fillText(line, 16, headH + H + 18 + i * 14));
  ctx.fillStyle = '#5a544c';
  const made = t('export.made', { date: new Date().toLocaleDateString(locale()) });
  ctx.fillText(made, W + legendW - 16 - ctx.measureText(made).width, headH + H + footH - 8);
  return out;
}

/** Composites right after a fresh frame, while the drawing buffer holds the current view. */
export function renderFresh(map, model) {
  return new Promise(resolve => {
    map.once('render', () => resolve(renderExport(map, model)));
    map.triggerRepaint();
  });
}

export async function exportPng(map, model) {
  const canvas = await renderFresh(map, model);
  const url = canvas.toDataURL('image/png');
  const a = document.createElement('a');
  a.href = url;
  a.download = `rummet-karta-${new Date().toISOString().slice(0, 10)}.png`;
  document.body.append(a);
  a.click();
  a.remove();
  return { url, width: canvas.width, height: canvas.height };
}
