// curl interop (issue 5): a capture, a logged request or the builder's
// request as a curl command (secrets masked unless revealed, what cannot be
// expressed listed as warnings), and a curl command into the builder.

import { ApiError, type ApiClient } from '../api/client';
import type { CurlExport, SendBody } from '../api/types';
import { byteToUtf16 } from '../template';

/** What is shown as curl. */
export type CurlSource =
  | { kind: 'capture'; id: number }
  | { kind: 'send'; id: number }
  /** The builder's request, as it would be sent (merge tags rendered). */
  | { kind: 'builder'; body: SendBody };

export function curlTitle(s: CurlSource): string {
  if (s.kind === 'capture') return `Capture #${s.id} as curl`;
  if (s.kind === 'send') return `Request #${s.id} as curl`;
  return "The builder's request as curl";
}

function message(e: unknown): string {
  return e instanceof Error && e.message ? e.message : String(e);
}

/** The "Copy as curl" dialog. */
export class CurlExportState {
  source = $state.raw<CurlSource | null>(null);
  /** Include the secrets (Authorization, API keys, cookies, signatures). */
  reveal = $state(false);
  /** A capture: send it here instead of its capture URL ('' keeps it). */
  url = $state('');
  result = $state.raw<CurlExport | null>(null);
  error = $state<string | null>(null);
  loading = $state(false);

  private seq = 0;

  constructor(private readonly api: ApiClient) {}

  get isOpen(): boolean {
    return this.source !== null;
  }

  /** Opens the dialog on `source`, secrets masked. */
  async open(source: CurlSource): Promise<void> {
    this.source = source;
    this.reveal = false;
    this.url = '';
    this.result = null;
    await this.fetch();
  }

  close(): void {
    this.seq++;
    this.source = null;
    this.result = null;
    this.error = null;
    this.loading = false;
  }

  async setReveal(reveal: boolean): Promise<void> {
    this.reveal = reveal;
    await this.fetch();
  }

  /** Asks the engine for the command again (after a change of reveal or URL). */
  async fetch(): Promise<void> {
    const s = this.source;
    if (!s) return;
    const seq = ++this.seq;
    this.loading = true;
    this.error = null;
    try {
      const res =
        s.kind === 'capture'
          ? await this.api.captureCurl(s.id, { url: this.url.trim() || undefined, redact: !this.reveal })
          : s.kind === 'send'
            ? await this.api.sendCurl(s.id, this.reveal)
            : await this.api.builtCurl(s.body, this.reveal);
      if (seq !== this.seq) return;
      this.result = res;
    } catch (e) {
      if (e instanceof ApiError && e.isUnauthorized) throw e;
      if (seq !== this.seq) return;
      this.result = null;
      this.error = message(e);
    } finally {
      if (seq === this.seq) this.loading = false;
    }
  }
}

/** Where a curl command could not be read: the message and the UTF-16 index in the command. */
export interface CurlParseError {
  message: string;
  /** UTF-16 index into the command (null when the engine gave no position). */
  index: number | null;
}

/** A `bad_command` error as a message and an index into `command`. */
export function curlParseError(command: string, e: unknown): CurlParseError {
  if (e instanceof ApiError && e.code === 'bad_command' && e.span) {
    return { message: e.message, index: byteToUtf16(command, e.span.position) };
  }
  return { message: message(e), index: null };
}

/** The command split around the bad position, for showing it marked. */
export function markAt(command: string, index: number): { before: string; at: string; after: string } {
  const i = Math.max(0, Math.min(index, command.length));
  // One whole character (a surrogate pair stays together), or a visible end marker.
  const cp = command.codePointAt(i);
  const len = cp === undefined ? 0 : cp > 0xffff ? 2 : 1;
  return { before: command.slice(0, i), at: command.slice(i, i + len), after: command.slice(i + len) };
}
