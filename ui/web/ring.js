// The token ring drawn as a ring (SVG): each node's owned ranges as arcs coloured by rack, an
// outer band by datacenter, and a dot per token coloured by the node's state.
import { svg } from './dom.js';

const TWO64 = 2n ** 64n;
const OFFSET = 2n ** 63n;
export const RACK_COLOURS = ['#3b6fb6', '#d9822b', '#2f9e6b', '#8e5bb5', '#c2485f', '#5b8a9a',
                             '#a3862c', '#6d6d9c', '#3d8f3d', '#b5654a'];
export const DC_COLOURS = ['#102a43', '#7a4f01', '#3e1f66', '#0f5223'];
export const STATE_COLOURS = { NORMAL: '#1a7f37', DOWN: '#b42318', JOINING: '#8a5a00',
                               LEAVING: '#8a5a00', REPLACED: '#4f5863' };

// Fraction of the ring in [0, 1) where `token` (a decimal string) sits.
function position(token) {
  return Number(((BigInt(token) + OFFSET) % TWO64) * 1000000n / TWO64) / 1000000;
}

// Every token in ring order with its owner: [{t: BigInt, pos, node}].
export function ringTokens(nodes) {
  const out = [];
  for (const n of nodes) for (const t of n.tokens || []) out.push({ t: BigInt(t), pos: position(t), node: n });
  out.sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
  return out;
}

// host_id → share of the token space it is primary owner of (range (previous, own]).
export function ownership(tokens) {
  const share = new Map();
  for (let i = 0; i < tokens.length; i++) {
    const prev = tokens[(i - 1 + tokens.length) % tokens.length];
    let width = tokens[i].pos - prev.pos;
    if (width <= 0) width += 1;
    if (tokens.length === 1) width = 1;
    const id = tokens[i].node.host_id;
    share.set(id, (share.get(id) || 0) + width);
  }
  return share;
}

function point(cx, cy, r, frac) {
  const a = frac * 2 * Math.PI - Math.PI / 2;
  return [cx + r * Math.cos(a), cy + r * Math.sin(a)];
}

function arc(cx, cy, r0, r1, f0, f1) {
  if (f1 - f0 >= 0.9999) f1 = f0 + 0.9999;
  const large = f1 - f0 > 0.5 ? 1 : 0;
  const [x0, y0] = point(cx, cy, r1, f0);
  const [x1, y1] = point(cx, cy, r1, f1);
  const [x2, y2] = point(cx, cy, r0, f1);
  const [x3, y3] = point(cx, cy, r0, f0);
  return `M${x0.toFixed(2)},${y0.toFixed(2)}A${r1},${r1} 0 ${large} 1 ${x1.toFixed(2)},${y1.toFixed(2)}` +
         `L${x2.toFixed(2)},${y2.toFixed(2)}A${r0},${r0} 0 ${large} 0 ${x3.toFixed(2)},${y3.toFixed(2)}Z`;
}

// The SVG for `nodes` (RING nodes); `racks`/`dcs` map names to colour indexes.
export function ringSvg(nodes, racks, dcs) {
  const size = 400;
  const c = size / 2;
  const tokens = ringTokens(nodes);
  const root = svg('svg', { viewBox: `0 0 ${size} ${size}`, role: 'img',
                            'aria-label': `Token ring of ${nodes.length} nodes, ${tokens.length} tokens` });
  const title = svg('title', {});
  title.textContent = `Token ring: ${nodes.length} nodes`;
  root.append(title);
  root.append(svg('circle', { cx: c, cy: c, r: 150, fill: 'none', stroke: '#c9d0d8', 'stroke-width': 40 }));
  const gRanges = svg('g', {});
  const gDc = svg('g', {});
  const gDots = svg('g', {});
  for (let i = 0; i < tokens.length; i++) {
    const prev = tokens[(i - 1 + tokens.length) % tokens.length];
    let f0 = prev.pos;
    let f1 = tokens[i].pos;
    if (f1 <= f0) f1 += 1;
    if (tokens.length === 1) { f0 = 0; f1 = 1; }
    const n = tokens[i].node;
    const rackColour = RACK_COLOURS[racks.get(`${n.datacenter}/${n.rack}`) % RACK_COLOURS.length];
    const p = svg('path', { d: arc(c, c, 130, 170, f0, f1), fill: rackColour, stroke: '#fff', 'stroke-width': tokens.length > 400 ? 0 : 0.6 });
    const t = svg('title', {});
    t.textContent = `${n.addresses?.ops || n.host_id} · ${n.datacenter}/${n.rack} · ${n.state}`;
    p.append(t);
    gRanges.append(p);
    gDc.append(svg('path', { d: arc(c, c, 174, 184, f0, f1), fill: DC_COLOURS[dcs.get(n.datacenter) % DC_COLOURS.length] }));
    const [x, y] = point(c, c, 150, tokens[i].pos);
    gDots.append(svg('circle', { cx: x.toFixed(2), cy: y.toFixed(2), r: tokens.length > 200 ? 2 : 4,
                                 fill: STATE_COLOURS[n.state] || '#4f5863', stroke: '#fff', 'stroke-width': 1 }));
  }
  root.append(gRanges, gDc, gDots);
  const label = svg('text', { x: c, y: c - 4, 'text-anchor': 'middle', 'font-size': 22, 'font-weight': 700, fill: '#1b1f24' });
  label.textContent = `${nodes.length} nodes`;
  const down = nodes.filter((n) => n.state !== 'NORMAL').length;
  const sub = svg('text', { x: c, y: c + 20, 'text-anchor': 'middle', 'font-size': 14, fill: down ? '#b42318' : '#1a7f37' });
  sub.textContent = down ? `${down} not NORMAL` : 'all NORMAL';
  root.append(label, sub);
  return root;
}
