// Small DOM and formatting helpers. Every value from the API reaches the page through text nodes
// or attributes set here, never through innerHTML.

// h('td', {class: 'num'}, 'text', child, ...): an element. Attributes named on* take a function.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'value') el.value = v;
    else if (k === 'checked') el.checked = !!v;
    else if (k === 'selected') el.selected = !!v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// Replaces `el`'s children.
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

const SVG = 'http://www.w3.org/2000/svg';
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, String(v));
  append(el, children);
  return el;
}

export function badge(state) {
  return h('span', { class: `badge s-${state}` }, state);
}

export function bytes(n) {
  if (n === undefined || n === null) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = Number(n);
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(i && v < 10 ? 1 : 0)} ${units[i]}`;
}

// A duration in microseconds as "3h 12m", "45s".
export function duration(us) {
  if (us === undefined || us === null || us < 0) return '–';
  let s = Math.round(us / 1e6);
  const d = Math.floor(s / 86400); s -= d * 86400;
  const hh = Math.floor(s / 3600); s -= hh * 3600;
  const m = Math.floor(s / 60); s -= m * 60;
  if (d) return `${d}d ${hh}h`;
  if (hh) return `${hh}h ${m}m`;
  if (m) return `${m}m ${s}s`;
  return `${s}s`;
}

// A time in µs since the epoch as local "YYYY-MM-DD HH:MM:SS" (– for 0).
export function time(us) {
  if (!us) return '–';
  const d = new Date(us / 1000);
  const p = (x) => String(x).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ` +
         `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

// "in 3h 2m" / "5m ago" relative to now; "now" within half a second either way (a heartbeat
// stamped by the scheduler a few ms ahead of the browser's clock is not "in 0s").
export function relative(us) {
  if (!us) return '–';
  const delta = us - Date.now() * 1000;
  if (Math.abs(delta) < 500000) return 'now';
  return delta >= 0 ? `in ${duration(delta)}` : `${duration(-delta)} ago`;
}

export function percent(f) {
  return `${(f * 100).toFixed(f > 0 && f < 0.1 ? 1 : 0)}%`;
}

// A table with a header row; rows are arrays of cells (strings, nodes, or {v, class} objects).
export function table(caption, headers, rows, empty = 'Nothing to show.') {
  const head = h('tr', {}, headers.map((x) => h('th', { scope: 'col', class: x.num ? 'num' : undefined }, x.label ?? x)));
  const body = rows.length
    ? rows.map((r) => (r instanceof Node ? r : h('tr', {}, r.map((c) => cell(c)))))
    : [h('tr', {}, h('td', { colspan: headers.length, class: 'muted' }, empty))];
  return h('table', {}, caption ? h('caption', { class: 'muted' }, caption) : null,
           h('thead', {}, head), h('tbody', {}, body));
}

export function cell(c) {
  if (c && typeof c === 'object' && !(c instanceof Node) && 'v' in c) {
    return h('td', { class: c.class }, c.v);
  }
  return h('td', {}, c);
}

// Runs `render` (which replaces elements inside `container`) and gives the focus back to the
// element with the same data-key, so that live updates do not throw a keyboard user out.
export function keepFocus(container, render) {
  const key = container.contains(document.activeElement) ? document.activeElement.dataset?.key : undefined;
  render();
  if (key) container.querySelector(`[data-key="${CSS.escape(key)}"]`)?.focus();
}
