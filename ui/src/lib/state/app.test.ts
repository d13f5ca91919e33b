import { afterEach, describe, expect, it } from 'vitest';
import { BrowserPlatform, LAST_ENDPOINT_KEY, type Invoke, DesktopPlatform } from '../platform';
import { FakeEngine, FakePlatform, click, renderApp, settle, type Rendered } from '../../test/fakeEngine';
import { errorText } from './app.svelte';

let r: Rendered | null = null;
afterEach(() => {
  r?.destroy();
  r = null;
  document.body.innerHTML = '';
  document.documentElement.removeAttribute('data-theme');
  localStorage.clear();
});

function selectedId(): number | null {
  return r?.app.endpoints.selectedId ?? null;
}

describe('the last selected endpoint', () => {
  it('is shown first at start when it still exists (browser: localStorage)', async () => {
    localStorage.setItem(LAST_ENDPOINT_KEY, '3');
    r = await renderApp(new FakeEngine(), new BrowserPlatform(localStorage));
    expect(selectedId()).toBe(3);
    expect(r.engine.made('GET', '/captures').at(-1)?.path).toContain('endpoint=3');
  });

  it('falls back to the Default endpoint when it is gone', async () => {
    localStorage.setItem(LAST_ENDPOINT_KEY, '99');
    r = await renderApp(new FakeEngine(), new BrowserPlatform(localStorage));
    expect(selectedId()).toBe(1);
  });

  it("is saved when the user selects one (and not by the start's own choice)", async () => {
    const platform = new FakePlatform(false);
    r = await renderApp(new FakeEngine(), platform);
    expect(platform.updates).toEqual([]);
    click(document.querySelector<HTMLElement>('[data-endpoint-id="2"] .select'));
    await settle();
    expect(platform.updates).toEqual([{ last_endpoint_id: 2 }]);
    click(document.querySelector<HTMLElement>('[data-endpoint-id="2"] .select'));
    await settle();
    expect(platform.updates).toHaveLength(1); // the same again: nothing to save
  });

  it('on the desktop goes through get_preferences / update_preferences', async () => {
    const calls: { cmd: string; args?: Record<string, unknown> }[] = [];
    let prefs: Record<string, unknown> = { theme: 'dark', last_endpoint_id: 2, notifications: true };
    const invoke: Invoke = async (cmd, args) => {
      calls.push({ cmd, args });
      if (cmd === 'update_preferences') prefs = { ...prefs, ...(args?.patch as object) };
      return prefs;
    };
    r = await renderApp(new FakeEngine(), new DesktopPlatform(invoke, localStorage));
    expect(selectedId()).toBe(2);
    // Its theme is shown from the start.
    expect(document.documentElement.getAttribute('data-theme')).toBe('dark');
    click(document.querySelector<HTMLElement>('[data-endpoint-id="3"] .select'));
    await settle();
    expect(calls.map((c) => c.cmd)).toEqual(['get_preferences', 'update_preferences']);
    expect(calls[1].args).toEqual({ patch: { last_endpoint_id: 3 } });
  });

  it('a preference that cannot be read is said, and the app still starts', async () => {
    const invoke: Invoke = async () => Promise.reject('the preferences file is damaged');
    r = await renderApp(new FakeEngine(), new DesktopPlatform(invoke, null));
    expect(selectedId()).toBe(1);
    expect(document.querySelector('.toast.error')?.textContent).toBe(
      'Your preferences could not be read: the preferences file is damaged',
    );
  });
});

describe('errorText', () => {
  it('is never blank', () => {
    expect(errorText(new Error('boom'))).toBe('boom');
    expect(errorText('plain')).toBe('plain');
    expect(errorText(new Error(''))).toBe('Error with no message');
    expect(errorText(undefined)).toMatch(/no details/);
    expect(errorText('   ')).toMatch(/no details/);
  });
});
