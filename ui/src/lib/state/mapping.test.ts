import { describe, expect, it } from 'vitest';
import { ApiClient } from '../api/client';
import { MappingState, toMapping, validateRules, type RuleDraft } from './mapping.svelte';
import { FakeEngine } from '../../test/fakeEngine';

const row = (key: number, target: string, source: string, transforms: RuleDraft['transforms'] = []): RuleDraft => ({
  key,
  target,
  source,
  transforms,
});

describe('mapping rules', () => {
  it('drop blank rows and trim what is sent', () => {
    expect(
      toMapping([row(1, ' contact.email ', 'customer.email ', [{ op: 'trim' }]), row(2, '', ''), row(3, 'x', 'y', [{ op: 'default', value: ' n/a ' }])]),
    ).toEqual({
      rules: [
        { target: 'contact.email', source: 'customer.email', transforms: [{ op: 'trim' }] },
        { target: 'x', source: 'y', transforms: [{ op: 'default', value: ' n/a ' }] },
      ],
    });
  });

  it('say what is missing or mapped twice', () => {
    expect(validateRules([row(1, 'a', 'b'), row(2, '', '')])).toBeNull();
    expect(validateRules([row(1, 'a', '')])).toBe('Rule 1 (a) has no source field');
    expect(validateRules([row(1, 'a', 'b'), row(2, '', 'c')])).toBe('Rule 2 has no target field');
    expect(validateRules([row(1, 'a', 'b'), row(2, 'a ', 'c')])).toBe('The target a is mapped twice');
  });
});

function engineWith(rules: unknown[] = []) {
  const engine = new FakeEngine();
  let stored = { rules };
  engine.overrides.push((call) => {
    const p = call.path.split('?')[0];
    if (p === '/endpoints/2/mapping-reference' && call.method === 'GET') {
      return { status: 200, body: { endpoint_id: 2, capture_id: 9, created_at: 1, fields: [] } };
    }
    if (p === '/endpoints/2/mapping' && call.method === 'GET') return { status: 200, body: stored };
    if (p === '/endpoints/2/mapping' && call.method === 'PUT') {
      stored = call.body as { rules: unknown[] };
      return { status: 200, body: stored };
    }
    if (p === '/endpoints/2/mapping/preview') {
      return { status: 200, body: { values: [{ target: 'first', source: 'name', value: 'Ada', error: null }] } };
    }
    if (p === '/endpoints/2/mapping/import') {
      const doc = call.body as { rules: unknown[] };
      stored = { rules: doc.rules };
      return { status: 204 };
    }
    return undefined;
  });
  return engine;
}

describe('MappingState', () => {
  it('loads, edits (rows, transforms, default values) and saves the rules', async () => {
    const engine = engineWith([{ target: 'contact.email', source: 'customer.email', transforms: [] }]);
    const m = new MappingState(new ApiClient('', engine.fetch));
    await m.load(2);
    expect(m.reference?.capture_id).toBe(9);
    expect(m.rows.map((r) => r.target)).toEqual(['contact.email']);
    expect(m.dirty).toBe(false);
    m.addRule('customer.name', 'contact.first_name');
    const key = m.rows[1].key;
    m.addTransform(key, 'trim');
    m.addTransform(key, 'first_name');
    m.addTransform(key, 'default');
    m.setDefaultValue(key, 2, 'Friend');
    m.removeTransform(key, 0);
    expect(m.dirty).toBe(true);
    await m.save();
    expect(engine.made('PUT', '/endpoints/2/mapping')[0].body).toEqual({
      rules: [
        { target: 'contact.email', source: 'customer.email', transforms: [] },
        { target: 'contact.first_name', source: 'customer.name', transforms: [{ op: 'first_name' }, { op: 'default', value: 'Friend' }] },
      ],
    });
    expect(m.dirty).toBe(false);
  });

  it('refuses to save an incomplete rule, and saves before a preview', async () => {
    const engine = engineWith();
    const m = new MappingState(new ApiClient('', engine.fetch));
    await m.load(2);
    m.addRule('', 'first');
    expect(m.invalid).toBe('Rule 1 (first) has no source field');
    await expect(m.save()).rejects.toThrow('no source field');
    expect(engine.made('PUT', '/endpoints/2/mapping')).toHaveLength(0);
    m.setField(m.rows[0].key, 'source', 'name');
    await m.runPreview(11);
    expect(engine.made('PUT', '/endpoints/2/mapping')).toHaveLength(1);
    expect(engine.made('GET', '/endpoints/2/mapping/preview')[0].path).toBe('/endpoints/2/mapping/preview?capture_id=11');
    expect(m.preview?.values[0].value).toBe('Ada');
    expect(m.previewFor).toBe(11);
  });

  it('imports an exported document and reloads; refuses what is not one', async () => {
    const engine = engineWith();
    const m = new MappingState(new ApiClient('', engine.fetch));
    await m.load(2);
    await expect(m.importText('not json')).rejects.toThrow('not JSON');
    await expect(m.importText('{"rules":[]}')).rejects.toThrow('not a Hookbench mapping');
    await m.importText(JSON.stringify({ hookbench_mapping: 1, reference: [], rules: [{ target: 't', source: 's', transforms: [] }] }));
    expect(m.rows.map((r) => r.target)).toEqual(['t']);
  });
});
