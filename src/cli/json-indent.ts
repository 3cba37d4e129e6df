/**
 * Lays out compact JSON text as Go's json.MarshalIndent does (one item a line,
 * `": "` after keys, `{}`/`[]` when empty) without parsing it into JavaScript
 * values: numbers keep their text (`1.0`, `1e+309`, integers past 2^53), as in
 * OPA's output, where `JSON.parse` would round them or turn them to `null`.
 */
export function indentJSONText(compact: string, indent = '  '): string {
  let out = '';
  let depth = 0;
  const newline = (): string => '\n' + indent.repeat(depth);
  for (let i = 0; i < compact.length; i++) {
    const c = compact[i]!;
    if (c === '"') {
      // A string, escapes included, copied as it is.
      let j = i + 1;
      while (j < compact.length && compact[j] !== '"') j += compact[j] === '\\' ? 2 : 1;
      out += compact.slice(i, j + 1);
      i = j;
    } else if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      if (compact[i + 1] === close) {
        out += c + close;
        i++;
      } else {
        depth++;
        out += c + newline();
      }
    } else if (c === '}' || c === ']') {
      depth--;
      out += newline() + c;
    } else if (c === ',') out += ',' + newline();
    else if (c === ':') out += ': ';
    else if (c !== ' ' && c !== '\n' && c !== '\t' && c !== '\r') out += c;
  }
  return out;
}
