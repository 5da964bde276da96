// Category symbols: a colour from the Okabe–Ito palette (safe for the common colour-vision
// deficiencies) AND a shape, so no category is told apart by colour alone. The same path data
// draws the map icons (canvas, added with map.addImage) and the legend and list icons (SVG),
// so what a counselor sees in the list is what she finds on the map.

/** Shapes on a 24 × 24 grid, as SVG path data. */
const SHAPES = {
  circle: 'M12 3.5a8.5 8.5 0 1 0 0 17a8.5 8.5 0 1 0 0-17z',
  square: 'M4.5 4.5h15v15h-15z',
  diamond: 'M12 2.5l9.5 9.5l-9.5 9.5l-9.5-9.5z',
  triangle: 'M12 3l9.5 17h-19z',
  triangle_down: 'M2.5 4h19l-9.5 17z',
  cross: 'M9 3h6v6h6v6h-6v6h-6v-6h-6v-6h6z',
  star: 'M12 2.2l2.9 6.3l6.9.7l-5.2 4.6l1.5 6.8l-6.1-3.5l-6.1 3.5l1.5-6.8l-5.2-4.6l6.9-.7z',
  hexagon: 'M7 3.3h10l5 8.7l-5 8.7h-10l-5-8.7z',
  house: 'M12 2.5l9.5 8.5v10.5h-19v-10.5z',
};

/** Category slug → fill colour and shape. Unknown categories get a grey circle. */
export const CATEGORY_STYLE = {
  legal: { color: '#0072B2', shape: 'diamond' },
  health: { color: '#D55E00', shape: 'cross' },
  housing: { color: '#009E73', shape: 'house' },
  library: { color: '#56B4E9', shape: 'square' },
  faith: { color: '#CC79A7', shape: 'hexagon' },
  advocacy: { color: '#E69F00', shape: 'triangle' },
  food: { color: '#F0E442', shape: 'circle' },
  education: { color: '#000000', shape: 'star' },
  employment: { color: '#FFFFFF', shape: 'triangle_down' },
};
const FALLBACK = { color: '#767676', shape: 'circle' };

export function categoryStyle(slug) {
  return CATEGORY_STYLE[slug] || FALLBACK;
}

/** An inline SVG of a category's symbol (decorative: the text beside it names the category). */
export function categorySvg(slug, size = 18) {
  const { color, shape } = categoryStyle(slug);
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', size);
  svg.setAttribute('height', size);
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.classList.add('cat-icon');
  const halo = document.createElementNS(ns, 'path');
  halo.setAttribute('d', SHAPES[shape]);
  halo.setAttribute('fill', 'none');
  halo.setAttribute('stroke', '#ffffff');
  halo.setAttribute('stroke-width', '3.5');
  halo.setAttribute('stroke-linejoin', 'round');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', SHAPES[shape]);
  path.setAttribute('fill', color);
  path.setAttribute('stroke', '#1a1a1a');
  path.setAttribute('stroke-width', '1.5');
  path.setAttribute('stroke-linejoin', 'round');
  svg.append(halo, path);
  return svg;
}

function canvas(size, ratio) {
  const c = document.createElement('canvas');
  c.width = c.height = size * ratio;
  const ctx = c.getContext('2d');
  ctx.scale(ratio, ratio);
  return { c, ctx };
}

/** The map icon of a category: ImageData at `ratio` device pixels per CSS pixel. */
export function categoryImage(slug, ratio = 2) {
  const size = 26;
  const { c, ctx } = canvas(size, ratio);
  const { color, shape } = categoryStyle(slug);
  ctx.translate(1, 1);
  const p = new Path2D(SHAPES[shape]);
  ctx.lineJoin = 'round';
  ctx.strokeStyle = '#ffffff';
  ctx.lineWidth = 4;
  ctx.stroke(p);
  ctx.fillStyle = color;
  ctx.fill(p);
  ctx.strokeStyle = '#1a1a1a';
  ctx.lineWidth = 1.6;
  ctx.stroke(p);
  return ctx.getImageData(0, 0, c.width, c.height);
}

/** A round badge with a number: cluster counts (dark) and result ranks (light). */
export function numberImage(text, { dark, ratio = 2 }) {
  const digits = String(text).length;
  const size = dark ? 30 + Math.min(digits, 4) * 4 : 26;
  const { c, ctx } = canvas(size, ratio);
  const r = size / 2;
  ctx.beginPath();
  ctx.arc(r, r, r - 2, 0, Math.PI * 2);
  ctx.fillStyle = dark ? '#1f3a5f' : '#ffffff';
  ctx.fill();
  ctx.lineWidth = 2.5;
  ctx.strokeStyle = dark ? '#ffffff' : '#1a1a1a';
  ctx.stroke();
  ctx.fillStyle = dark ? '#ffffff' : '#1a1a1a';
  ctx.font = `bold ${dark ? 13 : 13}px system-ui, sans-serif`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText(String(text), r, r + 1);
  return ctx.getImageData(0, 0, c.width, c.height);
}

/** A five-pointed marker for a suggested recruitment spot. */
export function suggestionImage(text, ratio = 2) {
  const size = 40;
  const { c, ctx } = canvas(size, ratio);
  ctx.translate(2, 2);
  ctx.scale(1.5, 1.5);
  const p = new Path2D(SHAPES.star);
  ctx.lineJoin = 'round';
  ctx.strokeStyle = '#ffffff';
  ctx.lineWidth = 4;
  ctx.stroke(p);
  ctx.fillStyle = '#6a1b9a';
  ctx.fill(p);
  ctx.strokeStyle = '#1a1a1a';
  ctx.lineWidth = 1.2;
  ctx.stroke(p);
  ctx.fillStyle = '#ffffff';
  ctx.font = 'bold 8px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText(String(text), 12, 13.5);
  return ctx.getImageData(0, 0, c.width, c.height);
}
