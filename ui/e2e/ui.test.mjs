// The web UI end to end, in Debian's headless Chromium driven by playwright-core, against a real
// rk-scheduler and three rk-agents (tests/ui_e2e_cluster.cc, started here as a child process).
// Steps run in order and share one browser page, as an operator's session would. Screenshots of
// every page and the measured figures go to $RK_E2E_OUT. Steps whose API is not on this
// scheduler yet (alerts, backups) or whose agents cannot repair yet say so and are skipped.
//
//   RK_E2E_CLUSTER=build/tests/ui_e2e_cluster RK_E2E_OUT=build/ui-e2e node ui/e2e/ui.test.mjs
import { test as nodeTest, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const CHROMIUM = process.env.RK_CHROMIUM || '/usr/bin/chromium';
const CLUSTER = process.env.RK_E2E_CLUSTER;
const OUT = process.env.RK_E2E_OUT || 'ui-e2e';

// Skip (77 for ctest) when what the test needs is not installed.
let chromium;
try {
  chromium = createRequire(import.meta.url)('playwright-core').chromium;
} catch {
  console.log('SKIP: playwright-core is not installed (run scripts/setup.sh)');
  process.exit(77);
}
if (!existsSync(CHROMIUM)) { console.log(`SKIP: no ${CHROMIUM} (run scripts/setup.sh)`); process.exit(77); }
if (!CLUSTER || !existsSync(CLUSTER)) { console.log('SKIP: RK_E2E_CLUSTER is not built'); process.exit(77); }
mkdirSync(OUT, { recursive: true });

// The cluster program: one command per line in, one answer per line out.
class Cluster {
  constructor() {
    this.proc = spawn(CLUSTER, [], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.waiting = [];
    this.ready = new Promise((resolve, reject) => {
      this.proc.on('exit', (code) => reject(new Error(`ui_e2e_cluster exited (${code})`)));
      createInterface({ input: this.proc.stdout }).on('line', (line) => {
        if (line.startsWith('ready ')) resolve(JSON.parse(line.slice(6)));
        else if (line.startsWith('error') && !this.waiting.length) reject(new Error(line));
        else this.waiting.shift()?.(line);
      });
    });
  }
  command(c) {
    return new Promise((resolve, reject) => {
      this.waiting.push((line) => (line === 'ok' ? resolve() : reject(new Error(line))));
      this.proc.stdin.write(`${c}\n`);
    });
  }
  stop() { this.proc.stdin.end('quit\n'); }
}

let cluster, info, browser, page;

// A failing step leaves a screenshot and the page's messages behind, to tell why.
function test(name, fn) {
  nodeTest(name, async (t) => {
    try {
      await fn(t);
    } catch (e) {
      const slug = name.replace(/[^a-z0-9]+/gi, '-').slice(0, 40);
      await page?.screenshot({ path: join(OUT, `FAILED-${slug}.png`), fullPage: true }).catch(() => {});
      const messages = await page?.locator('#messages, #connection, #page-status').allTextContents().catch(() => []);
      console.log(`FAILED "${name}" at ${page?.url()}; page messages: ${JSON.stringify(messages)}`);
      throw e;
    }
  });
}
const figures = {};
const notes = [];
const apiErrors = [];
const shot = (name) => page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
const note = (text) => { notes.push(text); console.log(`NOTE: ${text}`); };

async function call(method, path, body, token = info.operator_token) {
  const res = await fetch(info.url + path, {
    method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {} };
}
const routeExists = async (path) => (await call('GET', path)).status !== 404;

before(async () => {
  cluster = new Cluster();
  info = await cluster.ready;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (e) => apiErrors.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') apiErrors.push(`console: ${m.text()}`); });
});

after(async () => {
  await browser?.close();
  cluster?.stop();
  writeFileSync(join(OUT, 'figures.json'), JSON.stringify({ figures, notes }, null, 2));
});

test('first load is HTML+JS+CSS under 300 KiB and revalidates with 304s', async () => {
  let transferred = 0;
  const files = [];
  const onResponse = async (r) => {
    const type = r.request().resourceType();
    if (!['document', 'script', 'stylesheet'].includes(type)) return;
    const sizes = await r.request().sizes();
    transferred += sizes.responseBodySize + sizes.responseHeadersSize;
    files.push(`${r.status()} ${new URL(r.url()).pathname}`);
  };
  page.on('response', onResponse);
  await page.goto(info.url + '/');
  await page.waitForSelector('.ring svg');
  await page.waitForLoadState('networkidle');
  page.off('response', onResponse);
  figures.first_load_kib = +(transferred / 1024).toFixed(1);
  console.log(`FIGURE first load: ${figures.first_load_kib} KiB transferred (budget 300 KiB) in ${files.length} files`);
  assert.ok(transferred < 300 * 1024, `first load ${transferred} bytes`);
  // The chart library is loaded once a node has signal history to draw; counted on top.
  let chart = 0;
  for (const f of ['/ui/vendor/uPlot.iife.min.js', '/ui/vendor/uPlot.min.css']) {
    const r = await fetch(info.url + f);
    if (r.ok) chart += (await r.arrayBuffer()).byteLength;
  }
  figures.first_load_with_chart_kib = +((transferred + chart) / 1024).toFixed(1);
  console.log(`FIGURE first load with the chart library (uPlot): ${figures.first_load_with_chart_kib} KiB`);
  assert.ok(transferred + chart < 300 * 1024);

  // The page's files carry a strict policy and ETags; asking again with the ETag gives 304.
  const res = await fetch(info.url + '/ui/app.js');
  assert.equal(res.headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.match(res.headers.get('content-security-policy'), /script-src 'self'/);
  const again = await fetch(info.url + '/ui/app.js', { headers: { 'If-None-Match': res.headers.get('etag') } });
  assert.equal(again.status, 304);
  // So do JSON reads (the schema: nodes change with every heartbeat).
  const schema = await fetch(info.url + '/api/v1/schema');
  const schema304 = await fetch(info.url + '/api/v1/schema', { headers: { 'If-None-Match': schema.headers.get('etag') } });
  assert.equal(schema304.status, 304);
  assert.equal((await schema304.text()).length, 0);
});

test('without a token the UI is read-only', async () => {
  await page.goto(info.url + '/#/repairs');
  await page.waitForSelector('text=Sign in with an operator token');
  assert.equal(await page.locator('#start-form').count(), 0);
});

test('sign in with the operator token (kept in sessionStorage, never in the URL)', async () => {
  await page.goto(info.url + '/#/cluster');
  await page.getByLabel('Operator token').fill('not-the-token-0123456789');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForSelector('text=The token was not accepted');
  await page.getByLabel('Operator token').fill(info.operator_token);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#who-text:has-text("Signed in as operator")');
  assert.ok(!page.url().includes(info.operator_token));
  assert.equal(await page.evaluate(() => sessionStorage.getItem('ringkeeper.token')), info.operator_token);
  await page.waitForSelector('.ring svg path');
  const rows = await page.locator('main table tbody tr').count();
  assert.equal(rows, 3);
  await shot('cluster');
});

let firstRun;
test('start a repair from the form (validated, confirmed) and watch it run', async () => {
  await page.click('nav >> text=Repairs');
  await page.waitForSelector('#start-form');
  // Invalid input is refused in the form, next to the field.
  await page.getByRole('button', { name: 'Review and start…' }).click();
  await page.waitForSelector('#f-keyspace-err:has-text("Choose the keyspace")');
  await page.selectOption('#f-keyspace', 'demo');
  await page.fill('#f-intensity', '0');
  await page.getByRole('button', { name: 'Review and start…' }).click();
  await page.waitForSelector('#f-intensity-err:has-text("Intensity must be")');
  await page.fill('#f-intensity', '1');
  await page.selectOption('#f-parallelism', 'parallel');
  await page.fill('#f-sessions', '2');
  await page.getByRole('button', { name: 'Review and start…' }).click();
  const dialog = page.locator('dialog#confirm');
  await dialog.waitFor();
  const summary = await dialog.textContent();
  assert.match(summary, /full repair of keyspace demo, all 2 tables/);
  assert.match(summary, /parallel with up to 2 sessions/);
  await shot('repairs-confirm');
  await dialog.getByRole('button', { name: 'Start repair' }).click();
  await page.waitForSelector('text=/Repair run \\d+ created/');
  const runs = (await call('GET', '/api/v1/repair/runs')).body.runs;
  firstRun = runs[0];
  assert.equal(firstRun.keyspace, 'demo');
  assert.equal(firstRun.parallelism, 'parallel');
  await page.waitForSelector(`tr[data-run="${firstRun.id}"] progress`);
  await page.waitForSelector('.segments canvas');
  if (info.sessions) {
    await page.waitForSelector(`tr[data-run="${firstRun.id}"][data-state="DONE"]`, { timeout: 30000 });
  } else {
    note('SKIPPED "watch it reach DONE": the agents serve no repair sessions yet (GET /v1/repair/sessions is 404); the run stays RUNNING with its segments retrying');
    await page.waitForSelector(`tr[data-run="${firstRun.id}"][data-state="RUNNING"]`);
  }
  await shot('repairs');
});

test('pause and resume another run, with confirmation', async () => {
  const created = await call('POST', '/api/v1/repair/runs', { keyspace: 'demo', tables: ['users'], intensity: 0.01, segments_per_range: 8 });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const row = () => page.locator(`tr[data-run="${created.body.id}"]`);
  await row().waitFor();
  await row().getByRole('button', { name: 'Pause' }).click();
  const dialog = page.locator('dialog#confirm');
  assert.match(await dialog.textContent(), /Running segments finish/);
  await dialog.getByRole('button', { name: `Pause run ${created.body.id}` }).click();
  await page.waitForSelector(`tr[data-run="${created.body.id}"][data-state="PAUSED"]`);
  await row().getByRole('button', { name: 'Resume' }).click();
  await dialog.getByRole('button', { name: `Resume run ${created.body.id}` }).click();
  await page.waitForSelector(`tr[data-run="${created.body.id}"][data-state="RUNNING"]`);
  // Keyboard: the grid takes focus and arrow keys describe segments.
  await row().getByRole('button', { name: `#${created.body.id}` }).click();
  // The detail panel follows the selection (heading, pace form with this run's values, grid).
  await page.waitForSelector(`#run-h:text-is("Run #${created.body.id}: segments")`);
  await page.waitForFunction(() => document.querySelector('#t-intensity')?.value === '0.01');
  await page.waitForSelector(`section[data-segments][data-run="${created.body.id}"]`);
  await page.focus('.segments canvas');
  await page.keyboard.press('ArrowRight');
  await page.waitForSelector('#segment-info:has-text("Segment")');
  // Throttle it: the new pace goes to the scheduler after a confirmation.
  await page.fill('#t-intensity', '0.5');
  await page.getByRole('button', { name: 'Apply…' }).click();
  await dialog.getByRole('button', { name: `Apply to run ${created.body.id}` }).click();
  await page.waitForSelector(`text=Run ${created.body.id}: intensity 0.5`);
  assert.equal((await call('GET', `/api/v1/repair/runs/${created.body.id}`)).body.intensity, 0.5);
  await shot('repairs-segments');
  await call('POST', `/api/v1/repair/runs/${created.body.id}/abort`);
  if (!info.sessions) await call('POST', `/api/v1/repair/runs/${firstRun.id}/abort`);
});

test('start a preview from the form: it compares, streams nothing, and shows what differs', async () => {
  await page.selectOption('#f-keyspace', 'demo');
  await page.selectOption('#f-kind', 'preview');
  assert.equal(await page.isDisabled('#f-mark'), true, 'a preview marks nothing repaired');
  await page.selectOption('#f-parallelism', 'sequential');
  await page.getByRole('button', { name: 'Review and start…' }).click();
  const dialog = page.locator('dialog#confirm');
  await dialog.waitFor();
  const summary = await dialog.textContent();
  assert.match(summary, /preview of keyspace demo/);
  assert.match(summary, /Nothing is streamed, nothing is marked repaired/);
  await dialog.getByRole('button', { name: 'Start preview' }).click();
  await page.waitForSelector('text=/Preview run \\d+ created/');
  const run = (await call('GET', '/api/v1/repair/runs?preview=true')).body.runs[0];
  assert.equal(run.preview, true);
  assert.equal(run.kind, 'full');
  assert.equal(run.mark_repaired, false);
  await page.waitForSelector(`tr[data-run="${run.id}"] >> text=preview`);
  if (info.sessions) {
    await page.waitForSelector(`tr[data-run="${run.id}"][data-state="DONE"]`, { timeout: 30000 });
    await page.waitForSelector('.findings h3:text-is("Differences")');
    const done = (await call('GET', `/api/v1/repair/runs/${run.id}`)).body;
    assert.equal(done.progress.segments.bytes_streamed, 0);
    await shot('repairs-preview');
  } else {
    note('SKIPPED "watch the preview reach DONE": the agents serve no repair sessions yet');
    await call('POST', `/api/v1/repair/runs/${run.id}/abort`);
  }
});

test('schedules show their next activation and can be removed', async () => {
  const next = (Date.now() + 3 * 3600e3) * 1000;
  const created = await call('POST', '/api/v1/repair/schedules', { keyspace: 'demo', interval_seconds: 86400, first_activation_us: next });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const row = page.locator(`tr[data-schedule="${created.body.id}"]`);
  await row.waitFor();
  assert.match(await row.textContent(), /in [23]h/);
  await row.getByRole('button', { name: 'Remove…' }).click();
  await page.locator('dialog#confirm').getByRole('button', { name: `Remove schedule #${created.body.id}` }).click();
  await page.waitForSelector(`text=Schedule #${created.body.id} removed.`);
  assert.equal((await call('GET', '/api/v1/repair/schedules')).body.schedules.length, 0);
});

test('the zombie-safety proof shows each table safe or not, with its time line', async () => {
  // tombstone_gc timeout with a 1 s gc_grace and no repair: NOT safe within seconds.
  const ks = await call('POST', '/api/v1/keyspaces', { name: 'proofks', replication: { class: 'SimpleStrategy', replication_factor: 3 } });
  assert.equal(ks.status, 201, JSON.stringify(ks.body));
  const t = await call('POST', '/api/v1/keyspaces/proofks/tables', { name: 'timed', gc_grace_seconds: 1, tombstone_gc: 'timeout' });
  assert.equal(t.status, 201, JSON.stringify(t.body));
  const bad = page.locator('tr[data-proof="proofks.timed"]');
  await bad.locator('.badge.s-NOT_SAFE').waitFor({ timeout: 30000 });
  assert.match(await bad.locator('svg[role="img"]').getAttribute('aria-label'), /1 window of exposure/);
  assert.equal(await bad.locator('rect.open').count(), 1);
  // Unsafe tables come first; the demo tables (tombstone_gc repair) are safe.
  assert.equal(await page.locator('tr[data-proof]').first().getAttribute('data-proof'), 'proofks.timed');
  const demo = page.locator('tr[data-proof^="demo."]');
  assert.ok(await demo.count() >= 1);
  for (const row of await demo.all()) {
    assert.equal(await row.locator('.badge.s-SAFE').count(), 1, await row.textContent());
    assert.match(await row.textContent(), /tombstone_gc repair/);
  }
  await shot('repairs-proof');
  await page.locator('section[aria-labelledby="proof-h"]').screenshot({ path: join(OUT, 'repairs-proof-panel.png') });
});

test('keyboard, labels and contrast: every control is named, text passes WCAG AA, Tab and Enter get around', async () => {
  for (const p of ['Cluster', 'Repairs', 'Backups', 'Alerts', 'Audit']) {
    await page.click(`nav >> text=${p}`);
    await page.waitForSelector('main h2, main form');
    await page.waitForLoadState('networkidle');
    const unnamed = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea, button, canvas[tabindex], a[href]')]
      .filter((el) => !(el.getAttribute('aria-label') || (el.id && document.querySelector(`label[for="${el.id}"]`)) ||
                        el.closest('label') || ((el.tagName === 'BUTTON' || el.tagName === 'A') && el.textContent.trim())))
      .map((el) => el.outerHTML.slice(0, 100)));
    assert.deepEqual(unnamed, [], `unnamed controls on ${p}`);
    // WCAG AA: every visible text against the background it sits on, 4.5:1 (3:1 for large text).
    const low = await page.evaluate(() => {
      const rgb = (c) => c.match(/[\d.]+/g).map(Number);
      const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
        .reduce((acc, v, i) => acc + v * [0.2126, 0.7152, 0.0722][i], 0);
      const background = (el) => {
        for (let e = el; e; e = e.parentElement) {
          const c = rgb(getComputedStyle(e).backgroundColor);
          if (c.length < 4 || c[3] > 0.5) return c;
        }
        return [255, 255, 255];
      };
      const out = [];
      for (const el of document.querySelectorAll('body *')) {
        if (![...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
        const st = getComputedStyle(el);
        if (!el.getClientRects().length || st.visibility === 'hidden' || el.closest('dialog:not([open])')) continue;
        const a = lum(rgb(st.color));
        const b = lum(background(el));
        const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        const size = parseFloat(st.fontSize);
        const large = size >= 24 || (size >= 18.66 && Number(st.fontWeight) >= 700);
        if (ratio < (large ? 3 : 4.5)) out.push(`${el.tagName}.${el.className} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
      }
      return out;
    });
    assert.deepEqual(low, [], `low contrast on ${p}`);
  }
  await page.click('nav >> text=Cluster');
  await page.waitForSelector('.ring svg');
  await page.evaluate(() => document.activeElement?.blur());
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to content');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Backups');
  await page.keyboard.press('Enter');
  await page.waitForSelector('main h1:text-is("Backups")');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
});

test('an alert appears on the Alerts page', async (t) => {
  if (!(await routeExists('/api/v1/alerts'))) {
    note('SKIPPED "see an alert appear": this scheduler has no alerts API yet; the page says "not available"');
    await page.click('nav >> text=Alerts');
    await page.waitForSelector('#alerts-na');
    await shot('alerts');
    t.skip('no alerts API');
    return;
  }
  await page.click('nav >> text=Alerts');
  // Agents may already have reported their own signals; the page lists whatever is there.
  await page.waitForSelector('section[aria-labelledby="alc-h"] table');
  const host = info.agents[0].host_id;
  // What an agent sends when a signal crosses its critical threshold (a signal of the test's own,
  // so that the agents' sampler cannot report it back to OK meanwhile).
  const r = await call('POST', '/api/v1/alerts', { host_id: host, signal: 'e2e_disk', state: 'CRITICAL', previous_state: 'OK',
    message: 'DISK CRITICAL - 3% free on /data', at_us: Date.now() * 1000, value: 3 }, info.agent_token);
  assert.ok(r.status < 300, JSON.stringify(r.body));
  await page.waitForSelector('section[aria-labelledby="alc-h"] tr[data-signal="e2e_disk"][data-state="CRITICAL"]');
  await page.waitForSelector('section[aria-labelledby="alp-h"] tr[data-signal="e2e_disk"]');
  // The filter narrows both lists to one node and signal.
  await page.fill('#al-signal', 'e2e_disk');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForFunction(() => [...document.querySelectorAll('main tbody tr[data-signal]')].every((tr) => tr.dataset.signal === 'e2e_disk'));
  await shot('alerts');
  // Disk values reported over time become a sparkline (uPlot) in the node's row on the Cluster page.
  const other = info.agents[2].host_id;
  const t0 = Date.now() * 1000;
  for (const [i, v] of [[0, 18], [1, 9], [2, 4]].entries()) {
    await call('POST', '/api/v1/alerts', { host_id: other, signal: 'disk', state: ['WARNING', 'WARNING', 'CRITICAL'][i],
      previous_state: ['OK', 'WARNING', 'WARNING'][i], message: `DISK - ${v[1]}% free`, at_us: t0 + i * 1000000, value: v[1] }, info.agent_token);
  }
  await page.click('nav >> text=Cluster');
  await page.waitForSelector('.spark .chart canvas');
  await shot('cluster-signals');
});

test('start and verify a backup', async (t) => {
  await page.click('nav >> text=Backups');
  if (!(await routeExists('/api/v1/backups'))) {
    note('SKIPPED "start and verify a backup": this scheduler has no backup API yet; the page says "not available"');
    await page.waitForSelector('#backups-na');
    await shot('backups');
    t.skip('no backup API');
    return;
  }
  await page.waitForSelector('#backup-form');
  await page.fill('#bk-tag', 'e2e-1');
  await page.getByRole('button', { name: 'Start backup…' }).click();
  await page.locator('dialog#confirm').getByRole('button', { name: 'Start backup' }).click();
  const started = await Promise.race([
    page.waitForSelector('tr[data-tag="e2e-1"]', { timeout: 10000 }).then(() => true),
    page.waitForSelector('.msg.error', { timeout: 10000 }).then(() => false),
  ]);
  if (!started) {
    note(`SKIPPED "verify a backup": starting one failed: ${await page.locator('.msg.error').first().textContent()}`);
    await shot('backups');
    t.skip('backup could not start here');
    return;
  }
  await page.waitForSelector('tr[data-tag="e2e-1"] progress');
  // The fixture gives the agents no object store of their own: the backup may end FAILED (with
  // the reason shown in its row), which the UI must show as well as a COMPLETE one.
  const row = page.locator('tr[data-tag="e2e-1"]:is([data-state="COMPLETE"], [data-state="FAILED"], [data-state="ABORTED"])');
  await row.waitFor({ timeout: 30000 });
  const state = await row.getAttribute('data-state');
  if (state !== 'COMPLETE') {
    note(`SKIPPED "verify a backup": the backup ended ${state}: ${(await row.locator('td').nth(1).textContent()).trim()}`);
    await shot('backups');
    t.skip(`backup ${state}`);
    return;
  }
  await page.locator('tr[data-tag="e2e-1"]').getByRole('button', { name: 'Verify' }).click();
  await page.waitForSelector('#verify-result');
  assert.match(await page.locator('#verify-result').textContent(), /verified/);
  await shot('backups');
});

test('the backups page against the API contract (intercepted): progress, verify, restore confirmation', async () => {
  const now = Date.now() * 1000;
  const backups = [
    { tag: 'nightly-2', state: 'RUNNING', paused: false, started_at_us: now - 60e6, completed_at_us: 0, nodes: 3, bytes: 3 * 2 ** 30, files: 120,
      requested_by: 'operator', error: '', progress: { files_total: 120, files_done: 40, files_skipped: 0, bytes_total: 3 * 2 ** 30, bytes_done: 2 ** 30,
      bytes_sent: 2 ** 30, rate_bytes_per_second: 50 * 2 ** 20, eta_seconds: 41 } },
    { tag: 'nightly-1', state: 'COMPLETE', paused: false, started_at_us: now - 86400e6, completed_at_us: now - 86000e6, nodes: 3, bytes: 2 * 2 ** 30,
      files: 100, requested_by: 'schedule', error: '', progress: { files_total: 100, files_done: 100, bytes_total: 2 * 2 ** 30, bytes_done: 2 * 2 ** 30 } },
  ];
  await page.route('**/api/v1/backups', (r) => r.fulfill({ contentType: 'application/json', body: JSON.stringify({ backups }) }));
  await page.route('**/api/v1/backups/nightly-1/verify', (r) => r.fulfill({ contentType: 'application/json',
    body: JSON.stringify({ tag: 'nightly-1', ok: true, nodes: 3, files_checked: 100, bytes_checked: 2 * 2 ** 30, problems: [] }) }));
  await page.route('**/api/v1/backups/nightly-1/restore', (r) => r.fulfill({ status: 404, contentType: 'application/json',
    body: '{"error":"not_found","detail":"no route for POST /api/v1/backups/nightly-1/restore"}' }));
  await page.click('nav >> text=Backups');
  await page.waitForSelector('tr[data-tag="nightly-2"][data-state="RUNNING"] progress');
  assert.match(await page.locator('tr[data-tag="nightly-2"]').textContent(), /1\.0 GiB of 3\.0 GiB, ETA 41s/);
  await page.locator('tr[data-tag="nightly-1"]').getByRole('button', { name: 'Verify' }).click();
  await page.waitForSelector('#verify-result:has-text("verified: 100 files")');
  // Restore needs the tag typed before its button enables.
  await page.locator('tr[data-tag="nightly-1"]').getByRole('button', { name: 'Restore…' }).click();
  const dialog = page.locator('dialog#confirm');
  const ok = dialog.getByRole('button', { name: 'Restore' });
  assert.equal(await ok.isDisabled(), true);
  await page.getByLabel('Type nightly-1 to confirm').fill('nightly-');
  assert.equal(await ok.isDisabled(), true);
  await page.getByLabel('Type nightly-1 to confirm').fill('nightly-1');
  await shot('backups-restore-confirm');
  await ok.click();
  await page.waitForSelector('text=Restore is not available through this scheduler');
  await shot('backups-contract');
  await page.unrouteAll();
});

test('the audit page shows who started the repair, filterable', async () => {
  await page.click('nav >> text=Audit');
  await page.fill('#au-action', 'repair.start');
  await page.getByRole('button', { name: 'Filter' }).click();
  // The unfiltered list (which holds repair.start too) is replaced by the filtered one.
  await page.waitForFunction(() => {
    const actions = [...document.querySelectorAll('main tbody td.mono')].map((td) => td.textContent);
    return actions.length > 0 && actions.every((a) => a === 'repair.start');
  });
  // The form's repair, the run created to be paused, the form's preview.
  assert.equal((await page.locator('main tbody td.mono').allTextContents()).length, 3);
  await shot('audit');
});

test('API errors are shown as messages, not blank pages', async () => {
  await page.route('**/api/v1/**', (route) => route.fulfill({
    status: 503, contentType: 'application/json', body: '{"error":"unavailable","detail":"database is busy"}' }));
  for (const p of ['cluster', 'repairs', 'backups', 'alerts', 'audit']) {
    await page.click(`nav >> text=${p[0].toUpperCase()}${p.slice(1)}`);
    await page.waitForSelector('.msg.error:has-text("database is busy")');
    assert.ok((await page.locator('main h1').textContent()).length > 0);
    await shot(`error-${p}`);
  }
  await page.unroute('**/api/v1/**');
});

test('the scheduler restarting underneath the page', async () => {
  await page.click('nav >> text=Repairs');
  await page.waitForSelector(`tr[data-run="${firstRun.id}"]`);
  await cluster.command('stop-scheduler');
  await page.waitForSelector('#connection:has-text("Lost contact")');
  assert.ok(await page.locator(`tr[data-run="${firstRun.id}"]`).isVisible(), 'the last data stays');
  await shot('restart-lost-contact');
  await cluster.command('start-scheduler');
  await page.waitForSelector('#connection', { state: 'hidden', timeout: 15000 });
  await page.waitForSelector('text=The scheduler answers again.');
  await page.waitForSelector('#who-text:has-text("Signed in as operator")');
  await page.waitForSelector(`tr[data-run="${firstRun.id}"]`);
  await shot('restart-back');
});

test('300 nodes and a run of 30,000 segments render fast', async () => {
  // Synthetic data served by intercepting the API (the scheduler is not touched).
  const nodes = [];
  for (let i = 0; i < 300; i++) {
    const tokens = [];
    for (let k = 0; k < 4; k++) tokens.push(String(BigInt.asIntN(64, BigInt(i * 4 + k) * 15372286728091293n + 123456789n)));
    nodes.push({ host_id: `host-${String(i).padStart(4, '0')}-0000-0000`, datacenter: `dc${i % 3}`, rack: `r${i % 5}`,
      state: i % 37 === 0 ? 'DOWN' : 'NORMAL', slot: i, tokens, version: '0.1.0', load_bytes: 1e9 + i * 1e7,
      last_heartbeat: Date.now() * 1000, addresses: { ops: 'x', internode: 'y', client: `10.0.${i >> 8}.${i & 255}:7100` } });
  }
  const segments = [];
  const states = ['DONE', 'DONE', 'DONE', 'RUNNING', 'PENDING', 'PENDING', 'FAILED'];
  for (let i = 0; i < 30000; i++) {
    segments.push({ id: i + 1, run_id: 999999, position: i, tables: ['events'], range: `(${i * 1000},${i * 1000 + 1000}]`,
      replicas: ['a', 'b', 'c'], state: states[i % states.length], attempts: 1, session_id: '', coordinator: 'a',
      started_at_us: 0, finished_at_us: 0, not_before_us: 0, estimated_bytes: 1000, bytes_validated: 0,
      bytes_streamed: 0, last_error: '', postponed: false });
  }
  const run = { id: 999999, keyspace: 'big', tables: [], kind: 'full', schedule_id: null, state: 'RUNNING', cause: '',
    created_by: 'bench', created_at_us: Date.now() * 1000, started_at_us: Date.now() * 1000, finished_at_us: 0,
    parallelism: 'parallel', max_sessions: 8, intensity: 1, segments_per_range: 1, max_segment_bytes: 0, datacenters: [], nodes: [],
    mark_repaired: false, progress: { segments: { total: 30000, done: 12858, running: 4286, pending: 8572, failed: 4284, aborted: 0,
      bytes_validated: 0, bytes_streamed: 0 }, fraction: 0.43, elapsed_us: 6e8, eta_us: 8e8, postponed: 0, per_table: {}, per_node: {} } };
  const segmentsBody = JSON.stringify({ segments });
  await page.route('**/api/v1/nodes', (r) => r.fulfill({ contentType: 'application/json', body: JSON.stringify(nodes) }));
  await page.route('**/api/v1/repair/runs?*', (r) => r.fulfill({ contentType: 'application/json', body: JSON.stringify({ runs: [run] }) }));
  await page.route('**/api/v1/repair/runs/999999/segments', (r) => r.fulfill({ contentType: 'application/json', body: segmentsBody }));

  await page.click('nav >> text=Cluster');
  await page.waitForSelector('main[data-render-ms] table tbody tr:nth-child(300)');
  figures.cluster_300_nodes_render_ms = Number(await page.getAttribute('main', 'data-render-ms'));

  await page.click('nav >> text=Repairs');
  await page.waitForSelector('tr[data-run="999999"]');
  await page.evaluate(() => sessionStorage.removeItem('ringkeeper.run'));
  const t0 = Date.now();
  await page.locator('tr[data-run="999999"]').getByRole('button', { name: '#999999' }).click();
  await page.waitForSelector('section[data-segments="30000"]');
  figures.segments_click_to_grid_ms = Date.now() - t0;
  figures.segment_grid_draw_ms = Number(await page.getAttribute('section[data-segments]', 'data-draw-ms'));
  // From the last byte of the segments' JSON to the grid drawn: parsing 30,000 segments + drawing.
  figures.segment_grid_render_ms = await page.evaluate(() => {
    const e = performance.getEntriesByType('resource').filter((x) => x.name.includes('/999999/segments')).pop();
    return +(Number(document.querySelector('section[data-segments]').dataset.drawnAt) - e.responseEnd).toFixed(1);
  });
  // Responsive afterwards: a key press on the grid is answered at once.
  await page.focus('.segments canvas');
  const k0 = Date.now();
  await page.keyboard.press('End');
  await page.waitForSelector('#segment-info:has-text("Segment 29999")');
  figures.segment_grid_key_ms = Date.now() - k0;
  await shot('bench-30000-segments');
  console.log(`FIGURE cluster page with 300 nodes (1,200 tokens): ${figures.cluster_300_nodes_render_ms} ms to render (ring SVG + table)`);
  console.log(`FIGURE segment grid, 30,000 segments: ${figures.segment_grid_render_ms} ms from data received to grid drawn ` +
              `(parse ${(segmentsBody.length / 1048576).toFixed(1)} MiB of JSON + draw ${figures.segment_grid_draw_ms} ms; budget 500 ms); ` +
              `click to grid incl. Playwright serving the JSON ${figures.segments_click_to_grid_ms} ms; ` +
              `key press answered in ${figures.segment_grid_key_ms} ms`);
  // The grid itself must draw in under 500 ms; parsing the API's 9.6 MiB of JSON comes on top and
  // is bounded loosely (it depends on how busy the machine is).
  assert.ok(figures.segment_grid_draw_ms < 500, `${figures.segment_grid_draw_ms} ms`);
  assert.ok(figures.segment_grid_render_ms < 1500, `${figures.segment_grid_render_ms} ms`);
  await page.unrouteAll();
});

test('no script errors on any page', () => {
  const unexpected = apiErrors.filter((e) => !/Failed to load resource|net::ERR_CONNECTION_REFUSED/.test(e));
  assert.deepEqual(unexpected, []);
});
