#!/usr/bin/env node
// End-to-end test of the desktop app in its real window, over W3C WebDriver
// (tauri-driver + WebKitWebDriver). Dependency-free: plain `fetch`, Node >= 20.
//
//   xvfb-run -a node ui/e2e/desktop.mjs
//
// Environment:
//   HOOKBENCH_DESKTOP_BIN  the app (default /work/main/target/debug/hookbench-desktop)
//   TAURI_DRIVER           tauri-driver (default: ~/.cargo/bin/tauri-driver, else PATH)
//   HOOKBENCH_UI_DIR       optional; reaches the app through tauri-driver's environment
//   E2E_KEEP=1             keep the temp dir even on success
//   E2E_TIMEOUT_MS         global timeout (default 120000): then everything is killed, exit 1
//
// What it does: starts tauri-driver on free ports, opens a session that launches
// the app (fresh data dir, XDG dirs in a temp dir, ready file), creates an
// endpoint through the control API, sends it a request, checks the capture via
// the API, then checks the window: the UI (endpoint, capture row, body value) if
// a UI build is served, else the "Hookbench is running" status page. Saves a
// screenshot to ui/e2e/screenshots/desktop.png. Exit 0 on success, 1 otherwise.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SHOTS = path.join(HERE, 'screenshots');
const BIN = process.env.HOOKBENCH_DESKTOP_BIN || '/work/main/target/debug/hookbench-desktop';
const DRIVER =
  process.env.TAURI_DRIVER ||
  [path.join(os.homedir(), '.cargo/bin/tauri-driver')].find((p) => fs.existsSync(p)) ||
  'tauri-driver';
const GLOBAL_TIMEOUT_MS = Number(process.env.E2E_TIMEOUT_MS) || 120_000;
const SESSION_TIMEOUT_MS = 60_000;
const ELEMENT_KEY = 'element-6066-11e4-a52e-4f735466cecf';

const t0 = Date.now();
const log = (...a) => console.log(`[desktop-e2e +${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sleepSync = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

class Failure extends Error {}
function assert(cond, msg) {
  if (!cond) throw new Failure(msg);
}

/** Poll `fn` until it returns a truthy value or `ms` pass; returns the value or throws `what`. */
async function waitFor(what, ms, fn, every = 250) {
  const end = Date.now() + ms;
  let lastErr;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() >= end) throw new Failure(`timed out after ${ms} ms waiting for ${what}${lastErr ? ` (last error: ${lastErr.message})` : ''}`);
    await sleep(every);
  }
}

/** Two distinct free loopback ports. */
async function freePorts(n) {
  const servers = [];
  try {
    for (let i = 0; i < n; i++) {
      const s = net.createServer();
      await new Promise((res, rej) => s.once('error', rej).listen(0, '127.0.0.1', res));
      servers.push(s);
    }
    return servers.map((s) => s.address().port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  }
}

// ---------------------------------------------------------------- processes

/** pid -> {ppid, state, comm} for every process, from /proc/<pid>/stat. */
function processTable() {
  const table = new Map();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      // "pid (comm) state ppid ..." — comm may contain spaces and parentheses.
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const [state, ppid] = stat.slice(close + 2).split(' ');
      table.set(Number(name), { ppid: Number(ppid), state, comm });
    } catch {
      // gone meanwhile
    }
  }
  return table;
}

/** All descendants of `root` (not including it), deepest last. */
function descendants(root) {
  const table = processTable();
  const out = [];
  const queue = [root];
  while (queue.length) {
    const p = queue.shift();
    for (const [pid, info] of table) {
      if (info.ppid === p && !out.includes(pid)) {
        out.push(pid);
        queue.push(pid);
      }
    }
  }
  return out;
}

function alive(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function signal(pid, sig) {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** SIGTERM `pids`, wait up to `graceMs`, SIGKILL what is left. Synchronous, so
 * it also works from the global-timeout handler. Returns the pids that survived. */
function killAll(pids, graceMs = 3000) {
  const live = pids.filter(alive);
  for (const p of live) signal(p, 'SIGTERM');
  const end = Date.now() + graceMs;
  while (live.some(alive) && Date.now() < end) sleepSync(50);
  for (const p of live.filter(alive)) signal(p, 'SIGKILL');
  const end2 = Date.now() + 2000;
  while (live.some(alive) && Date.now() < end2) sleepSync(50);
  return live.filter(alive);
}

// ------------------------------------------------------------------ state

const state = {
  tmp: null,
  driver: null, // ChildProcess of tauri-driver
  driverExited: false,
  driverLog: [],
  wdBase: null,
  sessionId: null,
  cleanedUp: false,
  aborting: false,
};

function driverLogTail(max = 6000) {
  const s = state.driverLog.join('');
  return s.length > max ? `…${s.slice(-max)}` : s;
}

/** Kill tauri-driver and everything under it (WebKitWebDriver, the app, WebKit
 * helper processes). Collects the tree before killing so that reparented
 * grandchildren are not missed. */
function killDriverTreeSync() {
  const root = state.driver?.pid;
  if (!root) return [];
  const tree = descendants(root).reverse(); // leaves first, tauri-driver last
  return killAll([...tree, root]);
}

// --------------------------------------------------------------- webdriver

async function wd(method, p, body, timeoutMs = 15_000) {
  let resp;
  try {
    resp = await fetch(state.wdBase + p, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    throw new Failure(`WebDriver ${method} ${p}: ${e.name === 'TimeoutError' ? `no answer in ${timeoutMs} ms` : e.message}`);
  }
  const text = await resp.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Failure(`WebDriver ${method} ${p}: HTTP ${resp.status}, not JSON: ${text.slice(0, 300)}`);
  }
  if (!resp.ok || (json.value && json.value.error)) {
    const err = new Failure(`WebDriver ${method} ${p}: HTTP ${resp.status} ${json.value?.error}: ${json.value?.message}`);
    err.wdError = json.value?.error;
    throw err;
  }
  return json.value;
}

const sess = (p) => `/session/${state.sessionId}${p}`;
const exec = (script, args = []) => wd('POST', sess('/execute/sync'), { script, args });
const bodyText = () => exec('return document.body ? document.body.innerText : ""');

/** The first element matching a CSS selector, or null. */
async function find(css) {
  try {
    const v = await wd('POST', sess('/element'), { using: 'css selector', value: css });
    return v[ELEMENT_KEY];
  } catch (e) {
    if (e.wdError === 'no such element') return null;
    throw e;
  }
}

/** The innermost visible element whose text contains `text` (the nearest
 * clickable ancestor of it, if any), found by script; null if none. */
async function findByText(text) {
  const v = await exec(
    `const want = arguments[0];
     const all = [...document.querySelectorAll('body *')].filter(
       (el) => el.offsetParent !== null && (el.innerText || '').includes(want));
     const inner = all.filter((el) => ![...el.children].some((c) => all.includes(c)));
     const el = inner[0];
     if (!el) return null;
     return el.closest('button, a, [role=option], [role=button], li, tr') || el;`,
    [text],
  );
  return v ? v[ELEMENT_KEY] : null;
}

/** WebDriver click; if the driver refuses (not interactable, intercepted), a script click. */
async function click(el, what) {
  try {
    await wd('POST', sess(`/element/${el}/click`), {});
  } catch (e) {
    log(`WebDriver click on ${what} failed (${e.message}); clicking by script`);
    await exec('arguments[0].click(); return true', [{ [ELEMENT_KEY]: el }]);
  }
}

/** Wait for two animation frames: WebKitWebDriver's screenshot is the last
 * painted frame, which can lag the DOM by a frame or more (frames come every
 * ~100 ms under a loaded Xvfb). Without this the picture can predate the last click. */
async function painted() {
  return wd('POST', sess('/execute/async'), {
    script: `const done = arguments[arguments.length - 1];
      const t = setTimeout(() => done('no frame in 3 s'), 3000);
      requestAnimationFrame(() => requestAnimationFrame(() => { clearTimeout(t); done('painted'); }));`,
    args: [],
  });
}

async function screenshot(file) {
  const frames = await painted();
  if (frames !== 'painted') log(`before the screenshot: ${frames}`);
  const b64 = await wd('GET', sess('/screenshot'), undefined, 20_000);
  fs.mkdirSync(SHOTS, { recursive: true });
  const buf = Buffer.from(b64, 'base64');
  assert(buf.subarray(1, 4).toString() === 'PNG', 'the screenshot is not a PNG');
  fs.writeFileSync(file, buf);
  return buf.length;
}

// -------------------------------------------------------------------- API

async function api(info, method, p, body) {
  const resp = await fetch(info.api_url + p, {
    method,
    headers: {
      authorization: `Bearer ${info.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await resp.text();
  assert(resp.ok, `API ${method} ${p}: HTTP ${resp.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

// ------------------------------------------------------------------- main

async function main() {
  assert(process.env.DISPLAY || process.env.WAYLAND_DISPLAY, 'no display: run under `xvfb-run -a node ui/e2e/desktop.mjs`');
  assert(fs.existsSync(BIN), `no app at ${BIN} (build it: cargo build -p hookbench-desktop)`);

  state.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hookbench-desktop-e2e-'));
  const dataDir = path.join(state.tmp, 'data');
  const readyFile = path.join(state.tmp, 'ready.json');
  const xdg = {
    XDG_DATA_HOME: path.join(state.tmp, 'xdg-data'),
    XDG_CONFIG_HOME: path.join(state.tmp, 'xdg-config'),
    XDG_CACHE_HOME: path.join(state.tmp, 'xdg-cache'),
  };
  for (const d of [dataDir, ...Object.values(xdg)]) fs.mkdirSync(d, { recursive: true });
  log(`temp dir ${state.tmp}`);

  // 1. tauri-driver. Its environment is what WebKitWebDriver, and so the app, gets.
  const [port, nativePort] = await freePorts(2);
  state.wdBase = `http://127.0.0.1:${port}`;
  log(`starting ${DRIVER} --port ${port} --native-port ${nativePort}`);
  state.driver = spawn(DRIVER, ['--port', String(port), '--native-port', String(nativePort)], {
    env: { ...process.env, ...xdg, HOOKBENCH_LOG: process.env.HOOKBENCH_LOG || 'hookbench=info,warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const spawnError = new Promise((_, rej) => state.driver.once('error', (e) => rej(new Failure(`cannot start tauri-driver: ${e.message}`))));
  spawnError.catch(() => {});
  state.driver.stdout.on('data', (d) => state.driverLog.push(d.toString()));
  state.driver.stderr.on('data', (d) => state.driverLog.push(d.toString()));
  state.driver.once('exit', (code, sig) => {
    state.driverExited = true;
    state.driverLog.push(`\n[tauri-driver exited: code ${code}, signal ${sig}]\n`);
  });

  await Promise.race([
    spawnError,
    waitFor('tauri-driver to answer GET /status', 15_000, async () => {
      if (state.driverExited) throw new Failure('tauri-driver exited');
      const r = await fetch(`${state.wdBase}/status`, { signal: AbortSignal.timeout(2000) });
      return r.ok;
    }),
  ]);
  log('tauri-driver is up');

  // 2. The session: launches the app and waits for its window.
  const args = ['--data-dir', dataDir, '--capture-addr', '127.0.0.1:0', '--api-addr', '127.0.0.1:0', '--ready-file', readyFile];
  const created = await wd(
    'POST',
    '/session',
    { capabilities: { alwaysMatch: { 'tauri:options': { application: BIN, args } } } },
    SESSION_TIMEOUT_MS,
  );
  state.sessionId = created.sessionId;
  assert(state.sessionId, `no sessionId in ${JSON.stringify(created)}`);
  log(`session ${state.sessionId}`);

  // 3. The engine: ready file, endpoint, one request, the capture via the API.
  const info = await waitFor('the ready file', 30_000, () => {
    const j = JSON.parse(fs.readFileSync(readyFile, 'utf8')); // throws until complete
    return j.api_url && j.capture_url && j.token ? j : null;
  });
  log(`engine: api ${info.api_url}, capture ${info.capture_url}`);

  const nonce = randomBytes(6).toString('hex');
  const name = `desktop-e2e-${nonce}`;
  const value = `dv-${nonce}`;
  const endpoint = await api(info, 'POST', '/api/v1/endpoints', { name });
  assert(endpoint.id !== undefined && endpoint.url, `endpoint response lacks id/url: ${JSON.stringify(endpoint)}`);
  log(`endpoint ${endpoint.id} "${name}" at ${endpoint.url}`);

  const target = `${endpoint.url.replace(/\/+$/, '')}/desktop/${nonce}`;
  const sent = await fetch(target, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ desktop_e2e: value }),
    signal: AbortSignal.timeout(10_000),
  });
  await sent.arrayBuffer();
  assert(sent.status < 400, `capture listener answered HTTP ${sent.status} to ${target}`);
  const capturePath = new URL(target).pathname;

  const capture = await waitFor('the capture in the API', 10_000, async () => {
    const list = await api(info, 'GET', `/api/v1/captures?endpoint=${encodeURIComponent(endpoint.id)}`);
    return (list.items || []).find((c) => c.method === 'POST' && c.path === capturePath);
  });
  log(`capture ${capture.id}: ${capture.method} ${capture.path}`);

  // 4. The window. It opened on /?token=…, which sets the cookie and redirects to /.
  const loc = await waitFor('the window to finish loading /', 15_000, async () => {
    const v = await exec('return document.readyState === "complete" ? [location.origin, location.pathname, location.search] : null');
    return v && v[1] === '/' && !v[2].includes('token=') ? v : null;
  });
  assert(loc[0] === new URL(info.api_url).origin, `the window shows ${loc[0]}, not the engine's ${info.api_url}`);
  const title = await exec('return document.title');
  const winTitle = await wd('GET', sess('/title'));
  log(`window at ${loc[0]}${loc[1]}, document.title "${title}"`);
  assert(String(title).includes('Hookbench'), `document.title is "${title}", expected it to contain "Hookbench"`);
  assert(String(winTitle).includes('Hookbench'), `WebDriver title is "${winTitle}"`);

  // Reload / so a UI (if any) lists the new endpoint even without live events.
  await wd('POST', sess('/url'), { url: `${loc[0]}/` }, 20_000);

  const STATUS_TEXT = 'Hookbench is running';
  let lastText = '';
  const mode = await waitFor('the endpoint name (UI) or the status page in the window', 15_000, async () => {
    lastText = String(await bodyText());
    if (lastText.includes(name)) return 'ui';
    // The status page is static and never lists endpoints: no need to wait longer.
    if (lastText.includes(STATUS_TEXT)) return 'status';
    return null;
  }).catch((e) => {
    throw new Failure(`${e.message}; window text was:\n${lastText.slice(0, 1500)}`);
  });

  if (mode === 'status') {
    log('MODE: status page (no UI build served)');
    assert(lastText.includes(STATUS_TEXT), `status page lacks "${STATUS_TEXT}"`);
    assert(lastText.includes(info.capture_url), `status page does not show the capture URL ${info.capture_url}`);
  } else {
    log('MODE: UI (the endpoint shows in the window)');
    // Select our endpoint (the UI starts on the Default one).
    const epEl =
      (await find(`[data-testid="endpoint-item"][data-endpoint-id="${endpoint.id}"] button`)) || (await findByText(name));
    assert(epEl, `no clickable element for endpoint "${name}"`);
    await click(epEl, 'the endpoint');

    // Its capture row shows the path. The UI may show it whole (/h/<slug>/desktop/<nonce>)
    // or relative to the endpoint (/desktop/<nonce>): look for the part both contain.
    const subPath = `/desktop/${nonce}`;
    await waitFor(`the capture path ${subPath} in the window`, 15_000, async () => String(await bodyText()).includes(subPath)).catch(
      (e) => bodyText().then((t) => Promise.reject(new Failure(`${e.message}; window text:\n${String(t).slice(0, 1500)}`))),
    );
    log(`capture row shows ${subPath}`);

    // Open it; show the body if the inspector has a Body tab; look for the value.
    const rowEl = (await find(`[data-capture-id="${capture.id}"]`)) || (await findByText(subPath));
    assert(rowEl, 'no clickable element for the capture row');
    await click(rowEl, 'the capture row');
    const bodyTab = await waitFor('the inspector', 5000, async () => (await find('[data-testid="tab-body"]')) || null).catch(() => null);
    if (bodyTab) {
      await click(bodyTab, 'the Body tab');
      await waitFor(`the body value ${value} in the inspector`, 10_000, async () => String(await bodyText()).includes(value)).catch((e) =>
        bodyText().then((t) => Promise.reject(new Failure(`${e.message}; window text:\n${String(t).slice(0, 2000)}`))),
      );
      log(`inspector shows the body value ${value}`);
    } else if (String(await bodyText()).includes(value)) {
      log(`the window shows the body value ${value} (no Body tab found)`);
    } else {
      log('note: the UI exposes no Body tab ([data-testid="tab-body"]); checked the path only');
    }
  }

  // 5. Screenshot.
  const file = path.join(SHOTS, 'desktop.png');
  const bytes = await screenshot(file);
  log(`screenshot ${path.relative(process.cwd(), file)} (${bytes} bytes)`);
  return mode;
}

/** End the session, then tauri-driver and everything under it. Idempotent. */
async function cleanup(ok) {
  if (state.cleanedUp) return true;
  state.cleanedUp = true;
  let clean = true;
  if (state.sessionId) {
    const tree = state.driver ? descendants(state.driver.pid) : [];
    try {
      await wd('DELETE', sess(''), undefined, 15_000);
      log('session deleted');
    } catch (e) {
      clean = false;
      log(`DELETE session failed: ${e.message}`);
    }
    // The app should now exit by itself; give it a moment.
    const table = processTable();
    const apps = tree.filter((p) => table.get(p)?.comm.startsWith('hookbench-desk'));
    const end = Date.now() + 5000;
    while (apps.some(alive) && Date.now() < end) await sleep(100);
    if (apps.some(alive)) log(`the app (${apps.filter(alive).join(', ')}) was still running after DELETE session; killing it`);
    state.sessionId = null;
  }
  if (state.driver) {
    const tree = descendants(state.driver.pid);
    const table = processTable();
    const survivors = killDriverTreeSync();
    // Let Node reap tauri-driver, or it stays a zombie after we exit.
    const end = Date.now() + 2000;
    while (!state.driverExited && Date.now() < end) await sleep(50);
    const desc = tree.map((p) => `${p} ${table.get(p)?.comm}${table.get(p)?.state === 'Z' ? ' (zombie)' : ''}`);
    log(`stopped tauri-driver ${state.driver.pid} and ${tree.length} descendant(s)${tree.length ? `: ${desc.join(', ')}` : ''}`);
    if (survivors.length) {
      clean = false;
      log(`still alive after SIGKILL: ${survivors.join(', ')}`);
    }
  }
  if (state.tmp) {
    if (ok && clean && !process.env.E2E_KEEP) fs.rmSync(state.tmp, { recursive: true, force: true });
    else log(`kept ${state.tmp}`);
  }
  return clean;
}

const globalTimer = setTimeout(() => {
  console.error(`[desktop-e2e] FAIL: global timeout (${GLOBAL_TIMEOUT_MS / 1000} s); killing everything`);
  abort();
}, GLOBAL_TIMEOUT_MS);

/** Kill everything now and exit 1, after a moment for Node to reap tauri-driver
 * (an immediate process.exit would leave it a zombie). */
function abort() {
  if (state.aborting) return;
  state.aborting = true; // the main flow, failing now, must not report or exit on its own
  try {
    killDriverTreeSync();
  } finally {
    if (state.driverLog.length) console.error(`--- tauri-driver output ---\n${driverLogTail()}`);
    if (state.tmp) console.error(`[desktop-e2e] kept ${state.tmp}`);
    setTimeout(() => process.exit(1), 300);
  }
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    console.error(`[desktop-e2e] ${sig}: killing everything`);
    abort();
  });
}

let code = 1;
let ok = false;
try {
  const mode = await main();
  ok = true;
  code = 0;
  log(`PASS (mode: ${mode})`);
} catch (e) {
  if (state.aborting) await new Promise(() => {}); // abort() exits
  console.error(`[desktop-e2e] FAIL: ${e instanceof Failure ? e.message : e.stack || e}`);
  if (state.sessionId) {
    try {
      const f = path.join(SHOTS, 'desktop-failed.png');
      await screenshot(f);
      console.error(`[desktop-e2e] failure screenshot: ${f}`);
    } catch {
      // no window to photograph
    }
  }
  if (state.driverLog.length) console.error(`--- tauri-driver output ---\n${driverLogTail()}`);
} finally {
  if (state.aborting) await new Promise(() => {}); // abort() exits
  try {
    if (!(await cleanup(ok))) {
      console.error('[desktop-e2e] FAIL: cleanup was not clean');
      code = 1;
    }
  } catch (e) {
    console.error(`[desktop-e2e] FAIL: cleanup: ${e.stack || e}`);
    killDriverTreeSync();
    code = 1;
  }
  clearTimeout(globalTimer);
  log(`exit ${code} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  process.exit(code);
}
