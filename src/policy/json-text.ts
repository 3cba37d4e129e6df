/**
 * Parsing JSON policy data with errors a person can act on: V8's JSON.parse
 * messages do not always carry a position, so on failure we re-read the text
 * with the Rego engine's JSON parser (Go's grammar) to find where it goes wrong
 * and report line:column.
 */
import { JSONSyntaxError, parseJSON } from '../rego/builtins/json-text.js';

export interface JsonSyntaxProblem {
  line: number;
  column: number;
  message: string;
}

/** Parses `text`; on a syntax error returns the problem (1-based line and column) instead of throwing. */
export function parseJsonText(text: string): { ok: true; value: unknown } | { ok: false; problem: JsonSyntaxProblem } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    const { offset, message } = locateJsonError(text);
    const { line, column } = lineAndColumn(text, offset);
    return { ok: false, problem: { line, column, message } };
  }
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** Where and why `text`, which JSON.parse refused, is not JSON. */
function locateJsonError(text: string): { offset: number; message: string } {
  try {
    parseJSON(text);
  } catch (e) {
    if (e instanceof JSONSyntaxError) return { offset: e.offset, message: e.reason };
    throw e;
  }
  // The parser accepted what JSON.parse refused: report the start rather than guess.
  return { offset: 0, message: 'invalid JSON' };
}
