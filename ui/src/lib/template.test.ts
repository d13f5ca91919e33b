import { describe, expect, it } from 'vitest';
import golden from '../../../tests/golden/template_tokens.json';
import {
  applyCompletion,
  byteToUtf16,
  completionAt,
  marksOf,
  matchCandidates,
  moveSpans,
  nearest,
  segments,
  tokenize,
  utf16ToByte,
  utf8Length,
} from './template';

interface GoldenToken {
  kind: string;
  start: number;
  end: number;
  path?: string;
}

function found(template: string): GoldenToken[] {
  const t = tokenize(template);
  return [
    ...t.tags.map((g) => ({ kind: 'tag', start: g.start, end: g.end, path: g.path })),
    ...t.errors.map((e) => ({ kind: 'error', start: e.start, end: e.end })),
  ].sort((a, b) => a.start - b.start || a.end - b.end || a.kind.localeCompare(b.kind));
}

describe('the tokenizer agrees with the engine on the golden cases', () => {
  it('has the cases', () => expect(golden.cases.length).toBeGreaterThan(20));
  for (const c of golden.cases) {
    it(c.name, () => {
      const expected = [...(c.tokens as GoldenToken[])].sort(
        (a, b) => a.start - b.start || a.end - b.end || a.kind.localeCompare(b.kind),
      );
      expect(found(c.template)).toEqual(expected);
    });
  }
});

describe('tokenize', () => {
  it('reads the filters and the path position', () => {
    const t = tokenize('Hi {{ contact.first_name | default:"there" | upper }}!');
    expect(t.tags[0]).toMatchObject({ path: 'contact.first_name', pathStart: 6, filters: ['default:"there"', 'upper'] });
  });

  it('says what is wrong, with the nearest filter', () => {
    const t = tokenize('{{a | uper}}');
    expect(t.errors[0].message).toContain('unknown filter "uper"');
    expect(t.errors[0].suggestion).toBe('upper');
    expect(tokenize('x {{contact.email').errors[0].message).toBe('this merge tag is not closed with }}');
    expect(tokenize('{{a..b}}').errors[0].message).toBe('{{a..b}} is not a merge-tag path: empty key');
  });

  it('keeps escapes apart', () => {
    expect(tokenize('a \\{{b}} {{c}}').escapes).toEqual([{ start: 2, end: 5 }]);
  });
});

describe('UTF-8 byte offsets and UTF-16 indices', () => {
  const text = 'aé😀€b';
  // bytes: a=0, é=1..3, 😀=3..7, €=7..10, b=10..11; UTF-16: a=0, é=1, 😀=2..4, €=4, b=5
  it('map both ways', () => {
    expect(utf8Length(text)).toBe(11);
    const pairs: [number, number][] = [
      [0, 0],
      [1, 1],
      [3, 2],
      [7, 4],
      [10, 5],
      [11, 6],
    ];
    for (const [byte, index] of pairs) {
      expect(byteToUtf16(text, byte)).toBe(index);
      expect(utf16ToByte(text, index)).toBe(byte);
    }
  });

  it('an offset inside a character is that character', () => {
    expect(byteToUtf16(text, 2)).toBe(1);
    expect(byteToUtf16(text, 5)).toBe(2);
    expect(utf16ToByte(text, 3)).toBe(3); // between the surrogates of 😀
  });

  it('clamps out of range', () => {
    expect(byteToUtf16(text, 99)).toBe(text.length);
    expect(byteToUtf16(text, -1)).toBe(0);
    expect(utf16ToByte(text, 99)).toBe(11);
  });

  it('a lone surrogate counts as U+FFFD (3 bytes)', () => {
    expect(utf8Length('\ud83d')).toBe(3);
    expect(utf8Length('\ud83dx')).toBe(4);
  });
});

describe('marks and segments', () => {
  it('puts tags, errors and the engine warnings at UTF-16 positions', () => {
    const text = 'é {{contact.emial}} {{x';
    const marks = marksOf(text, [
      { start: 3, end: 20, message: 'did you mean {{contact.email}}?', severity: 'warning' },
      { start: 21, end: 24, message: 'not closed', severity: 'error' },
    ]);
    expect(marks).toContainEqual({ kind: 'tag', from: 2, to: 19 });
    expect(marks).toContainEqual({ kind: 'warning', from: 2, to: 19, message: 'did you mean {{contact.email}}?' });
    // The engine's copy of an error found here already is not added twice.
    expect(marks.filter((m) => m.kind === 'error')).toHaveLength(1);
    const segs = segments(text, marks);
    expect(segs.map((s) => s.text).join('')).toBe(text);
    const tag = segs.find((s) => s.text === '{{contact.emial}}');
    expect(tag).toMatchObject({ tag: true, issue: 'warning' });
    expect(segs.at(-1)).toMatchObject({ text: '{{x', issue: 'error', message: 'this merge tag is not closed with }}' });
  });
});

describe('completion', () => {
  it('finds the path being typed after {{', () => {
    expect(completionAt('Hi {{cont', 9)).toEqual({ kind: 'path', from: 5, to: 9, prefix: 'cont' });
    expect(completionAt('Hi {{ cont', 10)).toEqual({ kind: 'path', from: 6, to: 10, prefix: 'cont' });
    expect(completionAt('Hi {{', 5)).toEqual({ kind: 'path', from: 5, to: 5, prefix: '' });
    // The word under the caret is replaced whole.
    expect(completionAt('{{contact.em}}', 6)).toEqual({ kind: 'path', from: 2, to: 12, prefix: 'cont' });
  });

  it('and a filter after |', () => {
    expect(completionAt('{{a | up', 8)).toEqual({ kind: 'filter', from: 6, to: 8, prefix: 'up' });
  });

  it('not outside a tag, after an escape or a closed tag', () => {
    expect(completionAt('plain', 5)).toBeNull();
    expect(completionAt('\\{{x', 4)).toBeNull();
    expect(completionAt('{{x}} y', 7)).toBeNull();
    expect(completionAt('{{a|default:"x', 14)).toBeNull();
  });

  it('accepting closes the tag and puts the caret after it', () => {
    const ctx = completionAt('Hi {{cont', 9)!;
    expect(applyCompletion('Hi {{cont', ctx, 'contact.email')).toEqual({ text: 'Hi {{contact.email}}', caret: 20 });
    const open = completionAt('{{contact.em}} x', 6)!;
    expect(applyCompletion('{{contact.em}} x', open, 'contact.email')).toEqual({ text: '{{contact.email}} x', caret: 17 });
    const f = completionAt('{{a | up}}', 8)!;
    expect(applyCompletion('{{a | up}}', f, 'upper')).toEqual({ text: '{{a | upper}}', caret: 11 });
  });

  it('matches prefixes first, then path segments, then anywhere', () => {
    const all = ['contact.email', 'inboundWebhookRequest.email', 'env.base', 'contact.mail_opt'].map((value) => ({
      value,
      preview: '',
    }));
    expect(matchCandidates(all, 'EM').map((c) => c.value)).toEqual(['contact.email', 'inboundWebhookRequest.email']);
    expect(matchCandidates(all, 'mail').map((c) => c.value)).toEqual(['contact.mail_opt', 'contact.email', 'inboundWebhookRequest.email']);
    expect(matchCandidates(all, 'contact.').map((c) => c.value)).toEqual(['contact.email', 'contact.mail_opt']);
    expect(matchCandidates(all, '', 2)).toHaveLength(2);
  });

  it('nearest picks the closest close-enough word', () => {
    expect(nearest('uper', ['upper', 'lower'])).toBe('upper');
    expect(nearest('zzzzzz', ['upper', 'lower'])).toBeNull();
  });
});

describe('moveSpans', () => {
  const spans = [
    { from: 0, to: 3, m: 'a' },
    { from: 6, to: 9, m: 'b' },
  ];
  it('keeps spans before an edit and moves those after it', () => {
    expect(moveSpans(spans, 'abc---def', 'abc--XX-def')).toEqual([spans[0], { from: 8, to: 11, m: 'b' }]);
    expect(moveSpans(spans, 'abc---def', 'Zabc---def')).toEqual([
      { from: 1, to: 4, m: 'a' },
      { from: 7, to: 10, m: 'b' },
    ]);
  });
  it('drops a span the edit touches', () => {
    expect(moveSpans(spans, 'abc---def', 'abc---dXef')).toEqual([spans[0]]);
    expect(moveSpans(spans, 'abc---def', 'abc---def')).toBe(spans);
  });
});
