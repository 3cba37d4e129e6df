/**
 * Errors are values: every failure the Rego engine reports carries one of OPA's
 * error codes, a message and (where there is one) the source location, so that
 * callers can print them the way `opa` does: `file:row:col: code: message`.
 */

export interface Location {
  file: string;
  row: number;
  col: number;
}

export type ErrorCode =
  | 'rego_parse_error'
  | 'rego_compile_error'
  | 'rego_type_error'
  | 'rego_unsafe_var_error'
  | 'rego_recursion_error'
  | 'eval_conflict_error'
  | 'eval_type_error'
  | 'eval_builtin_error'
  | 'eval_with_merge_error'
  | 'eval_cancel_error'
  /** Ours, not OPA's: an evaluation built more than its size budget allows (see `EvalBudgets`). */
  | 'eval_budget_error'
  | 'eval_internal_error';

/** More about an error, printed on the lines after it as OPA does (a type error's `have:`/`want:` types). */
export interface ErrorDetails {
  lines(): string[];
  toJSON(): unknown;
}

export class RegoError extends Error {
  readonly code: ErrorCode;
  readonly location?: Location;
  readonly details?: ErrorDetails;

  constructor(code: ErrorCode, message: string, location?: Location, details?: ErrorDetails) {
    // A Rego error's JavaScript stack says nothing to a policy author, and
    // capturing it is costly where the parser tries alternatives: skip it.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.name = 'RegoError';
    this.code = code;
    if (location !== undefined) this.location = location;
    if (details !== undefined) this.details = details;
  }

  /** OPA's layout: `file:row:col: code: message` (location omitted when unknown), then each detail line after a tab. */
  format(): string {
    const where = this.location ? `${formatLocation(this.location)}: ` : '';
    const details = this.details ? this.details.lines().map((l) => `\n\t${l}`).join('') : '';
    return `${where}${this.code}: ${this.message}${details}`;
  }

  toJSON(): { code: ErrorCode; message: string; location?: Location; details?: unknown } {
    const out: { code: ErrorCode; message: string; location?: Location; details?: unknown } = { code: this.code, message: this.message };
    if (this.location) out.location = this.location;
    if (this.details) out.details = this.details.toJSON();
    return out;
  }
}

export function formatLocation(loc: Location): string {
  return `${loc.file}:${loc.row}:${loc.col}`;
}

/** OPA stops collecting compile errors after this many (`ast.CompileErrorLimitDefault`). */
export const ERROR_LIMIT = 10;

/** A group of errors from one parse or compile, printed as OPA prints `ast.Errors`. */
export class RegoErrors extends Error {
  constructor(readonly errors: RegoError[]) {
    super(formatErrors(errors));
    this.name = 'RegoErrors';
  }
}

export function formatErrors(errors: RegoError[]): string {
  if (errors.length === 1) return `1 error occurred: ${errors[0]!.format()}`;
  return `${errors.length} errors occurred:\n${errors.map((e) => e.format()).join('\n')}`;
}
