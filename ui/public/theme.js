// Applies the saved theme before the first paint (a classic, blocking script:
// the page's CSP allows scripts from 'self' only, so it cannot be inline).
// The key is THEME_KEY in src/lib/platform.ts; src/lib/theme.ts does the rest.
try {
  const theme = localStorage.getItem('hookbench.theme');
  if (theme === 'light' || theme === 'dark') document.documentElement.setAttribute('data-theme', theme);
} catch {
  // No storage: follow the system.
}
