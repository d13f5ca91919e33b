import { describe, expect, it } from 'vitest';
import { anchorScroll, nearEnd, scrollToReveal, visibleWindow } from './windowing';

describe('visibleWindow', () => {
  it('renders only the rows in view plus overscan', () => {
    const w = visibleWindow(0, 520, 52, 100_000, 5);
    expect(w).toEqual({ start: 0, end: 15, offset: 0, total: 5_200_000 });
  });
  it('follows the scroll position', () => {
    const w = visibleWindow(52 * 1000 + 10, 520, 52, 100_000, 5);
    expect(w.start).toBe(995);
    expect(w.end).toBe(1016);
    expect(w.offset).toBe(995 * 52);
    expect(w.end - w.start).toBeLessThan(30);
  });
  it('clamps at the end and past it', () => {
    const w = visibleWindow(1e9, 520, 52, 100, 5);
    expect(w.end).toBe(100);
    expect(w.start).toBe(85);
  });
  it('is empty for an empty list', () => {
    expect(visibleWindow(0, 500, 52, 0)).toEqual({ start: 0, end: 0, offset: 0, total: 0 });
  });
  it('handles a list shorter than the viewport', () => {
    expect(visibleWindow(0, 800, 52, 3, 6)).toEqual({ start: 0, end: 3, offset: 0, total: 156 });
  });
});

describe('scrollToReveal', () => {
  it('does not move when the row is in view', () => {
    expect(scrollToReveal(5, 0, 520, 52)).toBe(0);
  });
  it('scrolls up to a row above', () => {
    expect(scrollToReveal(3, 520, 520, 52)).toBe(156);
  });
  it('scrolls down just enough for a row below', () => {
    expect(scrollToReveal(10, 0, 520, 52)).toBe(52);
  });
});

describe('anchorScroll', () => {
  it('keeps a live tail at the top', () => {
    expect(anchorScroll(0, 3, 52)).toBe(0);
  });
  it('shifts by the inserted rows when the reader scrolled down', () => {
    expect(anchorScroll(1040, 3, 52)).toBe(1040 + 156);
  });
  it('ignores nothing inserted or an unknown anchor', () => {
    expect(anchorScroll(500, 0, 52)).toBe(500);
    expect(anchorScroll(500, -1, 52)).toBe(500);
  });
});

describe('nearEnd', () => {
  it('asks for more when the window reaches the last rows', () => {
    expect(nearEnd({ start: 170, end: 190, offset: 0, total: 0 }, 200)).toBe(true);
    expect(nearEnd({ start: 0, end: 20, offset: 0, total: 0 }, 200)).toBe(false);
    expect(nearEnd({ start: 0, end: 0, offset: 0, total: 0 }, 0)).toBe(false);
  });
});
