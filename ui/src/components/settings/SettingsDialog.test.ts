import { afterEach, describe, expect, it } from 'vitest';
import { BrowserPlatform, THEME_KEY, type Platform } from '../../lib/platform';
import { FakeEngine, FakePlatform, click, listening, press, renderApp, settle, type, type Rendered } from '../../test/fakeEngine';

let r: Rendered | null = null;
afterEach(() => {
  r?.destroy();
  r = null;
  document.body.innerHTML = '';
  document.documentElement.removeAttribute('data-theme');
  localStorage.clear();
});

const MIB = 1024 * 1024;

async function openSettings(engine = new FakeEngine(), platform: Platform = new FakePlatform()) {
  r = await renderApp(engine, platform);
  click(r.byTest('open-settings'));
  const dialog = r.byTest('settings-dialog');
  if (!dialog) throw new Error('no settings dialog');
  return r;
}

function save(x: Rendered) {
  click(x.byTest('settings-save'));
}

describe('settings dialog', () => {
  it('opens from the gear as a modal dialog showing what is in force', async () => {
    const x = await openSettings(new FakeEngine({ listener: listening(8787, { max_body: 25 * MIB }) }));
    const dialog = x.byTest('settings-dialog')!;
    expect(dialog.tagName).toBe('DIALOG');
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect(document.getElementById(dialog.getAttribute('aria-labelledby')!)?.textContent).toBe('Settings');
    expect(x.byTest('settings-current-addr')?.textContent).toBe('127.0.0.1:8787');
    expect((x.byTest('settings-host') as HTMLInputElement).value).toBe('127.0.0.1');
    expect((x.byTest('settings-port') as HTMLInputElement).value).toBe('8787');
    expect((x.byTest('settings-max-body') as HTMLInputElement).value).toBe('25');
    expect((x.byTest('settings-theme-system') as HTMLInputElement).checked).toBe(true);
    expect(document.activeElement).toBe(x.byTest('settings-host'));
  });

  it('Esc closes it without saving', async () => {
    const x = await openSettings();
    type(x.byTest('settings-port'), '9999');
    press('Escape');
    await settle();
    expect(x.byTest('settings-dialog')).toBeNull();
    expect(x.engine.made('PUT', '/listener')).toEqual([]);
  });

  it('moves the listener first, shows a refusal next to the address and stays open', async () => {
    const engine = new FakeEngine();
    engine.overrides.push((c) =>
      c.method === 'PUT' && (c.body as { addr?: string }).addr === '127.0.0.1:8788'
        ? {
            status: 409,
            body: {
              error: {
                code: 'address_unavailable',
                message: '127.0.0.1:8788 is already in use by another program (127.0.0.1:8789 is free)',
              },
            },
          }
        : undefined,
    );
    const platform = new FakePlatform(true);
    const x = await openSettings(engine, platform);
    type(x.byTest('settings-port'), '8788');
    save(x);
    await settle();
    expect(engine.made('PUT', '/listener').map((c) => c.body)).toEqual([{ addr: '127.0.0.1:8788' }]);
    const err = x.byTest('settings-addr-error');
    expect(err?.textContent).toBe('127.0.0.1:8788 is already in use by another program (127.0.0.1:8789 is free)');
    expect(x.byTest('settings-port')?.getAttribute('aria-invalid')).toBe('true');
    expect(x.byTest('settings-port')?.getAttribute('aria-describedby')).toBe(err?.id);
    expect(x.byTest('settings-dialog')).not.toBeNull();
    expect(platform.updates).toEqual([]); // nothing saved

    // Another port works: the listener moves, then everything is kept.
    type(x.byTest('settings-port'), '8789');
    save(x);
    await settle();
    expect(engine.made('PUT', '/listener').map((c) => c.body)[1]).toEqual({ addr: '127.0.0.1:8789' });
    expect(platform.updates).toEqual([
      { capture_addr: '127.0.0.1:8789', max_body: null, theme: 'system', notifications: true },
    ]);
    expect(x.byTest('settings-dialog')).toBeNull();
    expect(x.byTest('listener-url')?.textContent).toBe('http://127.0.0.1:8789');
    expect(x.byTest('endpoint-url')?.textContent).toBe('http://127.0.0.1:8789/');
  });

  it('changes the body limit in MiB; a refused limit is shown next to it', async () => {
    const engine = new FakeEngine();
    engine.overrides.push((c) =>
      c.method === 'PUT' && (c.body as { max_body?: number }).max_body === 2048 * MIB
        ? { status: 400, body: { error: { code: 'invalid_request', message: 'the body limit must be between 1 KiB and 1 GiB, not 2147483648 bytes' } } }
        : undefined,
    );
    const platform = new FakePlatform(true);
    const x = await openSettings(engine, platform);
    type(x.byTest('settings-max-body'), 'lots');
    save(x);
    await settle();
    expect(x.byTest('settings-max-body-error')?.textContent).toMatch(/in MiB/);
    expect(engine.made('PUT', '/listener')).toEqual([]);

    type(x.byTest('settings-max-body'), '2048');
    save(x);
    await settle();
    expect(x.byTest('settings-max-body-error')?.textContent).toMatch(/between 1 KiB and 1 GiB/);
    expect(x.byTest('settings-addr-error')).toBeNull();

    type(x.byTest('settings-max-body'), '0.5');
    save(x);
    await settle();
    expect(engine.made('PUT', '/listener').map((c) => c.body).at(-1)).toEqual({ max_body: MIB / 2 });
    expect(platform.updates.at(-1)).toMatchObject({ max_body: MIB / 2, capture_addr: null });
    expect(x.byTest('settings-dialog')).toBeNull();
  });

  it('saves without touching the listener when only the theme changed', async () => {
    const platform = new FakePlatform(true);
    const x = await openSettings(new FakeEngine(), platform);
    click(x.byTest('settings-theme-dark'));
    save(x);
    await settle();
    expect(x.engine.made('PUT', '/listener')).toEqual([]);
    expect(platform.updates).toEqual([{ capture_addr: null, max_body: null, theme: 'dark', notifications: true }]);
  });

  it('shows the theme at once, keeps it on Save and takes it back on Cancel', async () => {
    const root = document.documentElement;
    const x = await openSettings(new FakeEngine(), new BrowserPlatform(localStorage));
    click(x.byTest('settings-theme-dark'));
    expect(root.getAttribute('data-theme')).toBe('dark');
    click(x.byTest('settings-cancel'));
    await settle();
    expect(root.hasAttribute('data-theme')).toBe(false);
    expect(localStorage.getItem(THEME_KEY)).toBeNull();

    click(x.byTest('open-settings'));
    click(x.byTest('settings-theme-light'));
    expect(root.getAttribute('data-theme')).toBe('light');
    save(x);
    await settle();
    expect(x.byTest('settings-dialog')).toBeNull();
    expect(root.getAttribute('data-theme')).toBe('light');
    expect(localStorage.getItem(THEME_KEY)).toBe('light');
  });

  it('in a browser: no notifications option, and a note that a move lasts until restart', async () => {
    const x = await openSettings(new FakeEngine(), new FakePlatform(false));
    expect(x.byTest('settings-notifications')).toBeNull();
    expect(x.byTest('settings-addr-note')?.textContent).toMatch(/until hookbench serve restarts.*--capture-addr/s);
  });

  it('on the desktop: the notifications option, no restart note', async () => {
    const platform = new FakePlatform(true, { notifications: true });
    const x = await openSettings(new FakeEngine(), platform);
    expect(x.byTest('settings-addr-note')).toBeNull();
    const box = x.byTest('settings-notifications') as HTMLInputElement;
    expect(box.checked).toBe(true);
    click(box);
    save(x);
    await settle();
    expect(platform.updates.at(-1)).toMatchObject({ notifications: false });
  });

  it('says so when the preferences cannot be kept, and stays open', async () => {
    const platform = new FakePlatform(true);
    platform.failUpdate = 'the preferences file is read-only';
    const x = await openSettings(new FakeEngine(), platform);
    type(x.byTest('settings-port'), '9001');
    save(x);
    await settle();
    expect(x.byTest('settings-error')?.textContent).toBe(
      'The listener changed, but the settings could not be saved: the preferences file is read-only',
    );
    expect(x.byTest('settings-dialog')).not.toBeNull();
  });

  it('checks the port before asking the engine', async () => {
    const x = await openSettings();
    type(x.byTest('settings-port'), '70000');
    save(x);
    await settle();
    expect(x.byTest('settings-addr-error')?.textContent).toMatch(/0 to 65535/);
    expect(x.engine.made('PUT', '/listener')).toEqual([]);
  });
});
