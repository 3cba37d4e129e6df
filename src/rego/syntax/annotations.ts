/**
 * `# METADATA` blocks: a comment line reading `METADATA` followed by comment
 * lines on consecutive rows. The block is kept, as YAML text, on the package or
 * rule that starts next (the compiler parses the YAML); its `scope` is read
 * here because it decides where the annotation applies.
 */
import type { Annotation, Module } from './ast.js';

export function attachAnnotations(module: Module): void {
  const blocks = findBlocks(module);
  if (blocks.length === 0) return;
  const targets: { row: number; add: (a: Annotation) => void }[] = [
    { row: module.package.loc.row, add: (a: Annotation) => (module.package.annotations ??= []).push(a) },
    ...module.rules.map((rule) => ({ row: rule.loc.row, add: (a: Annotation) => (rule.annotations ??= []).push(a) })),
  ].sort((a, b) => a.row - b.row);
  for (const { annotation, endRow } of blocks) {
    const target = targets.find((t) => t.row > endRow);
    if (target) target.add(annotation);
  }
}

function findBlocks(module: Module): { annotation: Annotation; endRow: number }[] {
  const comments = module.comments;
  const blocks: { annotation: Annotation; endRow: number }[] = [];
  for (let i = 0; i < comments.length; i++) {
    const start = comments[i]!;
    if (start.text.trim() !== 'METADATA') continue;
    const lines: string[] = [];
    let row = start.loc.row;
    let j = i + 1;
    while (j < comments.length && comments[j]!.loc.row === row + 1) {
      const text = comments[j]!.text;
      lines.push(text.startsWith(' ') ? text.slice(1) : text);
      row++;
      j++;
    }
    const text = lines.join('\n');
    const annotation: Annotation = { loc: start.loc, text };
    const scope = /^scope:\s*([A-Za-z]+)\s*$/m.exec(text);
    if (scope) annotation.scope = scope[1];
    blocks.push({ annotation, endRow: row });
    i = j - 1;
  }
  return blocks;
}
