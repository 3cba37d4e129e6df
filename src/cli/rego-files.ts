/**
 * The `.rego` files a command gets from its path arguments, as OPA's loader
 * walks them: a file as given, a directory recursively in lexical order;
 * `--ignore` patterns (Go `filepath.Match`) leave out files and directories
 * by name.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { globMatch } from '../rego/tester/glob.js';

export function regoFiles(path: string, ignore: readonly string[] = []): string[] {
  const st = statSync(path);
  if (!st.isDirectory()) return path.endsWith('.rego') ? [path] : [];
  const out: string[] = [];
  for (const name of readdirSync(path).sort()) {
    if (ignore.some((pattern) => globMatch(pattern, name))) continue;
    const child = join(path, name);
    const cst = statSync(child, { throwIfNoEntry: false });
    if (!cst) continue;
    if (cst.isDirectory()) out.push(...regoFiles(child, ignore));
    else if (name.endsWith('.rego')) out.push(child);
  }
  return out;
}
