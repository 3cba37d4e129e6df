/**
 * Rego errors as `file:row:col: code: message`, each a link to its line: the
 * file as it is now on disk (`GET /policy/files`, what the next reload will
 * read), shown with line numbers and the line marked.
 */
import { get, type PolicyFile, type RegoErrorJson } from './api.js';
import { baseName, fill, h } from './dom.js';

export function errorText(e: RegoErrorJson): string {
  const where = e.location ? `${e.location.file}:${e.location.row}:${e.location.col}: ` : '';
  return `${where}${e.code}: ${e.message}`;
}

/** A list of errors; located ones open the source panel at their line. */
export function errorList(errors: RegoErrorJson[], panel: SourcePanel): HTMLElement {
  return h(
    'ul',
    { class: 'errors' },
    errors.map((e) => {
      const loc = e.location;
      const text = errorText(e);
      return h(
        'li',
        null,
        loc
          ? h('a', { href: `#source:${baseName(loc.file)}:${loc.row}`, class: 'error-link', onclick: (ev: Event) => (ev.preventDefault(), void panel.open(loc.file, loc.row, loc.col)) }, text)
          : h('span', null, text),
      );
    }),
  );
}

/** Where a linked error's file is shown. */
export class SourcePanel {
  readonly el = h('section', { class: 'source-panel', hidden: true, 'aria-label': 'Policy source', tabindex: '-1' });

  async open(file: string, row: number, col: number): Promise<void> {
    const name = baseName(file);
    this.el.hidden = false;
    fill(this.el, h('h3', null, `${name} (on disk)`), h('p', { class: 'muted' }, 'loading…'));
    let files: PolicyFile[];
    try {
      files = (await get<{ files: PolicyFile[] }>('/policy/files')).body.files;
    } catch (err) {
      fill(this.el, h('h3', null, name), h('p', { class: 'error' }, `cannot read the policy files: ${(err as Error).message}`));
      return;
    }
    const f = files.find((x) => x.name === name);
    const close = h('button', { type: 'button', class: 'link', onclick: () => (this.el.hidden = true) }, 'Close');
    if (f === undefined) {
      fill(this.el, h('h3', null, name, ' ', close), h('p', { class: 'muted' }, `${name} is no longer in the policy directory.`));
      return;
    }
    const lines = f.content.split('\n');
    const mark = h('ol', { class: 'source', 'aria-label': `${name}, line ${row} marked` });
    lines.forEach((text, i) => {
      const n = i + 1;
      const li = h('li', { class: n === row ? 'marked' : null, 'data-line': n }, h('code', null, text === '' ? ' ' : text));
      if (n === row) li.title = `column ${col}`;
      mark.append(li);
    });
    fill(this.el, h('h3', null, `${name}:${row}:${col} `, close), h('div', { class: 'source-scroll' }, mark));
    this.el.focus();
    mark.children[row - 1]?.scrollIntoView({ block: 'center' });
  }
}
