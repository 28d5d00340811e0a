// Cluster: the ring as a ring, a status table like `rkctl status`, and per-node signals (disk
// headroom, await, pending compactions) from the alerts API when the scheduler has it.
import * as api from './api.js';
import { h, fill, badge, bytes, relative, percent, table } from './dom.js';
import { ringSvg, ownership, ringTokens, RACK_COLOURS, DC_COLOURS, STATE_COLOURS } from './ring.js';
import { sparkline } from './sparkline.js';

export function mount(main) {
  const ringBox = h('div', { class: 'ring' });
  const legend = h('div', { class: 'legend' });
  const status = h('div', {});
  main.append(
    h('h1', {}, 'Cluster'),
    h('div', { class: 'grid2' },
      h('section', { class: 'panel', 'aria-labelledby': 'ring-h' }, h('h2', { id: 'ring-h' }, 'Token ring'), ringBox, legend),
      h('section', { class: 'panel', 'aria-labelledby': 'status-h' }, h('h2', { id: 'status-h' }, 'Nodes'), status)));
  let nodes = null;
  let signals = null;  // host_id → {disk: [[t, v]], await: [[t, v]], compactions: {...}}
  let signalsNote = '';

  function render() {
    const t0 = performance.now();
    const ring = nodes.filter((n) => n.state !== 'REPLACED' && (n.tokens || []).length);
    const racks = new Map();
    const dcs = new Map();
    for (const n of ring) {
      if (!dcs.has(n.datacenter)) dcs.set(n.datacenter, dcs.size);
      const k = `${n.datacenter}/${n.rack}`;
      if (!racks.has(k)) racks.set(k, racks.size);
    }
    fill(ringBox, ring.length ? ringSvg(ring, racks, dcs) : h('p', { class: 'muted' }, 'No node has registered yet.'));
    fill(legend,
      [...dcs].map(([dc, i]) => h('span', {}, h('span', { class: 'swatch', dataset: { c: DC_COLOURS[i % DC_COLOURS.length] } }), `DC ${dc} (outer band)`)),
      [...racks].map(([r, i]) => h('span', {}, h('span', { class: 'swatch', dataset: { c: RACK_COLOURS[i % RACK_COLOURS.length] } }), `rack ${r}`)),
      Object.entries(STATE_COLOURS).map(([s, c]) => h('span', {}, h('span', { class: 'swatch', dataset: { c } }), `dot: ${s}`)));
    for (const s of legend.querySelectorAll('.swatch')) s.style.background = s.dataset.c;
    const share = ownership(ringTokens(ring));
    const sorted = [...nodes].sort((a, b) => (a.datacenter + a.rack + a.addresses.client).localeCompare(b.datacenter + b.rack + b.addresses.client));
    const rows = sorted.map((n) => {
      const sig = signals?.get(n.host_id);
      const disk = h('span', { class: 'spark-text' }, sig?.disk?.length ? `${sig.disk[sig.disk.length - 1][1]}% free` : '–');
      const wait = h('span', { class: 'spark-text' }, sig?.await?.length ? `${sig.await[sig.await.length - 1][1]} ms` : '–');
      const diskBox = h('span', { class: 'spark' }, disk);
      const awaitBox = h('span', { class: 'spark' }, wait);
      if (sig?.disk?.length > 1) sparkline(diskBox, sig.disk, 'disk free percent');
      if (sig?.await?.length > 1) sparkline(awaitBox, sig.await, 'await ms');
      // A NORMAL node quarantined for some tables shows QUARANTINED (docs/cluster.md), the tables on hover.
      const quarantined = n.state === 'NORMAL' && (n.quarantine || []).length > 0;
      const state = badge(quarantined ? 'QUARANTINED' : n.state);
      if (quarantined) state.title = `quarantined for ${n.quarantine.map((q) => `${q.keyspace}.${q.table}`).join(', ')}: rkctl node rebuild`;
      return [
        state,
        // The client address, as `rkctl status` shows it; the others on hover.
        h('span', { class: 'mono', title: `client ${n.addresses.client} · internode ${n.addresses.internode} · ops ${n.addresses.ops}` }, n.addresses.client),
        h('span', { class: 'mono', title: n.host_id }, n.host_id.slice(0, 8)),
        `${n.datacenter}/${n.rack}`,
        { v: String((n.tokens || []).length), class: 'num' },
        { v: share.has(n.host_id) ? percent(share.get(n.host_id)) : '–', class: 'num' },
        { v: bytes(n.load_bytes), class: 'num' },
        relative(n.last_heartbeat),
        diskBox, awaitBox,
        { v: sig?.compactions !== undefined ? String(sig.compactions) : '–', class: 'num' },
      ];
    });
    fill(status,
      table(null, ['State', 'Address', 'Host', 'DC/rack', { label: 'Tokens', num: 1 }, { label: 'Owns', num: 1 },
                   { label: 'Load', num: 1 }, 'Heartbeat', 'Disk free', 'Await', { label: 'Pending compactions', num: 1 }], rows),
      signalsNote ? h('p', { class: 'na' }, signalsNote) : null);
    main.dataset.renderMs = (performance.now() - t0).toFixed(1);
  }

  return {
    async refresh() {
      const r = await api.get('/api/v1/nodes');
      let changed = r.changed || !nodes;
      nodes = r.data;
      try {
        const a = await api.get('/api/v1/alerts?limit=1000');
        if (a.changed || !signals) {
          changed = true;
          signals = new Map();
          for (const al of [...a.data.alerts].reverse()) {
            const s = signals.get(al.host_id) || {};
            const kind = al.signal.split('/')[0];
            if (typeof al.value === 'number') {
              if (kind === 'disk' || kind === 'await') (s[kind] ||= []).push([al.at_us, al.value]);
              if (kind === 'compactions') s.compactions = al.value;
            }
            signals.set(al.host_id, s);
          }
          signalsNote = signals.size ? '' : 'No node has reported a signal change yet.';
        }
      } catch (e) {
        if (!(e instanceof api.ApiError) || !e.missingRoute) throw e;
        if (!signalsNote) changed = true;
        signals = new Map();
        signalsNote = 'Node signals are not available: this scheduler has no alerts API yet.';
      }
      if (changed) render();
    },
  };
}
