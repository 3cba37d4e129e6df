/**
 * Go works on UTF-8 and counts characters as runes (code points); JavaScript
 * strings are UTF-16. These helpers give rune counts and indexes.
 */

/** Number of code points (a lone surrogate counts as one, as Go counts an invalid byte). */
export function runeCount(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** The code points of `s`, each as a string. */
export function runes(s: string): string[] {
  return Array.from(s);
}

/** Whether `s` holds only BMP characters, so UTF-16 indexes are rune indexes. */
export function isBmp(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) return false;
  }
  return true;
}

/** The rune index of UTF-16 offset `unit` in `s`. */
export function runeIndex(s: string, unit: number): number {
  return runeCount(s.slice(0, unit));
}
