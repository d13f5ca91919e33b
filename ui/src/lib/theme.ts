import type { Theme } from './api/types';

/**
 * Shows `theme`: `data-theme="light"|"dark"` on <html> overrides the system's
 * colour scheme both ways; `system` removes the attribute (app.css then follows
 * `prefers-color-scheme`). The saved theme is applied before the first paint by
 * public/theme.js, from the copy the platform keeps in localStorage.
 */
export function applyTheme(theme: Theme, root: HTMLElement = document.documentElement): void {
  if (theme === 'light' || theme === 'dark') root.setAttribute('data-theme', theme);
  else root.removeAttribute('data-theme');
}

/** The theme <html> shows now. */
export function shownTheme(root: HTMLElement = document.documentElement): Theme {
  const t = root.getAttribute('data-theme');
  return t === 'light' || t === 'dark' ? t : 'system';
}
