// The zombie-safety proof panel (GET /api/v1/repair/proof): per table the verdict ("zombie-safe
// since …" or "NOT safe since …") and a time line from the start of the record to now, green
// where no tombstone could have been purged before a repair covered it and red in each window
// where one could (its height: the share of the ring exposed).
import { h, svg, fill, badge, duration, time, relative, table } from './dom.js';

const WIDTH = 360;
const HEIGHT = 22;

// The time line of one table as an SVG picture, with its windows named for screen readers.
export function timeline(t) {
  const start = t.record_since_us;
  const span = Math.max(1, t.now_us - start);
  const x = (us) => Math.max(0, Math.min(WIDTH, ((us - start) / span) * WIDTH));
  const episodes = t.episodes.map((e) => ({ ...e, end: e.open ? t.now_us : e.to_us }));
  const label = episodes.length
    ? `${t.keyspace}.${t.table}: ${episodes.length} window${episodes.length > 1 ? 's' : ''} of exposure since ${time(start)}` +
      episodes.map((e) => `; ${time(e.from_us)} to ${e.open ? 'now' : time(e.end)}`).join('')
    : `${t.keyspace}.${t.table}: no exposure since ${time(start)}`;
  const root = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, width: WIDTH, height: HEIGHT, role: 'img',
                            'aria-label': label, class: 'proof-line' });
  root.append(svg('title', {}, label));
  root.append(svg('rect', { x: 0, y: 4, width: WIDTH, height: HEIGHT - 8, fill: '#2e7d32', opacity: 0.35 }));
  for (const e of episodes) {
    const h1 = Math.max(4, (HEIGHT - 4) * Math.min(1, Math.max(0.2, e.ring_share)));
    root.append(svg('rect', {
      x: x(e.from_us), y: HEIGHT - 2 - h1, width: Math.max(2, x(e.end) - x(e.from_us)), height: h1,
      fill: '#c62828', class: e.open ? 'open' : 'closed',
    }, svg('title', {}, `${time(e.from_us)} → ${e.open ? 'now' : time(e.end)}: ${(e.ring_share * 100).toFixed(1)}% of the ring exposed`)));
  }
  return root;
}

function verdict(t) {
  if (!t.safe_now) return [badge('NOT_SAFE'), ' since ', h('span', { title: time(t.exposed_since_us) }, relative(t.exposed_since_us))];
  return [badge('SAFE'), ' since ', h('span', { title: time(t.safe_since_us) }, time(t.safe_since_us))];
}

function protection(t) {
  if (t.replicas <= 1) return 'one replica';
  if (!t.safe_now) return t.tombstone_gc === 'immediate' ? 'nothing: tombstone_gc immediate' : 'nothing: repairs overdue (tombstone_gc timeout)';
  if (t.tombstone_gc === 'repair') return 'tombstone_gc repair';
  if (t.tombstone_gc === 'disabled') return 'tombstones never purged';
  if (t.safe_now && t.safe_until_us) return `repairs within gc_grace; safe ${relative(t.safe_until_us)} unless repaired`;
  return `tombstone_gc ${t.tombstone_gc}`;
}

// Fills `el` with one row per table, unsafe tables first.
export function renderProof(el, tables) {
  const rows = [...tables].sort((a, b) => Number(a.safe_now) - Number(b.safe_now)).map((t) => h('tr', { dataset: { proof: `${t.keyspace}.${t.table}` } }, [
    h('td', {}, `${t.keyspace}.${t.table}`),
    h('td', {}, verdict(t)),
    h('td', {}, timeline(t)),
    h('td', {}, protection(t)),
    h('td', {}, `${duration(t.gc_grace_seconds * 1e6)}, ${t.replicas} replica${t.replicas === 1 ? '' : 's'}`),
    h('td', { title: t.message }, t.windows_total ? `${t.windows_total} window${t.windows_total > 1 ? 's' : ''}` : 'none'),
  ]));
  fill(el,
    h('p', { class: 'muted' }, 'Since the record of each table began: could a tombstone have been purged before a repair put it on every replica? Green: no. Red: windows in which it could (height: share of the ring). rkctl repair proof KS.TABLE lists them.'),
    table(null, ['Table', 'Proof', 'Record → now', 'Protected by', 'gc_grace', 'Windows'], rows, 'No tables.'));
}
