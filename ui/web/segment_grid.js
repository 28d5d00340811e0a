// A run's segments as a grid on one canvas, coloured by state (30,000 cells draw in a few
// milliseconds: one fillRect per cell, batched by colour). Hover or arrow keys show a segment.
import { h, fill, badge, bytes, time } from './dom.js';

export const SEGMENT_COLOURS = {
  DONE: '#1a7f37', RUNNING: '#0b57d0', STARTING: '#6b9bea', PENDING: '#c9d0d8',
  FAILED: '#b42318', ABORTED: '#6e4b3a',
};

// '#rrggbb' as a little-endian RGBA pixel (what a Uint32Array over ImageData holds).
function rgba(hex) {
  const v = parseInt(hex.slice(1), 16);
  return (0xff << 24 | (v & 0xff) << 16 | (v & 0xff00) | (v >> 16)) >>> 0;
}

export class SegmentGrid {
  constructor() {
    this.canvas = h('canvas', { tabindex: 0, role: 'img', 'aria-label': 'Segments of the run' });
    this.info = h('div', { id: 'segment-info', 'aria-live': 'polite' }, 'Point at a segment or focus the grid and use the arrow keys.');
    this.legend = h('div', { class: 'legend' }, Object.entries(SEGMENT_COLOURS).map(([s, c]) => {
      const sw = h('span', { class: 'swatch' });
      sw.style.background = c;
      return h('span', {}, sw, s);
    }));
    this.el = h('div', { class: 'segments' }, this.legend, this.canvas, this.info);
    this.segments = [];
    this.cursor = -1;
    this.canvas.addEventListener('mousemove', (e) => this.pointAt(e));
    this.canvas.addEventListener('keydown', (e) => this.key(e));
  }

  // Draws `segments` (the API's segment objects, ordered by position); returns the milliseconds
  // it took.
  draw(segments, width) {
    const t0 = performance.now();
    this.segments = segments;
    const n = Math.max(segments.length, 1);
    const w = Math.max(200, Math.floor(width || this.el.clientWidth || 900));
    // Cells as large as fit in about 320 px of height, between 3 and 16 px.
    const cell = Math.max(3, Math.min(16, Math.floor(Math.sqrt((w * 320) / n))));
    const perRow = Math.max(1, Math.floor(w / cell));
    const rows = Math.ceil(n / perRow);
    const dpr = window.devicePixelRatio || 1;
    this.cell = cell;
    this.perRow = perRow;
    this.canvas.width = perRow * cell * dpr;
    this.canvas.height = rows * cell * dpr;
    this.canvas.style.width = `${perRow * cell}px`;
    this.canvas.style.height = `${rows * cell}px`;
    // Pixels written straight into one ImageData (device pixels): no per-cell canvas call.
    const g = this.canvas.getContext('2d', { alpha: false });
    const W = this.canvas.width;
    const H = this.canvas.height;
    const img = g.createImageData(W, H);
    const px = new Uint32Array(img.data.buffer);
    px.fill(rgba('#ffffff'));
    const gap = cell >= 6 ? 1 : 0;
    const side = Math.max(1, Math.round((cell - gap) * dpr));
    const step = cell * dpr;
    const counts = {};
    const colours = new Map();
    for (let i = 0; i < segments.length; i++) {
      const s = segments[i].state;
      counts[s] = (counts[s] || 0) + 1;
      let c = colours.get(s);
      if (c === undefined) colours.set(s, (c = rgba(SEGMENT_COLOURS[s] || '#4f5863')));
      const x0 = Math.round((i % perRow) * step);
      const y0 = Math.round(Math.floor(i / perRow) * step);
      for (let y = y0; y < y0 + side; y++) px.fill(c, y * W + x0, y * W + x0 + side);
    }
    g.putImageData(img, 0, 0);
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    this.canvas.setAttribute('aria-label', `${segments.length} segments: ` +
      Object.entries(counts).map(([s, c]) => `${c} ${s}`).join(', '));
    if (this.cursor >= 0) this.mark(this.cursor);
    return performance.now() - t0;
  }

  pointAt(e) {
    const r = this.canvas.getBoundingClientRect();
    const col = Math.floor((e.clientX - r.left) / this.cell);
    const row = Math.floor((e.clientY - r.top) / this.cell);
    const i = row * this.perRow + col;
    if (col < this.perRow && i >= 0 && i < this.segments.length) this.show(i);
  }

  key(e) {
    const moves = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: this.perRow, ArrowUp: -this.perRow,
                    Home: -Infinity, End: Infinity };
    if (!(e.key in moves)) return;
    e.preventDefault();
    const n = this.segments.length;
    if (!n) return;
    let i = this.cursor < 0 ? 0 : this.cursor + moves[e.key];
    if (e.key === 'Home') i = 0;
    if (e.key === 'End') i = n - 1;
    const previous = this.cursor;
    this.show(Math.max(0, Math.min(n - 1, i)));
    if (previous >= 0) this.redrawCell(previous);
    this.mark(this.cursor);
  }

  redrawCell(i) {
    const g = this.canvas.getContext('2d');
    const c = this.cell;
    const x = (i % this.perRow) * c;
    const y = Math.floor(i / this.perRow) * c;
    g.fillStyle = '#ffffff';
    g.fillRect(x, y, c, c);
    g.fillStyle = SEGMENT_COLOURS[this.segments[i]?.state] || '#4f5863';
    g.fillRect(x, y, c - (c >= 6 ? 1 : 0), c - (c >= 6 ? 1 : 0));
  }

  mark(i) {
    if (i < 0 || i >= this.segments.length) return;
    const g = this.canvas.getContext('2d');
    const c = this.cell;
    g.strokeStyle = '#000000';
    g.lineWidth = 1;
    g.strokeRect((i % this.perRow) * c + 0.5, Math.floor(i / this.perRow) * c + 0.5, c - 1, c - 1);
  }

  show(i) {
    this.cursor = i;
    const s = this.segments[i];
    fill(this.info,
      h('strong', {}, `Segment ${s.position ?? i} `), badge(s.state),
      ` range ${s.range} · tables ${(s.tables || []).join(', ') || 'all'} · replicas ${(s.replicas || []).length}` +
      ` · attempts ${s.attempts} · validated ${bytes(s.bytes_validated)} · streamed ${bytes(s.bytes_streamed)}` +
      (s.started_at_us ? ` · started ${time(s.started_at_us)}` : '') +
      (s.postponed ? ` · waiting: ${s.postponed}` : '') +
      (s.last_error ? ` · last error: ${s.last_error}` : ''));
  }
}
