// Backups: history with progress, start, pause/resume/abort, verify, restore (strongly confirmed)
// — each as far as the scheduler's API offers it; a missing API is shown as "not available".
import * as api from './api.js';
import { h, fill, badge, bytes, duration, time, table, keepFocus } from './dom.js';

export function mount(main, ctx) {
  const list = h('div', {});
  const verify = h('div', { 'aria-live': 'polite' });
  const start = h('div', {});
  main.append(h('h1', {}, 'Backups'),
    h('section', { class: 'panel', 'aria-labelledby': 'bk-h' }, h('h2', { id: 'bk-h' }, 'History'), list, verify),
    h('section', { class: 'panel', 'aria-labelledby': 'bks-h' }, h('h2', { id: 'bks-h' }, 'Start a backup'), start));

  function startForm() {
    if (!ctx.operator) return h('p', { class: 'muted' }, 'Sign in with an operator token to start, verify or restore backups.');
    const tag = h('input', { id: 'bk-tag', type: 'text', pattern: '[A-Za-z0-9_.\\-]*', 'aria-describedby': 'bk-tag-hint' });
    const form = h('form', { id: 'backup-form' },
      h('div', { class: 'form-grid' }, h('label', { for: 'bk-tag' }, 'Tag (optional)'), tag,
        h('div', { class: 'hint', id: 'bk-tag-hint' }, 'Letters, digits, ".", "_" and "-"; left empty the scheduler names it by time.')),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Start backup…')));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      if (!tag.checkValidity()) { ctx.message('The tag may only hold letters, digits, ".", "_" and "-".'); tag.focus(); return; }
      const ok = await ctx.confirm({ title: 'Start a backup?', ok: 'Start backup',
        body: h('p', {}, `Every node snapshots its data and uploads the new files to the object store${tag.value ? ` under tag ${tag.value}` : ''}. Nodes keep serving meanwhile.`) });
      if (!ok) return;
      const r = await ctx.attempt(() => api.send('POST', '/api/v1/backups', tag.value ? { tag: tag.value } : {}), 'Starting the backup');
      if (r) { ctx.message(`Backup ${r.tag} started.`, 'info'); ctx.refreshNow(); }
    });
    return form;
  }

  async function runVerify(b) {
    fill(verify, h('p', {}, `Verifying ${b.tag}…`));
    const r = await ctx.attempt(() => api.send('GET', `/api/v1/backups/${encodeURIComponent(b.tag)}/verify`), `Verifying ${b.tag}`);
    if (!r) { verify.replaceChildren(); return; }
    fill(verify, h('div', { class: r.ok ? 'msg info' : 'msg error', id: 'verify-result' },
      r.ok ? `Backup ${r.tag} verified: ${r.files_checked} files, ${bytes(r.bytes_checked)} on ${r.nodes} nodes, all intact.`
           : `Backup ${r.tag} has ${r.problems.length} problem(s): ` + r.problems.slice(0, 5).map((p) => `${p.host_id} ${p.path}: ${p.reason}`).join('; ')));
  }

  async function restore(b) {
    const ok = await ctx.confirm({
      title: `Restore backup ${b.tag}?`, ok: 'Restore', typed: b.tag,
      body: [h('p', {}, h('strong', {}, 'This replaces the data of every node with the backup\'s.')),
             h('p', {}, `Writes made after ${time(b.completed_at_us)} are lost on the restored nodes, which restart to swap the data in.`)],
    });
    if (!ok) return;
    try {
      const r = await api.send('POST', `/api/v1/backups/${encodeURIComponent(b.tag)}/restore`, {});
      ctx.message(`Restore of ${b.tag} started (${r.state || 'accepted'}).`, 'info');
    } catch (e) {
      if (e.status === 404 || e.status === 405) ctx.message('Restore is not available through this scheduler\'s API; restore each node with `rkctl restore` (docs/backup.md).');
      else ctx.message(`Restoring ${b.tag}: ${e.message}`);
    }
  }

  async function action(b, what) {
    const ok = await ctx.confirm({ title: `${what[0].toUpperCase()}${what.slice(1)} backup ${b.tag}?`, ok: what,
      body: h('p', {}, what === 'abort' ? 'Uploads stop; the backup ends ABORTED and cannot be restored.' : `The backup's uploads ${what === 'pause' ? 'pause' : 'continue'}.`) });
    if (!ok) return;
    const r = await ctx.attempt(() => api.send('POST', `/api/v1/backups/${encodeURIComponent(b.tag)}/${what}`), `${what} ${b.tag}`);
    if (r) ctx.refreshNow();
  }

  let built = false;
  return {
    async refresh() {
      let r;
      try {
        r = await api.get('/api/v1/backups');
      } catch (e) {
        if (!(e instanceof api.ApiError) || !e.missingRoute) throw e;
        fill(list, h('p', { class: 'na', id: 'backups-na' }, 'Backups are not available: this scheduler has no backup API yet.'));
        start.replaceChildren();
        return;
      }
      if (!built) { fill(start, startForm()); built = true; }
      if (!r.changed && list.querySelector('table')) return;
      const rows = r.data.backups.map((b) => {
        const p = b.progress || {};
        const running = b.state === 'RUNNING';
        const frac = p.bytes_total ? p.bytes_done / p.bytes_total : (b.state === 'COMPLETE' ? 1 : 0);
        const buttons = [];
        if (ctx.operator) {
          if (running) {
            buttons.push(h('button', { type: 'button', dataset: { key: `pause-${b.tag}` }, onclick: () => action(b, b.paused ? 'resume' : 'pause') }, b.paused ? 'Resume' : 'Pause'));
            buttons.push(h('button', { type: 'button', class: 'danger', dataset: { key: `abort-${b.tag}` }, onclick: () => action(b, 'abort') }, 'Abort'));
          }
          if (b.state === 'COMPLETE') {
            buttons.push(h('button', { type: 'button', dataset: { key: `verify-${b.tag}` }, onclick: () => runVerify(b) }, 'Verify'));
            buttons.push(h('button', { type: 'button', class: 'danger', dataset: { key: `restore-${b.tag}` }, onclick: () => restore(b) }, 'Restore…'));
          }
        }
        return h('tr', { dataset: { tag: b.tag, state: b.state } },
          h('td', { class: 'mono' }, b.tag), h('td', {}, badge(b.paused ? 'PAUSED' : b.state), b.error ? h('div', { class: 'muted' }, b.error) : null),
          h('td', {}, h('progress', { max: 1, value: frac, 'aria-label': `Backup ${b.tag} progress` }),
            h('div', { class: 'muted' }, `${bytes(p.bytes_done ?? b.bytes)} of ${bytes(p.bytes_total ?? b.bytes)}` + (running && p.eta_seconds > 0 ? `, ETA ${duration(p.eta_seconds * 1e6)}` : ''))),
          h('td', { class: 'num' }, String(b.nodes)), h('td', { class: 'num' }, String(b.files)), h('td', { class: 'num' }, bytes(b.bytes)),
          h('td', {}, time(b.started_at_us)), h('td', {}, time(b.completed_at_us)),
          h('td', {}, h('div', { class: 'actions' }, buttons)));
      });
      keepFocus(list, () => fill(list, table(null, ['Tag', 'State', 'Progress', { label: 'Nodes', num: 1 }, { label: 'Files', num: 1 }, { label: 'Bytes', num: 1 }, 'Started', 'Completed', 'Actions'], rows, 'No backups yet.')));
    },
  };
}
