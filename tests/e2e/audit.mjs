// Accessibility checks run inside the page: every control has an accessible name, and every
// visible text meets WCAG 2.2 AA contrast (4.5:1, or 3:1 for large text) against what is
// actually behind it.

/** Controls without an accessible name (as short HTML snippets). */
export function auditNames(page) {
  return page.evaluate(() => {
    const visible = (el) => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
    };
    const text = (el) => (el?.textContent || '').replace(/\s+/g, ' ').trim();
    const name = (el) => {
      const by = el.getAttribute('aria-labelledby');
      if (by) return by.split(/\s+/).map((id) => text(document.getElementById(id))).join(' ').trim();
      if (el.getAttribute('aria-label')) return el.getAttribute('aria-label').trim();
      if (['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName)) {
        const label = (el.id && document.querySelector(`label[for="${el.id}"]`)) || el.closest('label');
        return text(label) || el.title;
      }
      return text(el) || el.title || '';
    };
    const controls = document.querySelectorAll('a[href], button, input, select, textarea, [role="tab"], summary');
    return [...controls].filter((el) => visible(el) && !name(el)).map((el) => el.outerHTML.slice(0, 160));
  });
}

/** Texts below AA contrast: `{text, ratio, need, fg, bg}`. */
export function auditContrast(page) {
  return page.evaluate(() => {
    const parse = (c) => {
      const m = /rgba?\(([^)]+)\)/.exec(c);
      if (!m) return null;
      const [r, g, b, a = 1] = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
      return { r, g, b, a };
    };
    const over = (top, bottom) => ({
      r: top.r * top.a + bottom.r * (1 - top.a),
      g: top.g * top.a + bottom.g * (1 - top.a),
      b: top.b * top.a + bottom.b * (1 - top.a),
      a: 1,
    });
    const lum = ({ r, g, b }) => {
      const f = (v) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    // Behind the map's own furniture lies the basemap: its darker colour (water) is the worst case.
    const MAP = { r: 0xd4, g: 0xe4, b: 0xf1, a: 1 };
    const background = (el) => {
      const layers = [];
      for (let e = el; e; e = e.parentElement) {
        if (e.classList?.contains('map')) return layers.reduceRight((acc, l) => over(l, acc), MAP);
        const bg = parse(getComputedStyle(e).backgroundColor);
        if (bg && bg.a > 0) {
          layers.push(bg);
          if (bg.a >= 1) break;
        }
      }
      return layers.reduceRight((acc, l) => over(l, acc), { r: 255, g: 255, b: 255, a: 1 });
    };
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const seen = new Set();
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!n.textContent.trim() || seen.has(el) || ['OPTION', 'SCRIPT', 'STYLE'].includes(el.tagName)) continue;
      seen.add(el);
      const r = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      if (r.width <= 1 || r.height <= 1 || style.visibility === 'hidden' || el.closest('[hidden]')) continue;
      if (el.closest('.visually-hidden') || el.disabled) continue;
      const bg = background(el);
      const fg = over(parse(style.color), bg);
      const [l1, l2] = [lum(fg), lum(bg)].sort((a, b) => b - a);
      const ratio = (l1 + 0.05) / (l2 + 0.05);
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      const need = large ? 3 : 4.5;
      if (ratio < need) {
        out.push({ text: n.textContent.trim().slice(0, 40), ratio: Math.round(ratio * 100) / 100, need, fg: style.color });
      }
    }
    return out;
  });
}
