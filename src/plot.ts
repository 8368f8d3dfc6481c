// Minimal SVG line plots (no dependency, no Node built-ins): series of (x, y) points on linear
// axes, a legend, optional scatter points, and contour lines of a function of two variables
// underneath (marching squares). Enough for learning curves, sinusoid fits, optimisation paths.
export interface Series {
  label: string;
  xs: readonly number[];
  ys: readonly number[];
  color?: string;
  dashed?: boolean;
  /** Draw markers only (data points) instead of a line. */
  points?: boolean;
}

export interface PlotOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
  logY?: boolean;
  /** Line segments [x0, y0, x1, y1] drawn thin and grey under the series (contourSegments). */
  background?: readonly (readonly number[])[];
  /** Where the legend goes (default the top right corner). */
  legend?: 'top-right' | 'bottom-left';
}

/**
 * Contour lines of f over a box, by marching squares on an n x n grid: segments
 * [x0, y0, x1, y1] where f crosses each level (for PlotOptions.background).
 */
export function contourSegments(f: (x: number, y: number) => number, xRange: readonly [number, number], yRange: readonly [number, number], n: number, levels: readonly number[]): number[][] {
  const [xa, xb] = xRange;
  const [ya, yb] = yRange;
  const xs = Array.from({ length: n + 1 }, (_, i) => xa + ((xb - xa) * i) / n);
  const ys = Array.from({ length: n + 1 }, (_, j) => ya + ((yb - ya) * j) / n);
  const v = xs.map((x) => ys.map((y) => f(x, y)));
  const out: number[][] = [];
  for (const level of levels) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        // the cell's corners counter-clockwise, and where the level crosses each edge
        const c = [[xs[i], ys[j], v[i][j]], [xs[i + 1], ys[j], v[i + 1][j]], [xs[i + 1], ys[j + 1], v[i + 1][j + 1]], [xs[i], ys[j + 1], v[i][j + 1]]];
        const hits: number[][] = [];
        for (let e = 0; e < 4; e++) {
          const [x0, y0, a] = c[e];
          const [x1, y1, b] = c[(e + 1) % 4];
          if (Number.isFinite(a) && Number.isFinite(b) && (a < level) !== (b < level)) {
            const t = (level - a) / (b - a);
            hits.push([x0 + t * (x1 - x0), y0 + t * (y1 - y0)]);
          }
        }
        for (let h = 0; h + 1 < hits.length; h += 2) out.push([...hits[h], ...hits[h + 1]]);
      }
    }
  }
  return out;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function ticks(lo: number, hi: number, n = 6): number[] {
  const span = hi - lo || 1;
  const step = 10 ** Math.floor(Math.log10(span / n));
  const nice = [1, 2, 2.5, 5, 10].map((m) => m * step).find((s) => span / s <= n) ?? 10 * step;
  const out: number[] = [];
  for (let v = Math.ceil(lo / nice) * nice; v <= hi + 1e-12; v += nice) out.push(Number(v.toPrecision(6)));
  return out;
}

/** An SVG document plotting the series. */
export function linePlot(series: readonly Series[], o: PlotOptions): string {
  const W = o.width ?? 640;
  const H = o.height ?? 400;
  const m = { l: 64, r: 16, t: 36, b: 48 };
  const ty = (v: number) => (o.logY ? Math.log10(Math.max(v, 1e-12)) : v);
  const back = o.background ?? [];
  const allX = [...series.flatMap((s) => s.xs), ...back.flatMap((g) => [g[0], g[2]])];
  const allY = [...series.flatMap((s) => s.ys.map(ty)), ...back.flatMap((g) => [ty(g[1]), ty(g[3])])].filter(Number.isFinite);
  let [x0, x1] = [Math.min(...allX), Math.max(...allX)];
  let [y0, y1] = [Math.min(...allY), Math.max(...allY)];
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
  const pad = 0.05 * (y1 - y0);
  [y0, y1] = [y0 - pad, y1 + pad];
  const px = (x: number) => m.l + ((x - x0) / (x1 - x0)) * (W - m.l - m.r);
  const py = (y: number) => H - m.b - ((ty(y) - y0) / (y1 - y0)) * (H - m.t - m.b);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(o.title)}</text>`,
    `<text x="${W / 2}" y="${H - 10}" text-anchor="middle">${esc(o.xLabel)}</text>`,
    `<text x="14" y="${H / 2}" text-anchor="middle" transform="rotate(-90 14 ${H / 2})">${esc(o.yLabel)}${o.logY ? ' (log)' : ''}</text>`,
    `<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#999"/>`,
  ];
  for (const t of ticks(x0, x1)) parts.push(`<text x="${px(t).toFixed(1)}" y="${H - m.b + 16}" text-anchor="middle">${t}</text>`);
  for (const t of ticks(y0, y1)) {
    const y = H - m.b - ((t - y0) / (y1 - y0)) * (H - m.t - m.b);
    parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#eee"/>`);
    parts.push(`<text x="${m.l - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end">${o.logY ? Number((10 ** t).toPrecision(2)) : t}</text>`);
  }
  if (back.length) {
    const d = back.map((g) => `M${px(g[0]).toFixed(1)} ${py(g[1]).toFixed(1)}L${px(g[2]).toFixed(1)} ${py(g[3]).toFixed(1)}`).join('');
    parts.push(`<path d="${d}" fill="none" stroke="#bbb" stroke-width="0.8"/>`);
  }
  const lx = o.legend === 'bottom-left' ? m.l + 160 : W - m.r; // the legend's right edge and top
  const lt = o.legend === 'bottom-left' ? H - m.b - 16 * series.length - 8 : m.t;
  parts.push(`<rect x="${lx - 156}" y="${lt + 2}" width="152" height="${16 * series.length + 6}" fill="white" fill-opacity="0.85" stroke="#ccc"/>`);
  series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const pts = s.xs.map((x, j) => [px(x), py(s.ys[j])] as const).filter(([, y]) => Number.isFinite(y));
    if (s.points) {
      for (const [x, y] of pts) parts.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="3.5" fill="${color}"/>`);
    } else {
      parts.push(`<polyline fill="none" stroke="${color}" stroke-width="1.8"${s.dashed ? ' stroke-dasharray="6 4"' : ''} points="${pts.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ')}"/>`);
    }
    const ly = lt + 14 + 16 * i;
    parts.push(s.points
      ? `<circle cx="${lx - 139}" cy="${ly - 4}" r="3.5" fill="${color}"/>`
      : `<line x1="${lx - 150}" x2="${lx - 128}" y1="${ly - 4}" y2="${ly - 4}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    parts.push(`<text x="${lx - 122}" y="${ly}">${esc(s.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/**
 * Matrices side by side as heat maps (blue negative, white zero, red positive, each scaled to
 * its own largest magnitude; cells under 2% of it stay white), e.g. a learned weight matrix
 * beside the true one.
 */
export function matrixPlot(panels: readonly { title: string; rows: number; cols: number; values: ArrayLike<number> }[], title: string): string {
  const cell = 4;
  const gap = 24;
  const widths = panels.map((p) => p.cols * cell);
  const W = widths.reduce((a, b) => a + b + gap, gap);
  const H = 56 + Math.max(...panels.map((p) => p.rows * cell)) + 16;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`,
  ];
  let x0 = gap;
  panels.forEach((p, k) => {
    let top = 0;
    for (let i = 0; i < p.rows * p.cols; i++) top = Math.max(top, Math.abs(p.values[i]));
    parts.push(`<text x="${x0 + widths[k] / 2}" y="44" text-anchor="middle">${esc(p.title)}</text>`);
    for (let r = 0; r < p.rows; r++) {
      for (let c = 0; c < p.cols; c++) {
        const v = top > 0 ? p.values[r * p.cols + c] / top : 0;
        if (Math.abs(v) < 0.02) continue;
        const fade = Math.round(255 * (1 - Math.min(1, Math.abs(v))));
        const color = v >= 0 ? `rgb(255,${fade},${fade})` : `rgb(${fade},${fade},255)`;
        parts.push(`<rect x="${x0 + c * cell}" y="${56 + r * cell}" width="${cell}" height="${cell}" fill="${color}"/>`);
      }
    }
    parts.push(`<rect x="${x0}" y="56" width="${widths[k]}" height="${p.rows * cell}" fill="none" stroke="#999"/>`);
    x0 += widths[k] + gap;
  });
  parts.push('</svg>');
  return parts.join('\n');
}

export interface HeatMapOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** What a cell's value is, beside the colour bar. */
  valueLabel: string;
  /** The x and y ranges the columns and rows span. */
  xRange: readonly [number, number];
  yRange: readonly [number, number];
}

/**
 * A grid of values on axes: rows × cols, row 0 at the bottom (y = yRange[0]), white at the
 * smallest value to dark red at the largest (non-finite cells grey), with a colour bar.
 */
export function heatMap(values: ArrayLike<number>, rows: number, cols: number, o: HeatMapOptions): string {
  const W = 600;
  const H = 440;
  const m = { l: 64, r: 96, t: 36, b: 48 };
  const finite = Array.from(values).filter(Number.isFinite);
  const lo = finite.length ? Math.min(...finite) : 0;
  const hi = finite.length ? Math.max(...finite) : 1;
  const shade = (v: number) => {
    if (!Number.isFinite(v)) return '#bbb';
    const t = hi > lo ? (v - lo) / (hi - lo) : 0;
    return `rgb(${Math.round(255 - 115 * t)},${Math.round(255 - 235 * t)},${Math.round(255 - 225 * t)})`;
  };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const [x0, x1] = o.xRange;
  const [y0, y1] = o.yRange;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(o.title)}</text>`,
    `<text x="${m.l + pw / 2}" y="${H - 10}" text-anchor="middle">${esc(o.xLabel)}</text>`,
    `<text x="14" y="${H / 2}" text-anchor="middle" transform="rotate(-90 14 ${H / 2})">${esc(o.yLabel)}</text>`,
  ];
  const cw = pw / cols;
  const ch = ph / rows;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      parts.push(`<rect x="${(m.l + c * cw).toFixed(1)}" y="${(m.t + ph - (r + 1) * ch).toFixed(1)}" width="${(cw + 0.3).toFixed(1)}" height="${(ch + 0.3).toFixed(1)}" fill="${shade(values[r * cols + c])}"/>`);
    }
  }
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
  for (const t of ticks(x0, x1)) parts.push(`<text x="${(m.l + ((t - x0) / (x1 - x0 || 1)) * pw).toFixed(1)}" y="${H - m.b + 16}" text-anchor="middle">${t}</text>`);
  for (const t of ticks(y0, y1)) parts.push(`<text x="${m.l - 6}" y="${(m.t + ph - ((t - y0) / (y1 - y0 || 1)) * ph + 4).toFixed(1)}" text-anchor="end">${t}</text>`);
  // the colour bar: 20 steps from the smallest value (bottom) to the largest
  const bx = W - m.r + 16;
  for (let i = 0; i < 20; i++) parts.push(`<rect x="${bx}" y="${(m.t + ph - ((i + 1) * ph) / 20).toFixed(1)}" width="14" height="${(ph / 20 + 0.3).toFixed(1)}" fill="${shade(lo + ((i + 0.5) / 20) * (hi - lo))}"/>`);
  parts.push(`<text x="${bx + 18}" y="${m.t + ph}">${Number(lo.toPrecision(3))}</text>`, `<text x="${bx + 18}" y="${m.t + 10}">${Number(hi.toPrecision(3))}</text>`);
  parts.push(`<text x="${bx + 7}" y="${m.t + ph / 2}" text-anchor="middle" transform="rotate(90 ${bx + 7} ${m.t + ph / 2})" dy="-12">${esc(o.valueLabel)}</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}
