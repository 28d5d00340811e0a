// Alerts: what is wrong now and what changed before, by node and signal.
import * as api from './api.js';
import { h, fill, badge, time, relative, table } from './dom.js';

export function mount(main) {
  const host = h('input', { id: 'al-host', type: 'text' });
  const signal = h('input', { id: 'al-signal', type: 'text' });
  const current = h('div', {});
  const past = h('div', {});
  const filters = h('form', { class: 'filters', role: 'search' },
    h('label', { for: 'al-host' }, 'Node (host id)', host), h('label', { for: 'al-signal' }, 'Signal', signal),
    h('button', { type: 'submit' }, 'Filter'));
  main.append(h('h1', {}, 'Alerts'), filters,
    h('section', { class: 'panel', 'aria-labelledby': 'alc-h' }, h('h2', { id: 'alc-h' }, 'Active now'), current),
    h('section', { class: 'panel', 'aria-labelledby': 'alp-h' }, h('h2', { id: 'alp-h' }, 'History'), past));
  let query = '';
  filters.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    if (host.value.trim()) q.set('host_id', host.value.trim());
    if (signal.value.trim()) q.set('signal', signal.value.trim());
    query = q.toString();
    refresh();
  });
  const row = (a) => h('tr', { dataset: { signal: a.signal, state: a.state } },
    h('td', {}, badge(a.state)), h('td', { class: 'mono' }, a.host_id), h('td', { class: 'mono' }, a.signal),
    h('td', {}, a.message), h('td', { class: 'num' }, a.value === null || a.value === undefined ? '–' : String(a.value)),
    h('td', {}, h('span', { title: time(a.at_us) }, relative(a.at_us))), h('td', {}, a.previous_state || ''));
  const headers = ['State', 'Node', 'Signal', 'Message', { label: 'Value', num: 1 }, 'When', 'Was'];
  async function refresh() {
    let active;
    let all;
    try {
      [active, all] = await Promise.all([api.get(`/api/v1/alerts?active=true${query ? `&${query}` : ''}`),
                                         api.get(`/api/v1/alerts?limit=200${query ? `&${query}` : ''}`)]);
    } catch (e) {
      if (!(e instanceof api.ApiError) || !e.missingRoute) throw e;
      fill(current, h('p', { class: 'na', id: 'alerts-na' }, 'Alerts are not available: this scheduler has no alerts API yet.'));
      past.replaceChildren();
      return;
    }
    if (active.changed || !current.querySelector('table')) fill(current, table(null, headers, active.data.alerts.map(row), 'Nothing is alerting.'));
    if (all.changed || !past.querySelector('table')) fill(past, table(null, headers, all.data.alerts.map(row), 'No alert history.'));
  }
  return { refresh };
}
