// Audit: who did what and when, from the scheduler's audit table, filterable and paged.
import * as api from './api.js';
import { h, fill, time, table } from './dom.js';

export function mount(main) {
  const actor = h('input', { id: 'au-actor', type: 'text' });
  const action = h('input', { id: 'au-action', type: 'text', list: 'au-actions' });
  const since = h('input', { id: 'au-since', type: 'datetime-local' });
  const actions = h('datalist', { id: 'au-actions' }, ['node.register', 'node.replace', 'node.state', 'node.down',
    'keyspace.create', 'table.create', 'repair.start', 'repair.pause', 'repair.resume', 'repair.abort',
    'backup.start'].map((a) => h('option', { value: a })));
  const out = h('div', {});
  const more = h('button', { type: 'button', hidden: true }, 'Older entries');
  const filters = h('form', { class: 'filters', role: 'search' },
    h('label', { for: 'au-actor' }, 'Actor', actor), h('label', { for: 'au-action' }, 'Action', action), actions,
    h('label', { for: 'au-since' }, 'Since', since), h('button', { type: 'submit' }, 'Filter'));
  main.append(h('h1', {}, 'Audit'), filters, h('section', { class: 'panel' }, out, more));
  let base = '/api/v1/audit?limit=100';
  let older = [];
  filters.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams({ limit: '100' });
    if (actor.value.trim()) q.set('actor', actor.value.trim());
    if (action.value.trim()) q.set('action', action.value.trim());
    if (since.value) q.set('since', String(new Date(since.value).getTime() * 1000));
    base = `/api/v1/audit?${q}`;
    older = [];
    refresh();
  });
  let next = null;
  more.addEventListener('click', async () => {
    const r = await api.get(`${base}&before=${next}`);
    older = older.concat(r.data.entries);
    next = r.data.next_before ?? null;
    refresh();
  });
  let first = [];
  function render() {
    const rows = first.concat(older).map((e) => h('tr', { class: e.result && e.result !== 'ok' ? 'failed' : undefined },
      h('td', {}, time(e.at)), h('td', {}, e.actor), h('td', { class: 'mono' }, e.action), h('td', {}, e.target),
      h('td', {}, e.result), h('td', {}, e.detail)));
    fill(out, table(null, ['When', 'Actor', 'Action', 'Target', 'Result', 'Detail'], rows, 'No audit entries match.'));
  }
  async function refresh() {
    const r = await api.get(base);
    if (r.changed || !out.childElementCount || older.length) {
      first = r.data.entries;
      if (!older.length) next = r.data.next_before ?? null;
      more.hidden = next === null;
      render();
    }
  }
  return { refresh };
}
