import { afterEach, describe, expect, it } from 'vitest';
import { FakeEngine, FakeEventSource, FakePlatform, click, listening, renderApp, settle, type Rendered } from '../../test/fakeEngine';

let r: Rendered | null = null;
afterEach(() => {
  r?.destroy();
  r = null;
  document.body.innerHTML = '';
});

describe('top bar: the capture listener', () => {
  it('shows where it captures, and pauses and resumes through PUT /listener', async () => {
    r = await renderApp(new FakeEngine({ listener: listening(8787) }));
    const status = r.byTest('listener-status');
    expect(status?.dataset.state).toBe('listening');
    expect(status?.textContent).toContain('capturing at');
    expect(r.byTest('listener-url')?.textContent).toBe('http://127.0.0.1:8787');
    expect(r.byTest('listener-toggle')?.textContent).toBe('Pause');

    click(r.byTest('listener-toggle'));
    await settle();
    expect(r.engine.made('PUT', '/listener').map((c) => c.body)).toEqual([{ paused: true }]);
    expect(r.byTest('listener-status')?.dataset.state).toBe('paused');
    expect(r.byTest('listener-status')?.textContent).toContain('Paused');
    expect(r.byTest('listener-toggle')?.textContent).toBe('Resume');
    expect(r.byTest('listener-toggle')?.getAttribute('aria-pressed')).toBe('true');

    click(r.byTest('listener-toggle'));
    await settle();
    expect(r.engine.made('PUT', '/listener').map((c) => c.body)).toEqual([{ paused: true }, { paused: false }]);
    expect(r.byTest('listener-status')?.dataset.state).toBe('listening');
  });

  it('follows listener.changed events (the tray pausing capture)', async () => {
    r = await renderApp(new FakeEngine());
    FakeEventSource.emit('listener.changed', listening(8787, { state: 'paused' }));
    await settle();
    expect(r.byTest('listener-status')?.dataset.state).toBe('paused');
    expect(r.byTest('listener-toggle')?.textContent).toBe('Resume');
    FakeEventSource.emit('listener.changed', listening(8787));
    await settle();
    expect(r.byTest('listener-status')?.dataset.state).toBe('listening');
  });

  it('after missed events (lagged) asks the engine again', async () => {
    const engine = new FakeEngine();
    r = await renderApp(engine);
    engine.listener = listening(8787, { state: 'paused' });
    FakeEventSource.emit('lagged', null);
    await settle();
    expect(engine.made('GET', '/listener')).toHaveLength(1);
    expect(r.byTest('listener-status')?.dataset.state).toBe('paused');
  });

  it('after a move elsewhere, shows the new URL and fetches the endpoints again', async () => {
    const engine = new FakeEngine();
    r = await renderApp(engine);
    const before = engine.made('GET', '/endpoints').length;
    // The engine moved (another window did it): the endpoints' URLs change with it.
    click(r.byTest('listener-toggle')); // unrelated change first: no refetch
    await settle();
    expect(engine.made('GET', '/endpoints').length).toBe(before);
    engine.endpoints = engine.endpoints.map((e) => ({ ...e, url: e.url.replace('8787', '9100') }));
    FakeEventSource.emit('listener.changed', listening(9100));
    await settle();
    expect(engine.made('GET', '/endpoints').length).toBe(before + 1);
    expect(r.byTest('listener-url')?.textContent).toBe('http://127.0.0.1:9100');
    expect(r.byTest('endpoint-url')?.textContent).toBe('http://127.0.0.1:9100/');
  });

  it('shows an API error as a readable toast', async () => {
    const engine = new FakeEngine();
    engine.overrides.push((c) =>
      c.method === 'PUT' ? { status: 500, body: { error: { code: 'internal', message: 'the listener is stuck' } } } : undefined,
    );
    r = await renderApp(engine);
    click(r.byTest('listener-toggle'));
    await settle();
    const toast = document.querySelector('.toast.error');
    expect(toast?.textContent).toBe('the listener is stuck');
    expect(r.byTest('listener-status')?.dataset.state).toBe('listening');
  });
});

describe('failed listener banner', () => {
  const failed = () =>
    listening(8787, {
      state: 'failed',
      url: null,
      error: '127.0.0.1:8787 is already in use by another program',
      suggested_addr: '127.0.0.1:8789',
    });

  it('says the listener is not listening, why, and offers the free address', async () => {
    r = await renderApp(new FakeEngine({ listener: failed() }));
    const banner = r.byTest('listener-failed');
    expect(banner?.getAttribute('role')).toBe('alert');
    expect(banner?.textContent).toContain('The capture listener is not listening');
    expect(r.byTest('listener-error')?.textContent).toBe('127.0.0.1:8787 is already in use by another program.');
    expect(r.byTest('listener-use-suggested')?.textContent).toBe('Use 127.0.0.1:8789');
    expect(r.byTest('listener-status')?.dataset.state).toBe('failed');
    expect(r.byTest('listener-toggle')).toBeNull();
  });

  it('"Use …" moves the listener there and keeps it in the preferences', async () => {
    const platform = new FakePlatform(true);
    const engine = new FakeEngine({ listener: failed() });
    r = await renderApp(engine, platform);
    click(r.byTest('listener-use-suggested'));
    await settle();
    expect(engine.made('PUT', '/listener').map((c) => c.body)).toEqual([{ addr: '127.0.0.1:8789' }]);
    expect(platform.updates).toContainEqual({ capture_addr: '127.0.0.1:8789' });
    expect(r.byTest('listener-failed')).toBeNull();
    expect(r.byTest('listener-status')?.dataset.state).toBe('listening');
    expect(r.byTest('listener-url')?.textContent).toBe('http://127.0.0.1:8789');
    // The endpoints were fetched again: their URLs have the new port.
    expect(r.byTest('endpoint-url')?.textContent).toBe('http://127.0.0.1:8789/');
  });

  it('without a suggestion, only offers the settings', async () => {
    r = await renderApp(new FakeEngine({ listener: { ...failed(), suggested_addr: null, error: null } }));
    expect(r.byTest('listener-use-suggested')).toBeNull();
    expect(r.byTest('listener-error')?.textContent).toBe('127.0.0.1:8787 could not be used.');
    click(r.byTest('listener-choose'));
    expect(r.byTest('settings-dialog')).not.toBeNull();
    expect(r.byTest('settings-current-addr')?.textContent).toBe('127.0.0.1:8787, not listening');
    // Saving the same address is a retry (the other program may be gone).
    click(r.byTest('settings-save'));
    await settle();
    expect(r.engine.made('PUT', '/listener').map((c) => c.body)).toEqual([{ addr: '127.0.0.1:8787' }]);
    expect(r.byTest('listener-failed')).toBeNull();
    expect(r.byTest('settings-dialog')).toBeNull();
  });
});
