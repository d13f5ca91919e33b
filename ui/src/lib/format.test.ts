import { describe, expect, it } from 'vitest';
import type { Endpoint, Info } from './api/types';
import {
  dialectLabel,
  formatInterval,
  captureFullUrl,
  curlExample,
  displayPath,
  endpointCaptureUrl,
  formatBytes,
  formatRelative,
  methodClass,
  shellQuote,
  shortContentType,
  statusClass,
} from './format';

describe('formatBytes', () => {
  it('keeps bytes exact below 1 KiB', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1)).toBe('1 B');
    expect(formatBytes(1023)).toBe('1023 B');
  });
  it('uses binary units with one decimal below 10', () => {
    expect(formatBytes(1024)).toBe('1 KiB');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(20 * 1024)).toBe('20 KiB');
    expect(formatBytes(25 * 1024 * 1024)).toBe('25 MiB');
    expect(formatBytes(3.25 * 1024 ** 3)).toBe('3.3 GiB');
  });
  it('refuses nonsense', () => {
    expect(formatBytes(-1)).toBe('—');
    expect(formatBytes(Number.NaN)).toBe('—');
  });
});

describe('formatRelative', () => {
  const now = Date.UTC(2026, 10, 23, 12, 0, 0);
  it('says just now for the last few seconds (and for clock skew)', () => {
    expect(formatRelative(now, now)).toBe('just now');
    expect(formatRelative(now - 4_000, now)).toBe('just now');
    expect(formatRelative(now + 3_000, now)).toBe('just now');
  });
  it('counts seconds, minutes, hours and days', () => {
    expect(formatRelative(now - 12_000, now)).toBe('12s ago');
    expect(formatRelative(now - 5 * 60_000, now)).toBe('5m ago');
    expect(formatRelative(now - 3 * 3_600_000, now)).toBe('3h ago');
    expect(formatRelative(now - 2 * 86_400_000, now)).toBe('2d ago');
  });
  it('gives the date after a week', () => {
    expect(formatRelative(Date.UTC(2026, 0, 2, 10), now)).toBe('2026-01-02');
  });
});

describe('small helpers', () => {
  it('shortContentType drops parameters', () => {
    expect(shortContentType('Application/JSON; charset=utf-8')).toBe('application/json');
    expect(shortContentType(null)).toBe('');
  });
  it('methodClass and statusClass', () => {
    expect(methodClass('post')).toBe('post');
    expect(methodClass('PROPFIND')).toBe('other');
    expect(statusClass(200)).toBe('s2');
    expect(statusClass(302)).toBe('s3');
    expect(statusClass(404)).toBe('s4');
    expect(statusClass(503)).toBe('s5');
  });
  it('displayPath leaves out the endpoint prefix only', () => {
    expect(displayPath('/h/abc123/orders/7')).toBe('/orders/7');
    expect(displayPath('/h/abc123')).toBe('/');
    expect(displayPath('/h/abc123/')).toBe('/');
    expect(displayPath('/webhook')).toBe('/webhook');
    expect(displayPath('/hooks/x')).toBe('/hooks/x');
  });
});

describe('URLs', () => {
  const info: Info = {
    version: '0.1.0',
    capture_url: 'http://127.0.0.1:8787',
    api_url: 'http://127.0.0.1:8788',
    data_dir: '/tmp/x',
    default_endpoint_id: 1,
    listener: {
      state: 'listening',
      addr: '127.0.0.1:8787',
      url: 'http://127.0.0.1:8787',
      error: null,
      suggested_addr: null,
      max_body: 26214400,
      paused: false,
    },
  };
  const ep = (over: Partial<Endpoint>): Endpoint => ({
    id: 2,
    name: 'x',
    slug: 'abc',
    url: 'http://127.0.0.1:8787/h/abc',
    is_default: false,
    forward: null,
    created_at: 0,
    updated_at: 0,
    capture_count: 0,
    last_capture_at: null,
    ...over,
  });
  it('the Default endpoint takes the root, others their /h/ URL', () => {
    expect(endpointCaptureUrl(ep({ is_default: true }), info)).toBe('http://127.0.0.1:8787/');
    expect(endpointCaptureUrl(ep({}), info)).toBe('http://127.0.0.1:8787/h/abc');
  });
  it('captureFullUrl joins base, path and query', () => {
    expect(captureFullUrl('http://h:1/', '/h/a/x', 'a=1&a=2')).toBe('http://h:1/h/a/x?a=1&a=2');
    expect(captureFullUrl('http://h:1', '/x', null)).toBe('http://h:1/x');
  });
  it('shellQuote quotes only what needs it, single quotes included', () => {
    expect(shellQuote('http://127.0.0.1:8787/h/abc')).toBe('http://127.0.0.1:8787/h/abc');
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
  });
  it('curlExample is a POST of JSON to the URL', () => {
    const cmd = curlExample('http://127.0.0.1:8787/h/abc?x=1&y=2');
    expect(cmd.startsWith("curl -X POST 'http://127.0.0.1:8787/h/abc?x=1&y=2' ")).toBe(true);
    expect(cmd).toContain("-H 'Content-Type: application/json'");
    const body = /-d '(.*)'$/.exec(cmd)?.[1];
    expect(JSON.parse(body ?? '')).toEqual({ event: 'hello', data: { id: 1, email: 'ada@example.com' } });
  });
});

describe('formatInterval', () => {
  it('says how long after the previous delivery, in human units', () => {
    expect(formatInterval(0)).toBe('at once');
    expect(formatInterval(850)).toBe('850 ms later');
    expect(formatInterval(12_400)).toBe('12 s later');
    expect(formatInterval(59_600)).toBe('1 min later');
    expect(formatInterval(10 * 60_000)).toBe('10 min later');
    expect(formatInterval(60 * 60_000)).toBe('1 h later');
    expect(formatInterval(125 * 60_000)).toBe('2 h 5 min later');
    expect(formatInterval(86_400_000)).toBe('1 day later');
    expect(formatInterval(3 * 86_400_000)).toBe('3 days later');
    expect(formatInterval(-5)).toBe('—');
  });

  it('names the HighLevel dialects', () => {
    expect(dialectLabel('highlevel-marketplace')).toBe('HighLevel marketplace');
    expect(dialectLabel('highlevel-workflow')).toBe('HighLevel workflow');
  });
});
