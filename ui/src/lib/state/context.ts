import { getContext, setContext } from 'svelte';
import type { AppState } from './app.svelte';

const KEY = Symbol('hookbench-app');

export function provideApp(app: AppState): void {
  setContext(KEY, app);
}

export function useApp(): AppState {
  const app = getContext<AppState | undefined>(KEY);
  if (!app) throw new Error('useApp() outside <App>');
  return app;
}

/** The app, when there is one (components that also work alone, e.g. in tests). */
export function maybeApp(): AppState | undefined {
  return getContext<AppState | undefined>(KEY);
}
