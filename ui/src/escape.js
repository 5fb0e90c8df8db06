// Output encoding for everything the dashboard shows from data.
//
// JSX text and attributes are escaped by Preact. What Preact does not see is the
// HTML that ECharts puts into its tooltips: a tooltip formatter that returns a
// string is assigned to innerHTML, and so is ECharts' default tooltip (which
// also carries inline style attributes that the dashboard's Content-Security-Policy
// refuses). So every chart's tooltip goes through this module:
//
//   - `escapeHtml(value)` for any value that must go into an HTML string;
//   - `tooltip(...)` and `axisTooltip(...)` build the tooltip
//     as DOM nodes whose text is set with textContent and whose colors are set
//     through the CSSOM; no string from data is ever parsed as HTML.
//
// Canvas text (axis labels, series labels, legends) is drawn, not parsed, so it
// needs no escaping; escaping it would show "&lt;" to the user.

const ENTITIES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

// Any value as HTML text, safe in element content and in quoted attributes.
export function escapeHtml(value) {
  return String(value ?? '').replace(/[&<>"'`]/g, (c) => ENTITIES[c]);
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = String(text);
  return node;
}

// A tooltip as a DOM node.
//   title: bold first line (optional)
//   rows:  [{ color, label, value }]: a color marker, a label and a right-aligned value
//   lines: plain text lines after the rows
export function tooltip({ title, rows = [], lines = [] } = {}) {
  const root = el('div', 'tt');
  if (title != null && title !== '') root.appendChild(el('div', 'tt-title', title));
  for (const r of rows) {
    const row = el('div', 'tt-row');
    if (r.color) {
      const marker = el('span', 'tt-marker');
      if (typeof r.color === 'string') marker.style.backgroundColor = r.color;
      row.appendChild(marker);
    }
    row.appendChild(el('span', 'tt-label', r.label ?? ''));
    if (r.value != null) row.appendChild(el('span', 'tt-value', r.value));
    root.appendChild(row);
  }
  for (const line of lines) root.appendChild(el('div', 'tt-line', line));
  return root;
}

// The formatter for an axis-triggered tooltip: the axis value as title, then one
// row per series with its color, its name and its value through `format`.
export function axisTooltip(format = (v) => String(v)) {
  return (params) => {
    const list = Array.isArray(params) ? params : [params];
    if (list.length === 0) return '';
    return tooltip({
      title: list[0].axisValueLabel ?? list[0].name,
      rows: list.map((p) => ({ color: p.color, label: p.seriesName, value: format(rawValue(p)) })),
    });
  };
}

function rawValue(p) {
  const v = p.value;
  return v != null && typeof v === 'object' && !Array.isArray(v) && 'value' in v ? v.value : v;
}
