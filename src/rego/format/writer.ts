/**
 * The formatter's output: lines, tab indentation, and the comments still to be
 * placed. Comments are placed by row, as OPA's formatter places them: those on
 * rows before a node go above it, one on the node's own row goes at the end of
 * the line the node is written on. When a second comment would need the same
 * line end, layout gives up on that term and writes it as it was written
 * (`UnexpectedComment`, caught where a term is written).
 */

export interface FmtComment {
  /** The text after `#`, trailing whitespace removed. */
  text: string;
  /** The comment as written, `#` included. */
  raw: string;
  row: number;
  col: number;
}

/** A comment found where the line end is already taken: the term is then written unformatted. */
export class UnexpectedComment extends Error {
  constructor(
    readonly row: number,
    /** The comments still to place, where writing resumes (none when lost on the way up). */
    readonly rest?: FmtComment[],
    /** The enclosing term was already written as it stood. */
    readonly handled = false,
  ) {
    super(`unexpected comment on line ${row}`);
  }
}

export function isMetadataComment(c: FmtComment): boolean {
  return c.text.trim().startsWith('METADATA');
}

export class Writer {
  protected out: string[] = [];
  protected length = 0;
  protected level = 0;
  protected inline = false;
  /** The comment to write at the end of the current line. */
  protected beforeEnd: FmtComment | undefined;
  /** Hold `beforeEnd` past the next line end (a collection opening on this line). */
  protected delay = false;
  /** A trailing comment on the last row of unformatted text stays on that line. */
  protected commentOnFinalLine = false;

  write(s: string): void {
    this.out.push(s);
    this.length += s.length;
  }

  /** Drops everything written after `length` (a term being rewritten unformatted). */
  protected truncate(length: number): void {
    let text = this.out.join('');
    text = text.slice(0, length);
    this.out = [text];
    this.length = text.length;
  }

  text(): string {
    return this.out.join('');
  }

  startLine(): void {
    this.inline = true;
    for (let i = 0; i < this.level; i++) this.write('\t');
  }

  endLine(): void {
    this.inline = false;
    if (this.beforeEnd && !this.delay) {
      this.write(` #${this.beforeEnd.text}`);
      this.beforeEnd = undefined;
    }
    this.delay = false;
    this.write('\n');
  }

  blankLine(): void {
    if (this.inline) this.endLine();
    this.write('\n');
  }

  writeLine(s: string): void {
    if (!this.inline) this.startLine();
    this.write(s);
    this.endLine();
  }

  up(): void {
    this.level++;
  }

  down(): void {
    if (this.level > 0) this.level--;
  }

  startMultilineSeq(): void {
    this.endLine();
    this.up();
    this.startLine();
  }

  /** Registers a comment for the end of the current line. */
  protected beforeLineEnd(c: FmtComment | undefined, rest: FmtComment[]): void {
    if (this.beforeEnd) {
      if (!c) return;
      this.beforeEnd = undefined;
      throw new UnexpectedComment(c.row, rest);
    }
    this.beforeEnd = c;
  }

  /** Writes the comments above `row`, registers the one on `row`, returns those below. */
  protected insertComments(comments: FmtComment[], row: number): FmtComment[] {
    const before: FmtComment[] = [];
    const after: FmtComment[] = [];
    let at: FmtComment | undefined;
    for (const c of comments) {
      if (c.row < row) before.push(c);
      else if (c.row > row) after.push(c);
      else at = c;
    }
    this.writeComments(before);
    if (before.length > 0 && row - before[before.length - 1]!.row > 1) this.blankLine();
    this.beforeLineEnd(at, after);
    return after;
  }

  /** Comment lines, keeping blank lines between groups and separating metadata blocks. */
  protected writeComments(comments: FmtComment[]): void {
    let inMetadata = false;
    comments.forEach((c, i) => {
      if (i > 0) {
        const prev = comments[i - 1]!;
        const gap = c.row !== prev.row ? c.row - prev.row : c.col - prev.col;
        if (gap > 1) {
          this.blankLine();
          inMetadata = false;
        } else if (gap === 1 && inMetadata && isMetadataComment(c)) {
          this.blankLine();
        }
      }
      if (isMetadataComment(c)) inMetadata = true;
      this.writeLine(`#${c.text}`);
    });
  }

  /** Writes `text` as it was written; drops the comments inside it, returns the rest. */
  protected writeUnformatted(text: string, row: number, comments: FmtComment[]): FmtComment[] {
    const lastRow = row + countLines(text) - 1;
    this.write(text);
    const rest: FmtComment[] = [];
    for (const c of comments) {
      if (this.commentOnFinalLine && c.row === lastRow) {
        this.write(` ${c.raw}`);
        continue;
      }
      if (c.row < lastRow) continue;
      rest.push(c);
    }
    return rest;
  }
}

function countLines(text: string): number {
  let n = 1;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}
