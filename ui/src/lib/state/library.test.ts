import { describe, expect, it } from 'vitest';
import { ApiClient } from '../api/client';
import type { Environment, SendBody } from '../api/types';
import { FakeEngine } from '../../test/fakeEngine';
import {
  EnvironmentsState,
  LibraryState,
  MASK,
  StepsState,
  envFormError,
  envFormOf,
  envInputOf,
  inputOfEnvironment,
  savedRequestOf,
  stepNameError,
  suggestStepName,
  varRow,
} from './library.svelte';
import { SendState, buildSendBody, emptyDraft } from './send.svelte';

const staging: Environment = {
  id: 1,
  name: 'staging',
  variables: [
    { name: 'base', value: 'http://localhost:3000' },
    { name: 'token', value: MASK, secret: true },
  ],
  active: true,
  updated_at: 1,
};
const prod: Environment = { id: 2, name: 'prod', variables: [], active: false, updated_at: 1 };

describe('environment form', () => {
  it('writes an untouched secret back as the mask, so the engine keeps its value', () => {
    const f = envFormOf(staging);
    expect(envFormError(f, [staging, prod])).toBeNull();
    expect(envInputOf(f)).toEqual({
      name: 'staging',
      variables: [
        { name: 'base', value: 'http://localhost:3000' },
        { name: 'token', value: MASK, secret: true },
      ],
    });
    f.vars[1]!.value = 'new-secret';
    expect(envInputOf(f, true).variables?.[1]).toEqual({ name: 'token', value: 'new-secret', secret: true });
    expect(envInputOf(f, true).active).toBe(true);
    expect(inputOfEnvironment(staging, false)).toEqual({ name: 'staging', variables: staging.variables, active: false });
  });

  it('refuses what the engine would, and a masked secret renamed or made plain', () => {
    const f = envFormOf(staging);
    f.name = ' ';
    expect(envFormError(f)).toMatch(/name/);
    f.name = 'prod';
    expect(envFormError(f, [staging, prod])).toMatch(/exists already/);
    f.name = 'staging';
    f.vars.push(varRow('bad name', 'x'));
    expect(envFormError(f)).toMatch(/letters, digits/);
    f.vars.pop();
    f.vars.push(varRow('base', 'again'));
    expect(envFormError(f)).toMatch(/twice/);
    f.vars.pop();
    f.vars[1]!.name = 'api_token';
    expect(envFormError(f)).toMatch(/Type the value of “api_token” again/);
    f.vars[1]!.name = 'token';
    f.vars[1]!.secret = false;
    expect(envFormError(f)).toMatch(/again/);
    f.vars[1]!.value = 'typed';
    expect(envFormError(f)).toBeNull();
    // Empty rows are left out.
    f.vars.push(varRow());
    expect(envInputOf(f).variables).toHaveLength(2);
  });
});

describe('EnvironmentsState', () => {
  it('loads, switches the active one (none too) and saves the editor', async () => {
    let items = [staging, prod];
    const engine = new FakeEngine();
    engine.overrides.push((c) => {
      if (c.method === 'GET' && c.path === '/environments') return { status: 200, body: { items } };
      const put = /^\/environments\/(\d+)$/.exec(c.path);
      if (c.method === 'PUT' && put) {
        const body = c.body as { name: string; variables: Environment['variables']; active?: boolean };
        const id = Number(put[1]);
        const env = { ...items.find((e) => e.id === id)!, name: body.name, variables: body.variables, active: body.active ?? items.find((e) => e.id === id)!.active };
        items = items.map((e) => (e.id === id ? env : body.active ? { ...e, active: false } : e));
        return { status: 200, body: env };
      }
      if (c.method === 'POST' && c.path === '/environments') {
        const body = c.body as { name: string; variables: Environment['variables'] };
        return { status: 201, body: { id: 3, name: body.name, variables: body.variables, active: false, updated_at: 2 } };
      }
      return undefined;
    });
    const envs = new EnvironmentsState(new ApiClient('', engine.fetch));
    await envs.load();
    expect(envs.active?.name).toBe('staging');
    const v0 = envs.version;
    await envs.setActive(2);
    expect(engine.made('PUT', '/environments/2')[0]?.body).toMatchObject({ name: 'prod', active: true });
    expect(envs.active?.name).toBe('prod');
    expect(envs.items.find((e) => e.id === 1)?.active).toBe(false);
    expect(envs.version).toBeGreaterThan(v0);
    await envs.setActive(null);
    expect(engine.made('PUT', '/environments/2')[1]?.body).toMatchObject({ active: false });
    expect(envs.active).toBeNull();

    envs.openEditor(null);
    expect(await envs.save()).toBeNull();
    expect(envs.formError).toMatch(/name/);
    envs.form.name = 'local';
    envs.form.vars[0]!.name = 'base';
    envs.form.vars[0]!.value = 'http://127.0.0.1:9';
    const made = await envs.save();
    expect(made?.id).toBe(3);
    expect(engine.made('POST', '/environments')[0]?.body).toEqual({ name: 'local', variables: [{ name: 'base', value: 'http://127.0.0.1:9' }] });
    expect(envs.form.id).toBe(3);
    expect(envs.items.map((e) => e.name)).toEqual(['staging', 'prod', 'local']);
  });
});

describe('steps', () => {
  it('checks names and suggests one from the URL', () => {
    expect(stepNameError('login')).toBeNull();
    expect(stepNameError('a-b_1')).toBeNull();
    expect(stepNameError('')).toMatch(/name/);
    expect(stepNameError('a b')).toMatch(/letters/);
    expect(stepNameError('a.b')).toMatch(/letters/);
    expect(suggestStepName({ request: { url: 'https://api.example.com/v1/oauth/token?x=1' } } as never)).toBe('token');
    expect(suggestStepName({ request: { url: 'https://api.example.com/' } } as never)).toBe('step1');
    expect(suggestStepName(null)).toBe('step1');
  });

  it('saves the dialog step (a bad name is not sent) and deletes', async () => {
    const engine = new FakeEngine();
    engine.overrides.push((c) => {
      if (c.method === 'POST' && c.path === '/requests/7/step')
        return { status: 200, body: { name: (c.body as { name: string }).name, send_id: 7, saved_at: 1, response: { status: 201 } } };
      if (c.method === 'DELETE' && c.path === '/steps/login') return { status: 204 };
      return undefined;
    });
    const steps = new StepsState(new ApiClient('', engine.fetch));
    steps.open(7, 'bad name');
    expect(await steps.save()).toBeNull();
    expect(steps.formError).toMatch(/letters/);
    expect(engine.made('POST', '/requests/7/step')).toHaveLength(0);
    steps.name = 'login';
    expect((await steps.save())?.name).toBe('login');
    expect(steps.savingFor).toBeNull();
    expect(steps.items.map((s) => s.name)).toEqual(['login']);
    await steps.remove('login');
    expect(steps.items).toEqual([]);
  });
});

describe('saved requests and presets', () => {
  const body: SendBody = { ...buildSendBody(emptyDraft(), 5, true, 'staging'), url: 'http://x/y', env: { a: 1 } };

  it('keeps the request without its context', () => {
    const req = savedRequestOf(body);
    expect(req).not.toHaveProperty('capture_id');
    expect(req).not.toHaveProperty('environment');
    expect(req).not.toHaveProperty('env');
    expect(req).not.toHaveProperty('dry_run');
    expect(req).toMatchObject({ method: 'POST', url: 'http://x/y', body_type: 'json' });
  });

  it('Save as… creates (or replaces one of the same name), Save overwrites the current one, open returns the request', async () => {
    const engine = new FakeEngine();
    let next = 10;
    engine.overrides.push((c) => {
      const b = c.body as { name: string; request: unknown };
      if (c.method === 'GET' && c.path === '/saved-requests') return { status: 200, body: { items: [] } };
      if (c.method === 'GET' && c.path === '/presets')
        return { status: 200, body: { items: [{ id: 'p', name: 'P', description: 'd', request: { method: 'GET', url: 'http://p/' } }] } };
      if (c.method === 'POST' && c.path === '/saved-requests') return { status: 201, body: { id: next++, name: b.name, request: b.request, updated_at: 1 } };
      const put = /^\/saved-requests\/(\d+)$/.exec(c.path);
      if (c.method === 'PUT' && put) return { status: 200, body: { id: Number(put[1]), name: b.name, request: b.request, updated_at: 2 } };
      return undefined;
    });
    const lib = new LibraryState(new ApiClient('', engine.fetch));
    await lib.ensure();
    expect(lib.presets.map((p) => p.id)).toEqual(['p']);
    expect(await lib.save(body)).toBeNull();
    lib.openSaveAs('');
    expect(await lib.saveAs(body)).toBeNull();
    expect(lib.formError).toMatch(/name/);
    lib.saveAsName = 'Create contact';
    const s = await lib.saveAs(body);
    expect(s?.id).toBe(10);
    expect(lib.saveAsOpen).toBe(false);
    expect(lib.current?.name).toBe('Create contact');
    expect(engine.made('POST', '/saved-requests')[0]?.body).toEqual({ name: 'Create contact', request: savedRequestOf(body) });
    await lib.save({ ...body, url: 'http://x/z' });
    expect((engine.made('PUT', '/saved-requests/10')[0]?.body as { request: { url: string } }).request.url).toBe('http://x/z');
    lib.openSaveAs('Create contact');
    await lib.saveAs(body);
    expect(engine.made('POST', '/saved-requests')).toHaveLength(1);
    expect(engine.made('PUT', '/saved-requests/10')).toHaveLength(2);
    lib.currentId = null;
    expect(lib.open(10)?.url).toBe('http://x/y');
    expect(lib.currentId).toBe(10);
  });
});

describe('SendState with an environment', () => {
  it('names the environment in sends, lint and merge tags; load() fills the builder and keeps the context', async () => {
    const engine = new FakeEngine();
    engine.overrides.push((c) => {
      if (c.method === 'POST' && c.path === '/merge-tags') return { status: 200, body: { tags: [{ tag: 'env.base', preview: 'x' }], truncated: false } };
      if (c.method === 'POST' && c.path === '/requests/send') return { status: 200, body: { id: 1 } };
      return undefined;
    });
    let env: string | null = 'staging';
    const send = new SendState(new ApiClient('', engine.fetch), () => null, () => env);
    await send.loadTags();
    expect(engine.made('POST', '/merge-tags')[0]?.body).toEqual({ environment: 'staging' });
    env = null;
    await send.loadTags();
    expect(engine.made('POST', '/merge-tags')[1]?.body).toEqual({});
    env = 'prod';
    send.draft.url = 'http://x/';
    await send.run('send');
    expect(engine.made('POST', '/requests/send')[0]?.body).toMatchObject({ url: 'http://x/', environment: 'prod' });
    send.draft.context = 'none';
    send.load({ method: 'put', url: '{{env.base}}/a', headers: [{ name: 'A', value: 'b' }], body: '{}', body_type: 'json' });
    expect(send.draft).toMatchObject({ method: 'PUT', url: '{{env.base}}/a', bodyType: 'json', context: 'none' });
    expect(send.draft.headers.map((h) => h.name)).toEqual(['A']);
  });
});
