// Export (issue 5): the capture list (the selected endpoint and its search) or
// the History as HAR, NDJSON or JSON, secrets and chosen body paths masked on
// request; and HAR import into an endpoint.

import { ApiError, type ApiClient } from '../api/client';
import type { ExportQuery, Format, ImportResult } from '../api/types';

export const FORMATS: { id: Format; label: string; hint: string }[] = [
  { id: 'har', label: 'HAR', hint: 'HTTP Archive 1.2: browsers, Postman, Insomnia, and Import HAR here' },
  { id: 'ndjson', label: 'NDJSON', hint: 'one JSON object a line, for jq and scripts' },
  { id: 'json', label: 'JSON', hint: 'one JSON array' },
];

/** What an export covers. */
export interface ExportScope {
  what: 'captures' | 'sends';
  /** Names it for the user (“the 12 captures of “Stripe” matching …”). */
  label: string;
  /** The query without format and redaction. */
  query: ExportQuery;
}

/** `customer.email, password` → the paths (blank ones left out). */
export function redactPathsOf(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

/** The full query of an export. */
export function exportQueryOf(scope: ExportScope, format: Format, redact: boolean, paths: string): ExportQuery {
  const redactPaths = redactPathsOf(paths);
  return {
    ...scope.query,
    what: scope.what,
    format,
    ...(redact ? { redact: true } : {}),
    ...(redactPaths.length ? { redact_paths: redactPaths } : {}),
  };
}

/** The import's toast: how many captures, and the warnings. */
export function importSummary(r: ImportResult, endpointName: string): string {
  const n = r.capture_ids.length;
  const head = `Imported ${n} ${n === 1 ? 'request' : 'requests'} into “${endpointName}”`;
  if (!r.warnings.length) return head;
  const shown = r.warnings.slice(0, 3).join('; ');
  const more = r.warnings.length > 3 ? ` (and ${r.warnings.length - 3} more)` : '';
  return `${head}; ${r.warnings.length} left out: ${shown}${more}`;
}

function message(e: unknown): string {
  return e instanceof Error && e.message ? e.message : String(e);
}

/** The export dialog. */
export class ExportState {
  scope = $state.raw<ExportScope | null>(null);
  format = $state<Format>('har');
  redact = $state(true);
  /** Body paths to mask, comma-separated. */
  paths = $state('');
  busy = $state(false);
  error = $state<string | null>(null);

  constructor(private readonly api: ApiClient) {}

  get isOpen(): boolean {
    return this.scope !== null;
  }

  open(scope: ExportScope): void {
    this.scope = scope;
    this.error = null;
  }

  close(): void {
    this.scope = null;
    this.error = null;
  }

  get query(): ExportQuery | null {
    return this.scope ? exportQueryOf(this.scope, this.format, this.redact, this.paths) : null;
  }

  /** Fetches the file; null when it failed (the reason in `error`). */
  async fetch(): Promise<{ blob: Blob; filename: string; url: string } | null> {
    const q = this.query;
    if (!q || this.busy) return null;
    this.busy = true;
    this.error = null;
    try {
      const file = await this.api.exportFile(q);
      return { ...file, url: this.api.exportUrl(q) };
    } catch (e) {
      if (e instanceof ApiError && e.isUnauthorized) throw e;
      this.error = message(e);
      return null;
    } finally {
      this.busy = false;
    }
  }
}
