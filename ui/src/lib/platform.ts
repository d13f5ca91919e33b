// What differs between the desktop window and a browser tab, behind one small
// interface: preferences, the clipboard, and which of the two this is. The UI
// talks to the engine over HTTP in both; only these few things go through the
// desktop shell (Tauri IPC) when there is one. Components never ask which shell
// they run in: they call `platform()`, or `app.platform`.

import { copyToClipboard } from './clipboard';
import type { Preferences, PreferencesPatch, Theme } from './api/types';

export interface Platform {
  /** True in the desktop app's window. */
  readonly isDesktop: boolean;
  getPreferences(): Promise<Preferences>;
  /** Checks and saves `patch`; returns all preferences. Rejects with a readable Error. */
  updatePreferences(patch: PreferencesPatch): Promise<Preferences>;
  /** Copies `text`; false when nothing was copied. */
  copyText(text: string): Promise<boolean>;
  /**
   * Saves a file the engine made (an export): `file` is what was fetched,
   * `url` the engine's link to the same file. Says where it went.
   */
  saveFile(file: { blob: Blob; filename: string }, url: string): Promise<string>;
}

/** Clicks a temporary `<a download>` (the page's own way of saving a file). */
function clickDownload(href: string, filename: string): void {
  const a = document.createElement('a');
  a.href = href;
  a.download = filename;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
}

export const DEFAULT_PREFERENCES: Preferences = {
  capture_addr: null,
  max_body: null,
  theme: 'system',
  notifications: true,
  last_endpoint_id: null,
  window: null,
};

/** localStorage keys. The theme key is also read before first paint (public/theme.js). */
export const THEME_KEY = 'hookbench.theme';
export const LAST_ENDPOINT_KEY = 'hookbench.lastEndpoint';

export function isTheme(v: unknown): v is Theme {
  return v === 'system' || v === 'light' || v === 'dark';
}

/** Storage that may be missing or refuse (private modes, quotas): never throws. */
function read(storage: Storage | null, key: string): string | null {
  try {
    return storage?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

function write(storage: Storage | null, key: string, value: string | null): void {
  try {
    if (value === null) storage?.removeItem(key);
    else storage?.setItem(key, value);
  } catch {
    // Not kept: the next start uses the default.
  }
}

function browserStorage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

/**
 * A browser tab (`hookbench serve`): the theme and the last endpoint live in
 * localStorage. The capture address and body limit are the engine's (its
 * flags); a change through the API lasts until it restarts, so they are not
 * kept here. No desktop notifications.
 */
export class BrowserPlatform implements Platform {
  readonly isDesktop = false;

  constructor(
    private readonly storage: Storage | null = browserStorage(),
    private readonly copy: (text: string) => Promise<boolean> = copyToClipboard,
  ) {}

  async getPreferences(): Promise<Preferences> {
    const theme = read(this.storage, THEME_KEY);
    const last = Number(read(this.storage, LAST_ENDPOINT_KEY));
    return {
      ...DEFAULT_PREFERENCES,
      notifications: false,
      theme: isTheme(theme) ? theme : 'system',
      last_endpoint_id: Number.isSafeInteger(last) && last > 0 ? last : null,
    };
  }

  async updatePreferences(patch: PreferencesPatch): Promise<Preferences> {
    if (patch.theme !== undefined) {
      if (!isTheme(patch.theme)) throw new Error(`“${patch.theme}” is not a theme (system, light or dark)`);
      write(this.storage, THEME_KEY, patch.theme === 'system' ? null : patch.theme);
    }
    if (patch.last_endpoint_id !== undefined) {
      write(this.storage, LAST_ENDPOINT_KEY, patch.last_endpoint_id === null ? null : String(patch.last_endpoint_id));
    }
    return this.getPreferences();
  }

  copyText(text: string): Promise<boolean> {
    return this.copy(text);
  }

  /** The fetched Blob through `<a download>`: the browser saves it (its downloads folder, or asks). */
  async saveFile(file: { blob: Blob; filename: string }): Promise<string> {
    const href = URL.createObjectURL(file.blob);
    try {
      clickDownload(href, file.filename);
    } finally {
      // The download has its own reference by now; give it a moment anyway.
      setTimeout(() => URL.revokeObjectURL(href), 10_000);
    }
    return `Downloaded ${file.filename}`;
  }
}

export type Invoke = (cmd: string, args?: Record<string, unknown>) => Promise<unknown>;

interface TauriInternals {
  invoke: Invoke;
}

declare global {
  interface Window {
    __TAURI_INTERNALS__?: TauriInternals;
  }
}

/** Tauri commands reject with a plain string; make it an Error with that text. */
function commandError(cmd: string, e: unknown): Error {
  if (e instanceof Error) return e;
  const text = typeof e === 'string' ? e : (e as { message?: unknown } | null)?.message;
  return new Error(typeof text === 'string' && text ? text : `the desktop app refused ${cmd}`);
}

/**
 * The desktop window: preferences are the shell's (its preferences store), the
 * clipboard is the system's through the shell. The theme is also mirrored to
 * localStorage so public/theme.js can apply it before the first paint.
 */
export class DesktopPlatform implements Platform {
  readonly isDesktop = true;

  constructor(
    private readonly invoke: Invoke,
    private readonly storage: Storage | null = browserStorage(),
  ) {}

  private async call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
    try {
      return (await this.invoke(cmd, args)) as T;
    } catch (e) {
      throw commandError(cmd, e);
    }
  }

  private mirror(p: Preferences): Preferences {
    write(this.storage, THEME_KEY, p.theme === 'system' ? null : p.theme);
    return p;
  }

  async getPreferences(): Promise<Preferences> {
    return this.mirror({ ...DEFAULT_PREFERENCES, ...(await this.call<Partial<Preferences>>('get_preferences')) });
  }

  async updatePreferences(patch: PreferencesPatch): Promise<Preferences> {
    const p = await this.call<Partial<Preferences>>('update_preferences', { patch });
    return this.mirror({ ...DEFAULT_PREFERENCES, ...p });
  }

  async copyText(text: string): Promise<boolean> {
    try {
      await this.call('copy_text', { text });
      return true;
    } catch {
      // The shell could not reach the clipboard: try the web's way.
      return copyToClipboard(text);
    }
  }

  /**
   * The shell saves downloads of the engine's own URLs to the Downloads folder
   * (and notifies when done); it has no save dialog. So the engine's link is
   * followed rather than the fetched Blob.
   */
  async saveFile(file: { blob: Blob; filename: string }, url: string): Promise<string> {
    clickDownload(url, file.filename);
    return `Saving ${file.filename} to your Downloads folder`;
  }
}

/** The platform of this page: the desktop shell when its IPC is there, else a browser. */
export function detectPlatform(win: Window | undefined = globalThis.window): Platform {
  const internals = win && '__TAURI_INTERNALS__' in win ? win.__TAURI_INTERNALS__ : undefined;
  if (internals && typeof internals.invoke === 'function') {
    return new DesktopPlatform((cmd, args) => internals.invoke(cmd, args));
  }
  return new BrowserPlatform();
}

let current: Platform | null = null;

/** The page's platform, detected once. */
export function platform(): Platform {
  current ??= detectPlatform();
  return current;
}

/** Replaces the page's platform (tests). */
export function setPlatform(p: Platform | null): void {
  current = p;
}
