import { describe, expect, it } from 'vitest';
import { ApiClient, ApiError } from '../api/client';
import type { SendRequest } from '../api/types';
import { FakeEngine } from '../../test/fakeEngine';
import { CurlExportState, curlParseError, markAt } from './curl.svelte';
import { SendState, buildSendBody, draftFromSendRequest, emptyDraft, row } from './send.svelte';

describe('draftFromSendRequest', () => {
  it('fills the builder from an imported request, keeping the context and env', () => {
    const req: SendRequest = {
      method: 'put',
      url: 'https://x.test/a',
      query: [{ name: 'q', value: '1', enabled: true }],
      headers: [
        { name: 'A', value: 'b', enabled: true },
        { name: 'Off', value: 'x', enabled: false },
      ],
      body: '{"a":1}',
      body_type: 'raw',
      auth: { type: 'basic', username: 'user', password: 'pw' },
      options: { timeout_ms: 5000, follow_redirects: false, verify_tls: false },
    };
    const keep = { ...emptyDraft(), context: 'none' as const, env: [row('base', 'http://s')] };
    const d = draftFromSendRequest(req, keep);
    expect(d).toMatchObject({ method: 'PUT', url: 'https://x.test/a', bodyType: 'raw', body: '{"a":1}', bodyBase64: null, timeoutMs: 5000, followRedirects: false, verifyTls: false, proxy: '', context: 'none' });
    expect(d.headers.map((h) => [h.name, h.enabled])).toEqual([['A', true], ['Off', false]]);
    expect(d.auth).toMatchObject({ kind: 'basic', username: 'user', password: 'pw' });
    expect(d.env[0]?.name).toBe('base');
    // What it builds is what was imported.
    const body = buildSendBody(d, null, false);
    expect(body).toMatchObject({ method: 'PUT', url: 'https://x.test/a', body: '{"a":1}', body_type: 'raw', auth: req.auth, headers: req.headers!.map((h) => (h.enabled ? { name: h.name, value: h.value } : h)) });
  });

  it('a request without a body type: raw with a body, none without; files and bearer', () => {
    expect(draftFromSendRequest({ method: 'GET', url: 'http://a' }).bodyType).toBe('none');
    const d = draftFromSendRequest({
      method: 'POST',
      url: 'http://a',
      body_type: 'multipart',
      form: [{ name: 'f', value: 'v' }],
      files: [{ name: 'file', filename: 'a.txt', data_base64: 'aGk=' }],
      auth: { type: 'bearer', token: 't' },
    });
    expect(d.files[0]).toMatchObject({ name: 'file', filename: 'a.txt', size: 2, contentType: '' });
    expect(d.form[0]).toMatchObject({ name: 'f', value: 'v', enabled: true });
    expect(d.auth).toMatchObject({ kind: 'bearer', token: 't' });
  });
});

describe('curl import errors', () => {
  it('maps the byte position to the command and marks one character', () => {
    const cmd = 'curl "é unterminated';
    const e = new ApiError(400, 'bad_command', 'unterminated double quote', { position: 5, length: 1 });
    expect(curlParseError(cmd, e)).toEqual({ message: 'unterminated double quote', index: 5 });
    const after = new ApiError(400, 'bad_command', 'x', { position: 8, length: 1 });
    expect(curlParseError(cmd, after).index).toBe(7); // é is two bytes
    expect(curlParseError(cmd, new Error('boom'))).toEqual({ message: 'boom', index: null });
    expect(markAt('ab"cd', 2)).toEqual({ before: 'ab', at: '"', after: 'cd' });
    expect(markAt('ab', 9)).toEqual({ before: 'ab', at: '', after: '' });
    expect(markAt('a😀b', 1)).toEqual({ before: 'a', at: '😀', after: 'b' });
  });

  it('SendState.importCurl fills the draft, keeps the warnings, or says where it failed', async () => {
    const engine = new FakeEngine();
    engine.overrides.push((c) => {
      const cmd = (c.body as { command: string } | undefined)?.command ?? '';
      if (c.path !== '/import/curl') return undefined;
      if (cmd.includes('"')) return { status: 400, body: { error: { code: 'bad_command', message: 'unterminated double quote', position: 5, length: 1 } } };
      return { status: 200, body: { request: { method: 'DELETE', url: 'http://x/1', headers: [] }, warnings: ['--retry is not supported'] } };
    });
    const s = new SendState(new ApiClient('', engine.fetch));
    expect(await s.importCurl('curl "oops')).toEqual({ message: 'unterminated double quote', index: 5 });
    expect(s.draft.url).toBe('');
    expect(await s.importCurl('curl -X DELETE http://x/1 --retry 3')).toBeNull();
    expect(s.draft).toMatchObject({ method: 'DELETE', url: 'http://x/1', bodyType: 'none' });
    expect(s.importWarnings).toEqual(['--retry is not supported']);
  });
});

describe('CurlExportState', () => {
  it('asks for each source with the secrets masked, then revealed', async () => {
    const engine = new FakeEngine();
    engine.overrides.push((c) => (c.path.includes('curl') ? { status: 200, body: { command: `curl ${c.path}`, warnings: [] } } : undefined));
    const cu = new CurlExportState(new ApiClient('', engine.fetch));
    await cu.open({ kind: 'capture', id: 4 });
    expect(engine.calls.at(-1)?.path).toBe('/captures/4/curl?redact=true');
    cu.url = 'http://localhost:3000/x';
    await cu.setReveal(true);
    expect(engine.calls.at(-1)?.path).toBe('/captures/4/curl?url=http%3A%2F%2Flocalhost%3A3000%2Fx');
    await cu.open({ kind: 'send', id: 9 });
    expect(cu.reveal).toBe(false);
    expect(engine.calls.at(-1)?.path).toBe('/requests/9/curl');
    await cu.setReveal(true);
    expect(engine.calls.at(-1)?.path).toBe('/requests/9/curl?reveal=true');
    await cu.open({ kind: 'builder', body: { method: 'GET', url: 'http://a' } });
    expect(engine.calls.at(-1)).toMatchObject({ method: 'POST', path: '/requests/curl', body: { method: 'GET', url: 'http://a' } });
    expect(cu.result?.command).toBe('curl /requests/curl');
    cu.close();
    expect(cu.isOpen).toBe(false);
  });
});
