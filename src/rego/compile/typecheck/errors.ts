/**
 * The type errors OPA's checker reports, with the details it prints under
 * them (v1/ast/check.go): argument errors (`count: invalid argument(s)`,
 * `have: (number)` / `want: (collection: any<…>)`), unification errors
 * (`match error`, `left  : …` / `right : …`) and reference errors
 * (`undefined ref: data.x[y]` with a caret under the offending element).
 */
import { RegoError, type ErrorDetails, type Location } from '../../errors.js';
import type { Term } from '../../syntax/ast.js';
import { refText, termText } from './terms.js';
import { argsText, isNil, typeJSON, typeText, type FunctionType, type MaybeType } from './types.js';

/** An error whose details mention an unknown type: a consequence of another error in the same expression. */
export function causedByNilType(e: RegoError): boolean {
  const d = e.details;
  if (d instanceof ArgDetails) return d.have.some(isNil);
  if (d instanceof MatchDetails) return isNil(d.left) || isNil(d.right);
  return false;
}

export class ArgDetails implements ErrorDetails {
  constructor(
    readonly have: readonly MaybeType[],
    readonly want: FunctionType,
    /** Whether `want` lists the result too (the call's output operand), as the type checker does; arity errors do not. */
    readonly withResult: boolean,
  ) {}
  lines(): string[] {
    return [`have: (${this.have.map(typeText).join(', ')})`, `want: ${argsText(this.want, true, this.withResult)}`];
  }
  toJSON(): unknown {
    const args = this.want.args.slice();
    if (this.withResult && this.want.result !== undefined) args.push(this.want.result);
    const want: Record<string, unknown> = { args: args.map(typeJSON) };
    if (this.want.variadic !== undefined) want.variadic = typeJSON(this.want.variadic);
    return { have: this.have.map(typeJSON), want };
  }
}

export class MatchDetails implements ErrorDetails {
  constructor(
    readonly left: MaybeType,
    readonly right: MaybeType,
  ) {}
  lines(): string[] {
    return [`left  : ${typeText(this.left)}`, `right : ${typeText(this.right)}`];
  }
  toJSON(): unknown {
    return { a: typeJSON(this.left), b: typeJSON(this.right) };
  }
}

/** A reference into a value whose type has no such element (`arr[0].deadbeef` on an array of numbers). */
class RefUnsupportedDetails implements ErrorDetails {
  constructor(
    readonly head: Term,
    readonly path: readonly Term[],
    readonly pos: number,
    readonly have: MaybeType,
  ) {}
  lines(): string[] {
    const text = refText(this.head, this.path);
    return [text, '^'.repeat(refText(this.head, this.path, this.pos + 1).length), `have: ${typeText(this.have)}`];
  }
  toJSON(): unknown {
    return { have: typeJSON(this.have), pos: this.pos, ref: refText(this.head, this.path) };
  }
}

/** A reference with an element of the wrong type, or a key the value does not have. */
class RefInvalidDetails implements ErrorDetails {
  constructor(
    readonly head: Term,
    readonly path: readonly Term[],
    readonly pos: number,
    readonly have: MaybeType,
    readonly want: MaybeType,
    readonly oneOf: readonly string[],
  ) {}
  lines(): string[] {
    const pad = ' '.repeat(refText(this.head, this.path, this.pos).length + 1);
    const lines = [refText(this.head, this.path), pad + '^'];
    const element = this.pos === 0 ? this.head : this.path[this.pos - 1]!;
    lines.push(this.have !== undefined ? `${pad}have (type): ${typeText(this.have)}` : `${pad}have: ${termText(element)}`);
    lines.push(this.oneOf.length > 0 ? `${pad}want (one of): [${this.oneOf.join(' ')}]` : `${pad}want (type): ${typeText(this.want)}`);
    return lines;
  }
  toJSON(): unknown {
    const out: Record<string, unknown> = { want: typeJSON(this.want), pos: this.pos, ref: refText(this.head, this.path) };
    if (this.have !== undefined) out.have = typeJSON(this.have);
    if (this.oneOf.length > 0) out.oneOf = this.oneOf;
    return out;
  }
}

export function argError(loc: Location, name: string, message: string, have: readonly MaybeType[], want: FunctionType, withResult: boolean): RegoError {
  return new RegoError('rego_type_error', `${name}: ${message}`, loc, new ArgDetails(have, want, withResult));
}

export function matchError(loc: Location, left: MaybeType, right: MaybeType): RegoError {
  return new RegoError('rego_type_error', 'match error', loc, new MatchDetails(left, right));
}

export function refUnsupported(head: Term, path: readonly Term[], pos: number, have: MaybeType): RegoError {
  return new RegoError('rego_type_error', `undefined ref: ${refText(head, path)}`, head.loc, new RefUnsupportedDetails(head, path, pos, have));
}

export function refInvalid(head: Term, path: readonly Term[], pos: number, have: MaybeType, want: MaybeType, oneOf: readonly string[]): RegoError {
  return new RegoError('rego_type_error', `undefined ref: ${refText(head, path)}`, head.loc, new RefInvalidDetails(head, path, pos, have, want, oneOf));
}
