// Windowed rendering of a fixed-row-height list: only the rows in view (plus
// a little overscan) exist in the DOM.

export interface Window {
  /** First rendered index. */
  start: number;
  /** One past the last rendered index. */
  end: number;
  /** Pixel offset of row `start`. */
  offset: number;
  /** Height of the whole list. */
  total: number;
}

export function visibleWindow(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  count: number,
  overscan = 6,
): Window {
  const total = count * rowHeight;
  if (count === 0 || rowHeight <= 0) return { start: 0, end: 0, offset: 0, total };
  const top = Math.max(0, Math.min(scrollTop, Math.max(0, total - viewportHeight)));
  const first = Math.floor(top / rowHeight);
  const last = Math.ceil((top + Math.max(0, viewportHeight)) / rowHeight);
  const start = Math.max(0, first - overscan);
  const end = Math.min(count, last + overscan);
  return { start, end, offset: start * rowHeight, total };
}

/** The scrollTop that brings row `index` fully into view, moving as little as possible. */
export function scrollToReveal(index: number, scrollTop: number, viewportHeight: number, rowHeight: number): number {
  const top = index * rowHeight;
  const bottom = top + rowHeight;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewportHeight) return Math.max(0, bottom - viewportHeight);
  return scrollTop;
}

/**
 * When rows are inserted above the view, the scrollTop that keeps the same rows
 * under the reader's eyes. At the very top the list stays at the top (live tail).
 */
export function anchorScroll(scrollTop: number, insertedAbove: number, rowHeight: number): number {
  if (scrollTop <= 0 || insertedAbove <= 0) return scrollTop;
  return scrollTop + insertedAbove * rowHeight;
}

/** True when the rendered window reaches within `threshold` rows of the end. */
export function nearEnd(w: Window, count: number, threshold = 20): boolean {
  return count > 0 && w.end >= count - threshold;
}
