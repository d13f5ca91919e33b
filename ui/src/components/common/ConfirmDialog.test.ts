import { flushSync, mount, unmount } from 'svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeEngine, click, press, renderApp, settle, type Rendered } from '../../test/fakeEngine';
import ConfirmDialog from './ConfirmDialog.svelte';

let component: ReturnType<typeof mount> | null = null;
let r: Rendered | null = null;

afterEach(() => {
  if (component) unmount(component);
  component = null;
  r?.destroy();
  r = null;
  document.body.innerHTML = '';
  vi.restoreAllMocks();
});

function render(danger = true) {
  const onconfirm = vi.fn();
  const oncancel = vi.fn();
  const target = document.createElement('div');
  document.body.appendChild(target);
  component = mount(ConfirmDialog, {
    target,
    props: { title: 'Delete “Stripe”?', text: 'This cannot be undone.', confirmLabel: 'Delete', danger, onconfirm, oncancel },
  });
  flushSync();
  const q = (id: string) => document.querySelector<HTMLElement>(`[data-testid="${id}"]`);
  return { onconfirm, oncancel, q };
}

describe('<ConfirmDialog>', () => {
  it('is a labelled modal alert dialog with the focus on Cancel', () => {
    const { q } = render();
    const d = q('confirm-dialog')!;
    expect(d.tagName).toBe('DIALOG');
    expect(d.getAttribute('role')).toBe('alertdialog');
    expect(d.getAttribute('aria-modal')).toBe('true');
    expect(document.getElementById(d.getAttribute('aria-labelledby')!)?.textContent).toBe('Delete “Stripe”?');
    expect(document.getElementById(d.getAttribute('aria-describedby')!)?.textContent).toBe('This cannot be undone.');
    expect(d.hasAttribute('open')).toBe(true);
    expect(document.activeElement).toBe(q('confirm-cancel'));
    expect(q('confirm-ok')?.textContent).toBe('Delete');
    expect(q('confirm-ok')?.classList.contains('destructive')).toBe(true);
  });

  it('confirm and cancel call back once each', () => {
    const { onconfirm, oncancel, q } = render();
    click(q('confirm-ok'));
    expect(onconfirm).toHaveBeenCalledTimes(1);
    expect(oncancel).not.toHaveBeenCalled();
    click(q('confirm-cancel'));
    expect(oncancel).toHaveBeenCalledTimes(1);
  });

  it('Esc cancels', () => {
    const { onconfirm, oncancel } = render();
    press('Escape');
    expect(oncancel).toHaveBeenCalledTimes(1);
    expect(onconfirm).not.toHaveBeenCalled();
  });

  it('a non-destructive question has a plain primary button', () => {
    const { q } = render(false);
    expect(q('confirm-ok')?.classList.contains('primary')).toBe(true);
  });
});

describe('confirmations in the app (never window.confirm)', () => {
  it('rotate asks first: Cancel keeps the URL, Rotate rotates', async () => {
    // Native confirm blocks WebDriver in the desktop window: it must never be asked.
    const native = vi.fn(() => true);
    vi.stubGlobal('confirm', native);
    r = await renderApp(new FakeEngine());
    // Select a rotatable endpoint.
    click(document.querySelector<HTMLElement>('[data-endpoint-id="2"] .select'));
    await settle();
    click(r.byTest('rotate-endpoint'));
    await settle();
    expect(r.byTest('confirm-dialog')).not.toBeNull();
    expect(r.byTest('confirm-dialog')?.textContent).toContain('Rotate the URL of “Stripe”?');
    click(r.byTest('confirm-cancel'));
    await settle();
    expect(r.byTest('confirm-dialog')).toBeNull();
    expect(r.engine.made('POST', '/endpoints/2/rotate')).toEqual([]);

    click(r.byTest('rotate-endpoint'));
    await settle();
    click(r.byTest('confirm-ok'));
    await settle();
    expect(r.engine.made('POST', '/endpoints/2/rotate')).toHaveLength(1);
    expect(r.byTest('endpoint-url')?.textContent).toBe('http://127.0.0.1:8787/h/rotated');
    expect(native).not.toHaveBeenCalled();
  });

  it('delete asks first; Esc means no', async () => {
    r = await renderApp(new FakeEngine());
    click(document.querySelector<HTMLElement>('[data-endpoint-id="3"] .select'));
    await settle();
    click(r.byTest('delete-endpoint'));
    await settle();
    expect(r.byTest('confirm-text')?.textContent).toMatch(/cannot be undone/);
    press('Escape');
    await settle();
    expect(r.byTest('confirm-dialog')).toBeNull();
    expect(r.engine.made('DELETE', '/endpoints/3')).toEqual([]);

    click(r.byTest('delete-endpoint'));
    await settle();
    click(r.byTest('confirm-ok'));
    await settle();
    expect(r.engine.made('DELETE', '/endpoints/3')).toHaveLength(1);
    expect(document.querySelector('[data-endpoint-id="3"]')).toBeNull();
  });

  it('list keys do nothing while a dialog is open', async () => {
    r = await renderApp(new FakeEngine());
    const app = r.app;
    const answer = app.confirm({ title: 'Sure?', text: 'Really.' });
    await settle();
    const move = vi.spyOn(app.captures, 'move');
    press('j');
    expect(move).not.toHaveBeenCalled();
    click(r.byTest('confirm-ok'));
    expect(await answer).toBe(true);
  });
});
