// Repairs: gc_grace deadlines ("at risk" first and loud), the zombie-safety proof, runs with live
// progress and ETA, a run's segment grid, a preview's differences, starting a run or preview
// (validated, confirmed), pause/resume/abort, schedules.
import * as api from './api.js';
import { h, fill, badge, bytes, duration, time, relative, percent, table, cell, keepFocus } from './dom.js';
import { SegmentGrid } from './segment_grid.js';
import { renderProof } from './proof.js';

const ACTIVE = new Set(['NOT_STARTED', 'RUNNING', 'PAUSED']);

// A run's or schedule's kind as operators name it: previews compare as full repairs do.
const kindOf = (r) => (r.preview ? 'preview' : r.kind);

export function mount(main, ctx) {
  const risk = h('div', {});
  const deadlines = h('div', {});
  const proof = h('div', {});
  const runs = h('div', {});
  const detail = h('section', { class: 'panel', hidden: true, 'aria-labelledby': 'run-h' });
  const schedules = h('div', {});
  const formBox = h('div', {});
  const grid = new SegmentGrid();
  let selected = Number(sessionStorage.getItem('ringkeeper.run') || 0);
  let lastRuns = [];
  let lastSegmentsAt = 0;
  let segmentsKey = '';
  let proofAt = 0;

  main.append(
    h('h1', {}, 'Repairs'), risk,
    h('section', { class: 'panel', 'aria-labelledby': 'runs-h' }, h('h2', { id: 'runs-h' }, 'Runs'), runs),
    detail,
    h('section', { class: 'panel', 'aria-labelledby': 'dl-h' }, h('h2', { id: 'dl-h' }, 'gc_grace deadlines'), deadlines),
    h('section', { class: 'panel', 'aria-labelledby': 'proof-h' }, h('h2', { id: 'proof-h' }, 'Zombie-safety proof'), proof),
    h('section', { class: 'panel', 'aria-labelledby': 'sched-h' }, h('h2', { id: 'sched-h' }, 'Schedules'), schedules),
    h('section', { class: 'panel', 'aria-labelledby': 'start-h' }, h('h2', { id: 'start-h' }, 'Start a repair'), formBox));

  async function act(run, action) {
    const what = { pause: 'Pause', resume: 'Resume', abort: 'Abort' }[action];
    const consequences = {
      pause: 'Running segments finish; no new segment starts until you resume. Progress is kept.',
      resume: 'Segments start again, within the run\'s parallelism and intensity.',
      abort: 'Running sessions are cancelled and the run ends ABORTED. Segments already repaired stay repaired; the rest are not repaired by this run.',
    }[action];
    const ok = await ctx.confirm({
      title: `${what} run ${run.id}?`,
      body: [h('p', {}, `${kindOf(run)} of ${run.keyspace} (${percent(run.progress.fraction)} done).`), h('p', {}, consequences)],
      ok: `${what} run ${run.id}`,
    });
    if (!ok) return;
    const r = await ctx.attempt(() => api.send('POST', `/api/v1/repair/runs/${run.id}/${action}`), `${what} run ${run.id}`);
    if (r) { ctx.message(`Run ${run.id} is ${r.state}.`, 'info'); ctx.refreshNow(); }
  }

  function renderRuns(list) {
    const rows = list.map((r) => {
      const p = r.progress;
      const seg = p.segments;
      const bar = h('progress', { max: 1, value: p.fraction, 'aria-label': `Run ${r.id} progress` });
      const buttons = [];
      if (ctx.operator && ACTIVE.has(r.state)) {
        if (r.state === 'RUNNING' || r.state === 'NOT_STARTED') buttons.push(h('button', { type: 'button', dataset: { key: `pause-${r.id}` }, onclick: () => act(r, 'pause') }, 'Pause'));
        if (r.state === 'PAUSED' || r.state === 'NOT_STARTED') buttons.push(h('button', { type: 'button', dataset: { key: `resume-${r.id}` }, onclick: () => act(r, 'resume') }, r.state === 'NOT_STARTED' ? 'Start' : 'Resume'));
        buttons.push(h('button', { type: 'button', class: 'danger', dataset: { key: `abort-${r.id}` }, onclick: () => act(r, 'abort') }, 'Abort'));
      }
      const tr = h('tr', { class: r.id === selected ? 'selected' : undefined, dataset: { run: r.id, state: r.state } },
        h('td', {}, h('button', { type: 'button', dataset: { key: `select-${r.id}` }, onclick: () => select(r.id), 'aria-pressed': r.id === selected ? 'true' : 'false' }, `#${r.id}`)),
        h('td', {}, r.keyspace, h('div', { class: 'muted' }, r.tables.length ? r.tables.join(', ') : 'all tables')),
        h('td', {}, kindOf(r), h('div', { class: 'muted' }, `${r.parallelism}, ×${r.max_sessions}, intensity ${r.intensity}`)),
        h('td', {}, badge(r.state), r.cause ? h('div', { class: 'muted' }, r.cause) : null),
        h('td', {}, bar, ` ${percent(p.fraction)}`,
          h('div', { class: 'muted' }, `${seg.done}/${seg.total} done, ${seg.running} running, ${seg.failed} failed` + (p.postponed?.length ? `; waiting: ${p.postponed.join(', ')}` : ''))),
        h('td', {}, r.state === 'RUNNING' && p.eta_us > 0 ? duration(p.eta_us) : '–',
          h('div', { class: 'muted' }, `elapsed ${duration(p.elapsed_us)}`)),
        h('td', {}, time(r.created_at_us), h('div', { class: 'muted' }, r.created_by || '')),
        h('td', {}, h('div', { class: 'actions' }, buttons)));
      return tr;
    });
    keepFocus(runs, () => fill(runs, table(null, ['Run', 'Keyspace', 'Kind', 'State', 'Progress', 'ETA', 'Created', 'Actions'], rows,
                                           'No repair runs yet. Start one below.')));
  }

  function select(id) {
    selected = id;
    sessionStorage.setItem('ringkeeper.run', String(id));
    segmentsKey = '';
    lastSegmentsAt = 0;
    renderRuns(lastRuns);
    ctx.refreshNow();
  }

  async function refreshDetail() {
    const run = lastRuns.find((r) => r.id === selected);
    if (!run) { detail.hidden = true; return; }
    detail.hidden = false;
    if (detail.contains(breakdown)) renderBreakdown(run);
    renderTuning(run);
    // Segments can be many (30,000 are ~10 MiB of JSON): while the run is running every 5 s,
    // every 30 s above 5,000 segments (the progress bars above move on every refresh anyway);
    // once otherwise.
    const key = `${run.id}:${run.state}`;
    const every = run.progress.segments.total > 5000 ? 30000 : 5000;
    if (key === segmentsKey && (run.state !== 'RUNNING' || Date.now() - lastSegmentsAt < every)) return;
    const r = await api.get(`/api/v1/repair/runs/${run.id}/segments`);
    segmentsKey = key;
    lastSegmentsAt = Date.now();
    if (!r.changed && grid.segments.length) return;
    if (!detail.contains(grid.el)) {
      fill(detail, h('h2', { id: 'run-h' }, `Run #${run.id}: segments`), grid.el, tuning, findings, breakdown);
    } else {
      detail.querySelector('h2').textContent = `Run #${run.id}: segments`;
    }
    renderBreakdown(run);
    await renderFindings(run);
    const ms = grid.draw(r.data.segments, detail.clientWidth - 40);
    detail.dataset.drawMs = ms.toFixed(1);
    detail.dataset.drawnAt = performance.now().toFixed(1);
    detail.dataset.segments = String(r.data.segments.length);
    detail.dataset.run = String(run.id);
  }

  // Throttling a run that is under way: intensity, sessions and parallelism (PATCH).
  const tuning = h('form', { class: 'filters tuning', 'aria-label': 'Change the run\'s pace' });
  let tunedRun = 0;
  function renderTuning(run) {
    if (!ctx.operator || !ACTIVE.has(run.state)) { tuning.replaceChildren(); tunedRun = 0; return; }
    if (tunedRun === run.id && tuning.childElementCount) return;  // keep what is being typed
    tunedRun = run.id;
    const intensity = h('input', { id: 't-intensity', type: 'number', min: 0.01, max: 1, step: 0.01, value: String(run.intensity) });
    const sessions = h('input', { id: 't-sessions', type: 'number', min: 1, max: 1000, step: 1, value: String(run.max_sessions) });
    const par = h('select', { id: 't-parallelism' }, ['sequential', 'parallel', 'datacenter_aware'].map((p) =>
      h('option', { value: p, selected: p === run.parallelism }, p)));
    fill(tuning,
      h('label', { for: 't-intensity' }, 'Intensity', intensity), h('label', { for: 't-sessions' }, 'Max sessions', sessions),
      h('label', { for: 't-parallelism' }, 'Parallelism', par), h('button', { type: 'submit' }, 'Apply…'));
    tuning.onsubmit = async (ev) => {
      ev.preventDefault();
      const body = { intensity: Number(intensity.value), max_sessions: Number(sessions.value), parallelism: par.value };
      if (!(body.intensity > 0 && body.intensity <= 1) || !Number.isInteger(body.max_sessions) || body.max_sessions < 1 || body.max_sessions > 1000) {
        ctx.message('Intensity must be more than 0 and at most 1; max sessions a whole number from 1 to 1000.');
        return;
      }
      const ok = await ctx.confirm({ title: `Change the pace of run ${run.id}?`, ok: `Apply to run ${run.id}`,
        body: h('p', {}, `From now on: intensity ${body.intensity}, up to ${body.parallelism === 'sequential' ? 1 : body.max_sessions} session(s), ${body.parallelism}. Segments already running finish as they are.`) });
      if (!ok) return;
      const r = await ctx.attempt(() => api.send('PATCH', `/api/v1/repair/runs/${run.id}`, body), `Changing run ${run.id}`);
      if (r) { ctx.message(`Run ${run.id}: intensity ${r.intensity}, ${r.max_sessions} session(s), ${r.parallelism}.`, 'info'); tunedRun = 0; ctx.refreshNow(); }
    };
  }

  // A preview's findings: per table the differing ranges, rows, bytes and the replicas behind,
  // then the ranges themselves (the first 200), as `rkctl repair show` prints them.
  const findings = h('div', { class: 'findings' });
  async function renderFindings(run) {
    if (!run.preview) { findings.replaceChildren(); return; }
    const tables = run.differences?.tables || [];
    if (!tables.length) {
      fill(findings, h('h3', {}, 'Differences'),
        h('p', { dataset: { findings: 'none' } }, run.state === 'DONE'
          ? 'No differences: every replica holds the same data in every range compared.'
          : 'No differences found so far.'));
      return;
    }
    const { data } = await api.get(`/api/v1/repair/runs/${run.id}/differences?limit=200`);
    const total = tables.reduce((a, t) => ({ rows: a.rows + t.rows, ranges: a.ranges + t.ranges }), { rows: 0, ranges: 0 });
    fill(findings, h('h3', {}, 'Differences'),
      h('p', { role: 'status', dataset: { findings: String(total.rows) } },
        `${total.rows} row${total.rows === 1 ? '' : 's'} differ in ${total.ranges} range${total.ranges === 1 ? '' : 's'}; nothing was streamed or marked repaired. A full repair would stream them to the replicas behind.`),
      table(null, ['Table', { label: 'Ranges', num: 1 }, { label: 'Rows', num: 1 }, { label: 'Bytes', num: 1 }, 'Replicas behind'],
        tables.map((t) => [t.table, { v: String(t.ranges), class: 'num' }, { v: String(t.rows), class: 'num' },
          { v: bytes(t.bytes), class: 'num' }, h('span', { class: 'mono' }, t.behind.join(', '))])),
      table(null, ['Table', 'Range', 'Behind', 'Ahead', { label: 'Rows', num: 1 }, { label: 'Bytes', num: 1 }],
        data.ranges.map((d) => [d.table, h('span', { class: 'mono' }, d.range), h('span', { class: 'mono' }, d.target),
          h('span', { class: 'mono' }, d.source), { v: String(d.rows), class: 'num' }, { v: bytes(d.bytes), class: 'num' }])),
      data.ranges_total > data.ranges.length
        ? h('p', { class: 'muted' }, `${data.ranges_total - data.ranges.length} more ranges: rkctl repair show ${run.id} --all-ranges`)
        : null);
  }

  // Progress per table and per node (the run's own progress model, as rkctl shows it).
  const breakdown = h('div', { class: 'grid2 breakdown' });
  function renderBreakdown(run) {
    const rows = (m) => Object.entries(m || {}).map(([k, c]) => [
      h('span', { class: 'mono' }, k), h('progress', { max: c.total || 1, value: c.done, 'aria-label': `${k} done` }),
      { v: `${c.done}/${c.total}`, class: 'num' }, { v: String(c.running), class: 'num' }, { v: String(c.failed), class: 'num' },
      { v: bytes(c.bytes_streamed), class: 'num' }]);
    const head = (first) => [first, 'Done', { label: 'Segments', num: 1 }, { label: 'Running', num: 1 }, { label: 'Failed', num: 1 }, { label: 'Streamed', num: 1 }];
    fill(breakdown,
      h('div', {}, h('h3', {}, 'Per table'), table(null, head('Table'), rows(run.progress.per_table))),
      h('div', {}, h('h3', {}, 'Per node'), table(null, head('Node'), rows(run.progress.per_node))));
  }

  function renderDeadlines(list) {
    const bad = list.filter((d) => d.state !== 'OK');
    fill(risk, bad.length
      ? h('div', { class: 'alertbox', role: 'alert' },
          `${bad.length} table${bad.length > 1 ? 's' : ''} at risk of missing gc_grace: `,
          bad.map((d, i) => [i ? ', ' : '', `${d.keyspace}.${d.table} (${d.state})`]))
      : null);
    const order = { OVERDUE: 0, NEVER_REPAIRED: 1, AT_RISK: 2, OK: 3 };
    const rows = [...list].sort((a, b) => order[a.state] - order[b.state]).map((d) => [
      `${d.keyspace}.${d.table}`, badge(d.state), duration(d.gc_grace_seconds * 1e6),
      d.oldest_repaired_at_us ? time(d.oldest_repaired_at_us) : 'never',
      h('span', { title: time(d.deadline_us) }, relative(d.deadline_us)),
      d.forecast_done_us ? relative(d.forecast_done_us) : '–', d.message]);
    fill(deadlines, table(null, ['Table', 'State', 'gc_grace', 'Oldest repaired', 'Deadline', 'Forecast done', 'Why'], rows, 'No tables.'));
  }

  async function removeSchedule(s) {
    const ok = await ctx.confirm({
      title: `Remove schedule #${s.id}?`, ok: `Remove schedule #${s.id}`,
      body: h('p', {}, `No more ${s.preview ? 'previews' : `${s.kind} repairs`} of ${s.keyspace} start from it. Runs it already started go on. ` +
                       'Tables it kept within gc_grace need another schedule or manual runs.'),
    });
    if (!ok) return;
    const r = await ctx.attempt(() => api.send('DELETE', `/api/v1/repair/schedules/${s.id}`), `Removing schedule #${s.id}`);
    if (r) { ctx.message(`Schedule #${s.id} removed.`, 'info'); ctx.refreshNow(); }
  }

  function renderSchedules(list) {
    const rows = list.map((s) => h('tr', { dataset: { schedule: s.id } }, [
      `#${s.id}`, s.keyspace, s.tables.length ? s.tables.join(', ') : 'all', kindOf(s),
      `every ${duration(s.interval_seconds * 1e6)}${s.interval_derived ? ' (from gc_grace)' : ''}`,
      s.enabled ? h('span', { title: time(s.next_activation_us) }, `${relative(s.next_activation_us)} (${time(s.next_activation_us)})`) : 'disabled',
      s.last_run_id ? `#${s.last_run_id}` : '–',
      ctx.operator ? h('button', { type: 'button', dataset: { key: `remove-${s.id}` }, onclick: () => removeSchedule(s) }, 'Remove…') : ''].map(cell)));
    keepFocus(schedules, () => fill(schedules, table(null, ['Schedule', 'Keyspace', 'Tables', 'Kind', 'Interval', 'Next activation', 'Last run', ''], rows, 'No schedules.')));
  }

  let formBuilt = false;
  async function buildForm() {
    formBuilt = true;
    if (!ctx.operator) {
      fill(formBox, h('p', { class: 'muted' }, 'Sign in with an operator token to start, pause, resume or abort repairs.'));
      formBuilt = false;
      return;
    }
    const [{ data: keyspaces }, { data: nodes }] = await Promise.all([api.get('/api/v1/keyspaces'), api.get('/api/v1/nodes')]);
    fill(formBox, startForm(keyspaces, nodes.filter((n) => n.state !== 'REPLACED'), ctx, (run) => select(run.id)));
  }

  return {
    async refresh() {
      const [r, d, s] = await Promise.all([
        api.get('/api/v1/repair/runs?limit=50'),
        api.get('/api/v1/repair/deadlines'),
        api.get('/api/v1/repair/schedules'),
      ]);
      lastRuns = r.data.runs;
      if (!selected && lastRuns.length) selected = lastRuns[0].id;
      renderRuns(lastRuns);
      if (d.changed || !deadlines.childElementCount) renderDeadlines(d.data.tables);
      renderSchedules(s.data.schedules);  // always: the relative times move
      // The proof reads each table's whole repair record: at most every 15 s, and when a run
      // or a deadline changed (a segment finished, a table was added).
      if (r.changed || d.changed || Date.now() - proofAt > 15000) {
        proofAt = Date.now();
        renderProof(proof, (await api.get('/api/v1/repair/proof?limit=0')).data.tables);
      }
      if (!formBuilt) await buildForm();
      await refreshDetail();
    },
  };
}

// The start form: every field labelled, checked before sending, confirmed with a summary.
function startForm(keyspaces, nodes, ctx, started) {
  const err = {};
  const field = (id, label, input, hint) => [
    h('label', { for: id }, label), input,
    hint ? h('div', { class: 'hint', id: `${id}-hint` }, hint) : null,
    (err[id] = h('div', { class: 'field-error', id: `${id}-err`, hidden: true })),
  ];
  const ks = h('select', { id: 'f-keyspace', name: 'keyspace', required: true },
    h('option', { value: '' }, '— choose —'), keyspaces.map((k) => h('option', { value: k.name }, k.name)));
  const tables = h('div', { class: 'checks', id: 'f-tables', role: 'group', 'aria-label': 'Tables' });
  const kind = h('select', { id: 'f-kind' }, h('option', { value: 'full' }, 'full'), h('option', { value: 'incremental' }, 'incremental'),
    h('option', { value: 'preview' }, 'preview (compare only)'));
  const par = h('select', { id: 'f-parallelism' }, ['sequential', 'parallel', 'datacenter_aware'].map((p) => h('option', { value: p }, p)));
  const sessions = h('input', { id: 'f-sessions', type: 'number', min: 1, max: 1000, step: 1, value: '', placeholder: 'automatic', 'aria-describedby': 'f-sessions-hint' });
  const intensity = h('input', { id: 'f-intensity', type: 'number', min: 0.01, max: 1, step: 0.01, value: '1', 'aria-describedby': 'f-intensity-hint' });
  const dcs = [...new Set(nodes.map((n) => n.datacenter))];
  const dcBox = h('div', { class: 'checks', id: 'f-dcs', role: 'group', 'aria-label': 'Datacenters' },
    dcs.map((dc) => h('label', {}, h('input', { type: 'checkbox', value: dc, name: 'dc' }), ` ${dc}`)));
  const nodeSel = h('select', { id: 'f-nodes', multiple: true, size: Math.min(6, Math.max(2, nodes.length)), 'aria-describedby': 'f-nodes-hint' },
    nodes.map((n) => h('option', { value: n.host_id }, `${n.addresses.ops} (${n.datacenter}/${n.rack})`)));
  const mark = h('input', { id: 'f-mark', type: 'checkbox', 'aria-describedby': 'f-mark-hint' });
  const now = h('input', { id: 'f-start', type: 'checkbox', checked: true });

  ks.addEventListener('change', () => {
    const k = keyspaces.find((x) => x.name === ks.value);
    fill(tables, k ? k.tables.map((t) => h('label', {}, h('input', { type: 'checkbox', value: t.name, name: 'table' }), ` ${t.name}`))
      : h('span', { class: 'muted' }, 'Choose a keyspace first.'));
  });
  ks.dispatchEvent(new Event('change'));
  const sync = () => {
    sessions.disabled = par.value === 'sequential';
    if (sessions.disabled) sessions.value = '';
    mark.disabled = kind.value !== 'full';
    if (mark.disabled) mark.checked = false;
  };
  par.addEventListener('change', sync);
  kind.addEventListener('change', sync);
  sync();

  function invalid(id, text) {
    err[id].textContent = text;
    err[id].hidden = false;
    const input = document.getElementById(id);
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', `${id}-err`);
    return false;
  }
  function validate() {
    let ok = true;
    for (const [id, e] of Object.entries(err)) {
      e.hidden = true;
      document.getElementById(id)?.removeAttribute('aria-invalid');
    }
    if (!ks.value) ok = invalid('f-keyspace', 'Choose the keyspace to repair.');
    const i = Number(intensity.value);
    if (!(intensity.value !== '' && i > 0 && i <= 1)) ok = invalid('f-intensity', 'Intensity must be more than 0 and at most 1.') && ok;
    const m = Number(sessions.value);
    if (sessions.value !== '' && (!Number.isInteger(m) || m < 1 || m > 1000)) ok = invalid('f-sessions', 'Sessions must be a whole number from 1 to 1000, or empty for automatic.') && ok;
    return ok;
  }

  const form = h('form', { id: 'start-form', novalidate: true },
    h('div', { class: 'form-grid' },
      field('f-keyspace', 'Keyspace', ks),
      field('f-tables', 'Tables', tables, 'None ticked: every table of the keyspace.'),
      field('f-kind', 'Kind', kind, 'Full validates all data; incremental only what is not yet repaired, and marks it repaired; preview compares as full does and only reports what differs.'),
      field('f-parallelism', 'Parallelism', par, 'sequential: one replica set at a time; parallel: several; datacenter_aware: one per datacenter.'),
      field('f-sessions', 'Max sessions', sessions, 'Segments repaired at the same time (sequential: 1; empty: as many as the ring allows, nodes ÷ RF per datacenter).'),
      field('f-intensity', 'Intensity', intensity, 'Share of the time spent repairing (1: no pauses between segments).'),
      field('f-dcs', 'Datacenters', dcBox, 'None ticked: every datacenter.'),
      field('f-nodes', 'Nodes', nodeSel, 'Only ranges these nodes replicate; none selected: every node.'),
      field('f-mark', 'Mark repaired', mark, 'Full repairs only: move repaired data to the repaired set.'),
      field('f-start', 'Start at once', now)),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Review and start…')));

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!validate()) { form.querySelector('[aria-invalid="true"]')?.focus(); return; }
    const preview = kind.value === 'preview';
    const body = { keyspace: ks.value, kind: preview ? 'full' : kind.value, parallelism: par.value,
                   intensity: Number(intensity.value), start: now.checked };
    if (sessions.value !== '' && par.value !== 'sequential') body.max_sessions = Number(sessions.value);
    if (preview) body.preview = true;
    const tabs = [...tables.querySelectorAll('input:checked')].map((x) => x.value);
    const dcsPicked = [...dcBox.querySelectorAll('input:checked')].map((x) => x.value);
    const nodesPicked = [...nodeSel.selectedOptions].map((o) => o.value);
    if (tabs.length) body.tables = tabs;
    if (dcsPicked.length) body.datacenters = dcsPicked;
    if (nodesPicked.length) body.nodes = nodesPicked;
    if (mark.checked) body.mark_repaired = true;
    const allTables = keyspaces.find((k) => k.name === ks.value)?.tables.length ?? 0;
    const summary = h('ul', {},
      h('li', {}, `A ${preview ? 'preview' : `${body.kind} repair`} of keyspace ${body.keyspace}, ${tabs.length ? `tables ${tabs.join(', ')}` : `all ${allTables} tables`}.`),
      h('li', {}, preview
        ? 'Every replica\'s data in each segment is validated as a full repair does; what differs (rows, bytes, ranges, replicas behind) is reported. Nothing is streamed, nothing is marked repaired, and it does not count as a repair for gc_grace.'
        : body.kind === 'full'
          ? `Every replica's data in each segment is validated and differences are streamed both ways${body.mark_repaired ? '; repaired data is marked repaired' : ''}.`
          : 'Only unrepaired data is validated; on success it is marked repaired (anticompaction).'),
      h('li', {}, `${body.parallelism} with up to ${body.parallelism === 'sequential' ? '1 session' : body.max_sessions ? `${body.max_sessions} session${body.max_sessions > 1 ? 's' : ''}` : 'as many sessions as the ring allows (automatic)'} at a time, intensity ${body.intensity}.`),
      h('li', {}, `Datacenters: ${dcsPicked.length ? dcsPicked.join(', ') : 'all'}; nodes: ${nodesPicked.length ? `${nodesPicked.length} selected` : 'all'}.`),
      h('li', {}, body.start ? 'It starts at once.' : 'It is created NOT_STARTED; start it from the runs table.'));
    const ok = await ctx.confirm({ title: preview ? 'Start this preview?' : 'Start this repair?', body: summary, ok: preview ? 'Start preview' : 'Start repair' });
    if (!ok) return;
    const run = await ctx.attempt(() => api.send('POST', '/api/v1/repair/runs', body), 'Starting the repair');
    if (run) {
      ctx.message(`${run.preview ? 'Preview' : 'Repair'} run ${run.id} created (${run.state}).`, 'info');
      started(run);
    }
  });
  return form;
}
