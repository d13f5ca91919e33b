import { afterEach, describe, expect, it } from 'vitest';
import css from '../app.css?raw';
import prePaint from '../../public/theme.js?raw';
import { applyTheme, shownTheme } from './theme';
import { THEME_KEY } from './platform';

afterEach(() => {
  document.documentElement.removeAttribute('data-theme');
  localStorage.clear();
});

describe('theme', () => {
  it('sets data-theme for light and dark, removes it for system', () => {
    const root = document.documentElement;
    applyTheme('dark');
    expect(root.getAttribute('data-theme')).toBe('dark');
    expect(shownTheme()).toBe('dark');
    applyTheme('light');
    expect(root.getAttribute('data-theme')).toBe('light');
    applyTheme('system');
    expect(root.hasAttribute('data-theme')).toBe(false);
    expect(shownTheme()).toBe('system');
  });

  it('app.css: data-theme overrides the system scheme both ways, with one list of dark colours', () => {
    const block = (selector: string) => {
      const i = css.indexOf(`${selector} {`);
      expect(i, `${selector} in app.css`).toBeGreaterThanOrEqual(0);
      const body = css.slice(i + selector.length + 2, css.indexOf('}', i));
      return body
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l.startsWith('--'));
    };
    const forced = block(":root[data-theme='dark']");
    const system = block(":root:not([data-theme='light'])");
    expect(forced.length).toBeGreaterThan(20);
    expect(system).toEqual(forced);
    expect(css).toMatch(/@media \(prefers-color-scheme: dark\) \{\s*:root:not\(\[data-theme='light'\]\)/);
    expect(css).toMatch(/:root\[data-theme='light'\] \{\s*color-scheme: light;/);
  });

  it('public/theme.js applies the saved theme before the app starts', () => {
    const run = () => new Function(prePaint)();
    localStorage.setItem(THEME_KEY, 'dark');
    run();
    expect(document.documentElement.getAttribute('data-theme')).toBe('dark');
    document.documentElement.removeAttribute('data-theme');
    localStorage.setItem(THEME_KEY, 'nonsense');
    run();
    expect(document.documentElement.hasAttribute('data-theme')).toBe(false);
  });
});
