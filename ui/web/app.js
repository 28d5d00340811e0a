// The UI's shell: pages by URL hash, sign-in with the operator token, messages, the connection
// banner, confirmation dialogs, and the polling loop that keeps the current page live.
import * as api from './api.js';
import { h, fill } from './dom.js';

const pages = {
  cluster: () => import('./cluster.js'),
  repairs: () => import('./repairs.js'),
  backups: () => import('./backups.js'),
  alerts: () => import('./alerts.js'),
  audit: () => import('./audit.js'),
};
const POLL_MS = 2000;

const $ = (id) => document.getElementById(id);
const state = { operator: false, who: '', page: null, name: '', timer: 0, generation: 0 };

// Messages: errors stay until dismissed (or replaced by the same text), notices fade.
function message(text, kind = 'error') {
  const box = $('messages');
  for (const m of box.children) if (m.dataset.text === text) return;
  const el = h('div', { class: `msg ${kind}`, dataset: { text } }, h('span', {}, text),
               h('button', { type: 'button', onclick: () => el.remove(), 'aria-label': 'Dismiss message' }, 'Dismiss'));
  box.append(el);
  if (kind !== 'error') setTimeout(() => el.remove(), 6000);
}

function clearMessages() { $('messages').replaceChildren(); }

// A modal confirmation. `typed`: the text the operator must type to enable the button.
function confirm({ title, body, ok = 'Confirm', typed = '' }) {
  const dlg = $('confirm');
  $('confirm-title').textContent = title;
  fill($('confirm-body'), body);
  $('confirm-ok').textContent = ok;
  const input = $('confirm-input');
  const typedBox = $('confirm-typed');
  typedBox.hidden = !typed;
  input.value = '';
  $('confirm-ok').disabled = !!typed;
  if (typed) {
    typedBox.querySelector('label').textContent = `Type ${typed} to confirm`;
    input.oninput = () => { $('confirm-ok').disabled = input.value !== typed; };
  }
  dlg.returnValue = '';
  dlg.showModal();
  (typed ? input : $('confirm-cancel')).focus();
  return new Promise((resolve) => {
    dlg.addEventListener('close', () => resolve(dlg.returnValue === 'ok'), { once: true });
  });
}

// Runs `fn` and shows its ApiError as a message; returns its result or undefined.
async function attempt(fn, what) {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof api.ApiError && e.status === 0) return undefined;  // the banner says it
    message(`${what}: ${e.message}${e.status ? ` (${e.status} ${e.error})` : ''}`);
    return undefined;
  }
}

const ctx = { message, confirm, attempt, api, get operator() { return state.operator; } };

async function checkToken() {
  try {
    const me = await api.send('GET', '/api/v1/whoami');
    state.operator = true;
    state.who = me.name ? `Signed in as ${me.name}` : 'No tokens configured: every action is open';
  } catch (e) {
    state.operator = false;
    if (e.status === 401 && api.token()) {
      api.setToken('');
      message('The token was not accepted; it has been forgotten. Showing the read-only view.');
    } else if (e.status === 403) {
      state.who = 'Signed in with a read-only token';
    } else if (e.status !== 401) {
      message(`Sign-in check failed: ${e.message}`);
    }
  }
  renderWho();
}

function renderWho() {
  const signedIn = !!api.token() || state.operator;
  // With no tokens configured on the scheduler there is nothing to sign in with.
  $('signin').hidden = !!api.token() || state.operator;
  $('who').hidden = !signedIn;
  $('signout').hidden = !api.token();
  $('who-text').textContent = state.who || 'Read-only view';
  if (!api.token() && !state.operator) $('who').hidden = true;
  document.body.classList.toggle('operator', state.operator);
}

async function show() {
  const name = (location.hash.match(/^#\/(\w+)/) || [])[1] || 'cluster';
  const key = pages[name] ? name : 'cluster';
  for (const a of document.querySelectorAll('nav a')) {
    if (a.dataset.page === key) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  clearTimeout(state.timer);
  state.page?.unmount?.();
  const generation = ++state.generation;
  const main = $('main');
  fill(main, h('p', { class: 'muted' }, 'Loading…'));
  const mod = await pages[key]();
  if (generation !== state.generation) return;
  main.replaceChildren();
  document.title = `${key[0].toUpperCase()}${key.slice(1)} · ringkeeper`;
  state.name = key;
  state.page = mod.mount(main, ctx);
  tick(generation);
}

// One refresh of the current page, then the next one; slower while the scheduler is away.
async function tick(generation) {
  if (generation !== state.generation) return;
  const started = performance.now();
  let failure = '';
  try {
    await state.page.refresh();
  } catch (e) {
    failure = e.status === 0 ? 'The scheduler does not answer.' : `${e.message}${e.status ? ` (${e.status} ${e.error})` : ''}`;
    if (e.status !== 0) message(`Refreshing: ${failure}`);
  }
  if (generation !== state.generation) return;
  // What failed also shows on the page itself, under its title, until a refresh succeeds.
  const main = $('main');
  let note = $('page-status');
  if (failure) {
    if (!note) {
      note = h('p', { id: 'page-status', class: 'na', role: 'status' });
      main.querySelector('h1')?.after(note);
    }
    note.textContent = `Could not load this page's data: ${failure.replace(/\.?$/, '.')} Retrying every ${POLL_MS / 1000} s; what is shown may be out of date.`;
  } else {
    note?.remove();
  }
  const wait = navigator.onLine === false ? 5000 : POLL_MS;
  state.timer = setTimeout(() => tick(generation), Math.max(250, wait - (performance.now() - started)));
}

// Refreshes at once (after an action) instead of waiting for the next tick.
ctx.refreshNow = () => {
  clearTimeout(state.timer);
  tick(state.generation);
};

api.onConnection((up) => {
  const b = $('connection');
  if (up) {
    b.hidden = true;
    message('The scheduler answers again.', 'info');
    checkToken();
  } else {
    b.textContent = 'Lost contact with the scheduler (restarting or down?). Retrying; the page keeps the last data it had.';
    b.hidden = false;
  }
});

$('signin').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const t = $('token').value.trim();
  if (!t) { message('Enter the operator token first.'); $('token').focus(); return; }
  api.setToken(t);
  $('token').value = '';
  clearMessages();
  await checkToken();
  if (api.token()) message(state.operator ? 'Signed in.' : 'Signed in read-only.', 'info');
  show();
});
$('signout').addEventListener('click', async () => {
  api.setToken('');
  state.who = '';
  await checkToken();
  show();
  $('token').focus();
});
window.addEventListener('hashchange', () => { clearMessages(); show().then(() => $('main').focus()); });

checkToken().then(show);
