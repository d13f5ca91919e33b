import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BrowserPlatform, DesktopPlatform, LAST_ENDPOINT_KEY, THEME_KEY, detectPlatform, type Invoke } from './platform';

beforeEach(() => localStorage.clear());
afterEach(() => localStorage.clear());

describe('BrowserPlatform', () => {
  it('starts from the defaults: system theme, no endpoint, no notifications', async () => {
    const p = new BrowserPlatform(localStorage);
    expect(p.isDesktop).toBe(false);
    expect(await p.getPreferences()).toMatchObject({
      theme: 'system',
      last_endpoint_id: null,
      capture_addr: null,
      max_body: null,
      notifications: false,
    });
  });

  it('keeps the theme and the last endpoint in localStorage', async () => {
    const p = new BrowserPlatform(localStorage);
    const after = await p.updatePreferences({ theme: 'dark', last_endpoint_id: 7 });
    expect(after.theme).toBe('dark');
    expect(after.last_endpoint_id).toBe(7);
    expect(localStorage.getItem(THEME_KEY)).toBe('dark');
    expect(localStorage.getItem(LAST_ENDPOINT_KEY)).toBe('7');
    // A new page (another instance) reads them back.
    expect(await new BrowserPlatform(localStorage).getPreferences()).toMatchObject({ theme: 'dark', last_endpoint_id: 7 });
    // System and null clear them.
    await p.updatePreferences({ theme: 'system', last_endpoint_id: null });
    expect(localStorage.getItem(THEME_KEY)).toBeNull();
    expect(localStorage.getItem(LAST_ENDPOINT_KEY)).toBeNull();
  });

  it('does not keep the capture address or the limit (the engine restarts with its flags)', async () => {
    const p = new BrowserPlatform(localStorage);
    const after = await p.updatePreferences({ capture_addr: '127.0.0.1:9000', max_body: 2048, notifications: true });
    expect(after).toMatchObject({ capture_addr: null, max_body: null, notifications: false });
    expect(localStorage.length).toBe(0);
  });

  it('ignores garbage in storage and refuses an unknown theme', async () => {
    localStorage.setItem(THEME_KEY, 'purple');
    localStorage.setItem(LAST_ENDPOINT_KEY, 'x');
    const p = new BrowserPlatform(localStorage);
    expect(await p.getPreferences()).toMatchObject({ theme: 'system', last_endpoint_id: null });
    await expect(p.updatePreferences({ theme: 'purple' as never })).rejects.toThrow(/not a theme/);
  });

  it('works without storage at all', async () => {
    const p = new BrowserPlatform(null);
    await expect(p.updatePreferences({ theme: 'dark' })).resolves.toMatchObject({ theme: 'system' });
  });

  it('copies with the web clipboard', async () => {
    const copy = vi.fn(async () => true);
    const p = new BrowserPlatform(localStorage, copy);
    expect(await p.copyText('http://x/h/abc')).toBe(true);
    expect(copy).toHaveBeenCalledWith('http://x/h/abc');
  });
});

/** A fake `__TAURI_INTERNALS__.invoke` over a preferences object. */
function fakeShell() {
  const calls: { cmd: string; args: Record<string, unknown> | undefined }[] = [];
  let prefs = {
    capture_addr: null,
    max_body: null,
    theme: 'light',
    notifications: true,
    last_endpoint_id: 4,
    window: null,
  } as Record<string, unknown>;
  const invoke: Invoke = async (cmd, args) => {
    calls.push({ cmd, args });
    if (cmd === 'get_preferences') return prefs;
    if (cmd === 'update_preferences') {
      const patch = (args as { patch: Record<string, unknown> }).patch;
      if (patch.capture_addr === 'nonsense') throw '“nonsense” is not an address: write host:port';
      prefs = { ...prefs, ...patch };
      return prefs;
    }
    if (cmd === 'copy_text') return null;
    throw `unknown command ${cmd}`;
  };
  return { invoke, calls };
}

describe('DesktopPlatform', () => {
  it('reads and updates the preferences through the shell', async () => {
    const { invoke, calls } = fakeShell();
    const p = new DesktopPlatform(invoke, localStorage);
    expect(p.isDesktop).toBe(true);
    expect(await p.getPreferences()).toMatchObject({ theme: 'light', last_endpoint_id: 4, notifications: true });
    const after = await p.updatePreferences({ capture_addr: '127.0.0.1:9000', max_body: 2048, theme: 'dark', notifications: false });
    expect(after).toMatchObject({ capture_addr: '127.0.0.1:9000', max_body: 2048, theme: 'dark', notifications: false });
    expect(calls).toEqual([
      { cmd: 'get_preferences', args: undefined },
      {
        cmd: 'update_preferences',
        args: { patch: { capture_addr: '127.0.0.1:9000', max_body: 2048, theme: 'dark', notifications: false } },
      },
    ]);
  });

  it("mirrors the theme to localStorage for the first paint", async () => {
    const { invoke } = fakeShell();
    const p = new DesktopPlatform(invoke, localStorage);
    await p.getPreferences();
    expect(localStorage.getItem(THEME_KEY)).toBe('light');
    await p.updatePreferences({ theme: 'system' });
    expect(localStorage.getItem(THEME_KEY)).toBeNull();
  });

  it("turns the shell's string rejection into an Error with its text", async () => {
    const { invoke } = fakeShell();
    const p = new DesktopPlatform(invoke, localStorage);
    const err = await p.updatePreferences({ capture_addr: 'nonsense' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe('“nonsense” is not an address: write host:port');
    const blank = new DesktopPlatform(async () => Promise.reject(''), null);
    await expect(blank.getPreferences()).rejects.toThrow('the desktop app refused get_preferences');
  });

  it('copies through the shell', async () => {
    const { invoke, calls } = fakeShell();
    const p = new DesktopPlatform(invoke, localStorage);
    expect(await p.copyText('secret url')).toBe(true);
    expect(calls).toEqual([{ cmd: 'copy_text', args: { text: 'secret url' } }]);
  });
});

describe('detectPlatform', () => {
  it('finds the desktop shell by __TAURI_INTERNALS__ and calls its invoke', async () => {
    const { invoke, calls } = fakeShell();
    const win = { __TAURI_INTERNALS__: { invoke } } as unknown as Window;
    const p = detectPlatform(win);
    expect(p.isDesktop).toBe(true);
    await p.copyText('a');
    expect(calls[0]).toEqual({ cmd: 'copy_text', args: { text: 'a' } });
  });

  it('is a browser otherwise', () => {
    expect(detectPlatform({} as Window).isDesktop).toBe(false);
    expect(detectPlatform(window).isDesktop).toBe(false);
  });
});
