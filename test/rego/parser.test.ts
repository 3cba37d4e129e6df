import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseModule, parseQuery, parseTerm, numberValue } from '../../src/rego/syntax/parser.js';
import { RegoErrors } from '../../src/rego/errors.js';
import type { CallTerm, Expr, Module, RefTerm, Rule, Term } from '../../src/rego/syntax/ast.js';

const mod = (body: string, v0 = false): Module => parseModule('m.rego', `package p\n${body}`, { v0 });
const rule = (body: string, v0 = false): Rule => mod(body, v0).rules[0]!;

function parseErrors(src: string, v0 = false): string[] {
  try {
    parseModule('m.rego', src, { v0 });
  } catch (e) {
    assert.ok(e instanceof RegoErrors);
    return e.errors.map((x) => x.format());
  }
  assert.fail('expected a parse error');
}

/** Compact rendering of a term for assertions: calls as `name(args)`, refs as `head.a[x]`. */
function show(t: Term): string {
  switch (t.type) {
    case 'null':
      return 'null';
    case 'boolean':
      return String(t.value);
    case 'number':
      return t.raw;
    case 'string':
      return JSON.stringify(t.value);
    case 'var':
      return t.name;
    case 'ref':
      return show(t.head) + t.path.map((p) => (p.type === 'string' && /^\w+$/.test(p.value) ? `.${p.value}` : `[${show(p)}]`)).join('');
    case 'call':
      return `${show(t.fn)}(${t.args.map(show).join(', ')})`;
    case 'array':
      return `[${t.items.map(show).join(', ')}]`;
    case 'set':
      return `{${t.items.map(show).join(', ')}}`;
    case 'object':
      return `{${t.items.map(([k, v]) => `${show(k)}: ${show(v)}`).join(', ')}}`;
    case 'arraycomp':
      return `[${show(t.term)} | ${t.body.map(showExpr).join('; ')}]`;
    case 'setcomp':
      return `{${show(t.term)} | ${t.body.map(showExpr).join('; ')}}`;
    case 'objectcomp':
      return `{${show(t.key)}: ${show(t.value)} | ${t.body.map(showExpr).join('; ')}}`;
    case 'template':
      return `$"${t.parts.map((p) => (typeof p === 'string' ? p : `{${show(p)}}`)).join('')}"`;
  }
}
function showExpr(e: Expr): string {
  let s: string;
  if (e.type === 'expr') s = show(e.term);
  else if (e.type === 'some') s = `some ${e.vars.map(show).join(', ')}`;
  else if (e.type === 'somein') s = `some ${e.key ? show(e.key) + ', ' : ''}${show(e.value)} in ${show(e.collection)}`;
  else s = `every ${e.key ? show(e.key) + ', ' : ''}${show(e.value)} in ${show(e.domain)} { ${e.body.map(showExpr).join('; ')} }`;
  if (e.negated) s = `not ${s}`;
  for (const w of e.with) s += ` with ${show(w.target)} as ${show(w.value)}`;
  return s;
}
const q = (src: string): string[] => parseQuery(src).map(showExpr);

test('package, imports and aliases', () => {
  const m = parseModule('m.rego', 'package a.b["c"]\nimport data.x.y as z\nimport input.q\nimport rego.v1\nimport future.keywords.in\n');
  assert.deepEqual(m.package.path, ['a', 'b', 'c']);
  assert.equal(m.imports.length, 4);
  assert.equal(show(m.imports[0]!.path), 'data.x.y');
  assert.equal(m.imports[0]!.alias, 'z');
  assert.deepEqual(m.imports[1]!.loc, { file: 'm.rego', row: 3, col: 1 });
  assert.match(parseErrors('package a\nimport foo.bar')[0]!, /unexpected import path, must begin with one of/);
  assert.match(parseErrors('package a\nimport rego.v1 as r')[0]!, /`rego` imports cannot be aliased/);
  assert.match(parseErrors('package a\nimport future.keywords.nope')[0]!, /unexpected keyword, must be one of \[contains every if in\]/);
});

test('package must come first', () => {
  assert.deepEqual(parseErrors('p := 1'), ['m.rego:1:1: rego_parse_error: package expected']);
});

test('constants and complete rules', () => {
  let r = rule('x := 1');
  assert.equal(r.head.kind, 'complete');
  assert.equal(r.head.assign, true);
  assert.equal(show(r.head.value!), '1');
  assert.deepEqual(r.body, []);
  r = rule('x = {"a": [1, 2]}');
  assert.equal(r.head.assign, false);
  assert.equal(show(r.head.value!), '{"a": [1, 2]}');
  r = rule('x := v if {\n  v := input.a\n}');
  assert.equal(show(r.head.value!), 'v');
  assert.deepEqual(r.body.map(showExpr), ['assign(v, input.a)']);
  r = rule('allow if input.user == "admin"');
  assert.equal(r.head.value, undefined);
  assert.deepEqual(r.body.map(showExpr), ['equal(input.user, "admin")']);
  r = rule('p if { x := 1; x > 0 }');
  assert.deepEqual(r.body.map(showExpr), ['assign(x, 1)', 'gt(x, 0)']);
  // `if { x }` is a body, not a set literal
  assert.deepEqual(rule('p if { input.x }').body.map(showExpr), ['input.x']);
});

test('default rules', () => {
  const r = rule('default allow := false');
  assert.equal(r.isDefault, true);
  assert.equal(show(r.head.value!), 'false');
  assert.equal(rule('default f(_) := 1').head.kind, 'function');
  assert.match(parseErrors('package p\ndefault x := input.y')[0]!, /default rule value cannot contain ref/);
  assert.match(parseErrors('package p\ndefault x := y')[0]!, /default rule value cannot contain var/);
});

test('else chains with and without values', () => {
  const r = rule('x := 1 if input.a\nelse := 2 if input.b\nelse := 3');
  assert.equal(show(r.else!.head.value!), '2');
  assert.deepEqual(r.else!.body.map(showExpr), ['input.b']);
  assert.equal(show(r.else!.else!.head.value!), '3');
  assert.deepEqual(r.else!.loc, { file: 'm.rego', row: 3, col: 1 });
  const noValue = rule('p if false else if true');
  assert.equal(show(noValue.else!.head.value!), 'true');
  assert.match(parseErrors('package p\ns contains x if { x := 1 } else := 2')[0]!, /else keyword cannot be used on multi-value rules/);
});

test('partial sets, partial objects and ref heads', () => {
  let r = rule('s contains x if { some x in input.xs }');
  assert.equal(r.head.kind, 'multi');
  assert.equal(show(r.head.key!), 'x');
  assert.deepEqual(r.head.ref.map(show), ['"p"'.replace('p', 's')]);
  r = rule('o[k] := v if { some k, v in input.m }');
  assert.equal(r.head.kind, 'complete');
  assert.deepEqual(r.head.ref.map(show), ['"o"', 'k']);
  r = rule('a.b[c].d := 1 if c := "x"');
  assert.equal(r.head.name, 'a');
  assert.deepEqual(r.head.ref.map(show), ['"a"', '"b"', 'c', '"d"']);
});

test('functions', () => {
  let r = rule('f(x, y) := z if { z := x + y }');
  assert.equal(r.head.kind, 'function');
  assert.deepEqual(r.head.args!.map(show), ['x', 'y']);
  r = rule('g(x) if x > 1');
  assert.equal(r.head.value, undefined);
  assert.deepEqual(r.body.map(showExpr), ['gt(x, 1)']);
  r = rule('h(_, [a, b]) := a');
  assert.equal(r.head.args![0]!.type, 'var');
  assert.ok((r.head.args![0] as { wildcard?: boolean }).wildcard);
});

test('multiple bodies make several rules with the same head', () => {
  const rules = mod('p if { input.a } { input.b }').rules;
  assert.equal(rules.length, 2);
  assert.deepEqual(rules[1]!.body.map(showExpr), ['input.b']);
  assert.equal(rules[1]!.head.name, 'p');
});

test('operators and precedence as OPA', () => {
  assert.deepEqual(q('x := 1 + 2 * 3 - 4 / 2 % 3'), ['assign(x, minus(plus(1, mul(2, 3)), rem(div(4, 2), 3)))']);
  assert.deepEqual(q('a | b & c == d'), ['equal(or(a, and(b, c)), d)']);
  assert.deepEqual(q('a != b; a < b; a <= b; a > b; a >= b'), ['neq(a, b)', 'lt(a, b)', 'lte(a, b)', 'gt(a, b)', 'gte(a, b)']);
  assert.deepEqual(q('x = -1; y := - 1; z := 3 - -2; w := -.5'), ['eq(x, -1)', 'assign(y, -1)', 'assign(z, minus(3, -2))', 'assign(w, -.5)']);
  // OPA's parseNumber: a minus sign only starts a number literal.
  assert.deepEqual(parseErrors('package p\ny := -x if { x := 1 }'), ['m.rego:2:7: rego_parse_error: unexpected identifier token: expected number']);
  assert.deepEqual(parseErrors('package p\ny := -(1)'), ['m.rego:2:7: rego_parse_error: unexpected ( token: expected number']);
  assert.deepEqual(q('x in xs; k, v in m; 1 + 1 in {2}'), ['internal.member_2(x, xs)', 'internal.member_3(k, v, m)', 'internal.member_2(plus(1, 1), {2})']);
  assert.deepEqual(q('(1 + 2) * 3'), ['mul(plus(1, 2), 3)']);
});

test('some, every, not, with', () => {
  assert.deepEqual(q('some x, y'), ['some x, y']);
  assert.deepEqual(q('some x in xs'), ['some x in xs']);
  assert.deepEqual(q('some k, v in {"a": 1}'), ['some k, v in {"a": 1}']);
  assert.deepEqual(q('every x in xs { x > 0 }'), ['every x in xs { gt(x, 0) }']);
  assert.deepEqual(q('every k, v in m { k != v }'), ['every k, v in m { neq(k, v) }']);
  assert.deepEqual(q('not input.deny'), ['not input.deny']);
  assert.deepEqual(q('data.p.allow with input.user as "bob" with data.roles as {}'), ['data.p.allow with input.user as "bob" with data.roles as {}']);
  assert.match(parseErrors('package p\nq if { not some x }')[0]!, /illegal negation of 'some'/);
});

test('refs, calls and keywords in refs', () => {
  assert.deepEqual(q('input.a["b"][i].c'), ['input.a.b[i].c']);
  assert.deepEqual(q('x := input.if.contains.in'), ['assign(x, input.if.contains.in)']);
  assert.deepEqual(q('strings.replace_n({"a": "b"}, s)'), ['strings.replace_n({"a": "b"}, s)']);
  assert.deepEqual(q('f(x).y[0]'), ['f(x).y[0]']);
  assert.deepEqual(q('[1, 2][i]'), ['[1, 2][i]']);
  // Space before `[` or `(` ends the term: not a ref / call.
  assert.match(parseErrors('package p\nq if { x [1] }')[0]!, /unexpected \[ token: expected \\n or ; or \}/);
  const ref = parseQuery('data.a.b')[0] as { term: RefTerm };
  assert.equal(ref.term.type, 'ref');
  assert.equal((parseQuery('input')[0] as { term: RefTerm }).term.type, 'ref');
  assert.match(parseErrors('package p\nq if "a".b')[0]!, /illegal ref \(head cannot be string\)/);
});

test('scalars: numbers of any size, strings with escapes, raw strings', () => {
  const n = (src: string): Term => parseTerm(src);
  assert.deepEqual(n('123456789012345678901234567890'), { type: 'number', raw: '123456789012345678901234567890', value: 123456789012345678901234567890n, loc: { file: 'term', row: 1, col: 1 } });
  assert.equal((n('1.50') as { raw: string }).raw, '1.50');
  // A literal whose text is not its value's plain text keeps the text (OPA's json.Number); valueOf gives the double.
  assert.equal(Number((n('1.50') as { value: number }).value), 1.5);
  assert.equal(String((n('1.50') as { value: number }).value), '1.50');
  assert.equal(Number((n('1e3') as { value: number }).value), 1000);
  assert.equal(Number((n('-2.5e-1') as { value: number }).value), -0.25);
  assert.equal((n('2.5') as { value: number }).value, 2.5);
  assert.equal(numberValue('1e400'), 10n ** 400n);
  assert.equal((n('"a\\n\\"\\u00e9\\ud83d\\ude00"') as { value: string }).value, 'a\n"é😀');
  assert.equal((n('`raw\\n`') as { value: string }).value, 'raw\\n');
  assert.deepEqual([n('true'), n('false'), n('null')].map(show), ['true', 'false', 'null']);
  assert.match(parseErrors('package p\nx := 00')[0]!, /expected number/);
  assert.match(parseErrors('package p\nx := "abc')[0]!, /non-terminated string/);
});

test('collections and comprehensions', () => {
  assert.deepEqual(q('x := set()'), ['assign(x, {})']);
  assert.equal((parseTerm('set()') as { type: string }).type, 'set');
  assert.equal((parseTerm('{}') as { type: string }).type, 'object');
  assert.deepEqual(q('x := {1, 2,}'), ['assign(x, {1, 2})']);
  assert.deepEqual(q('x := [y | y := input[_]]'), ['assign(x, [y | assign(y, input[$w0])])']);
  assert.deepEqual(q('x := {y | some y in [1]}'), ['assign(x, {y | some y in [1]})']);
  assert.deepEqual(q('x := {k: v | some k, v in m}'), ['assign(x, {k: v | some k, v in m})']);
  assert.deepEqual(q('x := {1 | 2}'), ['assign(x, {1 | 2})']);
  assert.equal((parseTerm('{a | b}') as { type: string }).type, 'setcomp');
  assert.equal((parseTerm('[a + 1, b | c]') as { type: string }).type, 'array');
});

test('template strings', () => {
  assert.deepEqual(q('x := $"Hello {input.name}!"'), ['assign(x, $"Hello {input.name}!")']);
});

test('wildcards are renamed uniquely', () => {
  const body = parseQuery('input[_] = x; input[_] = y');
  const names = body.map((e) => ((e as { term: CallTerm }).term.args[0] as RefTerm).path[0]).map((t) => (t as { name: string }).name);
  assert.equal(new Set(names).size, 2);
  assert.ok(names.every((x) => x.startsWith('$w')));
});

test('locations of rules, expressions and terms', () => {
  const m = parseModule('f.rego', 'package p\n\nallow if {\n\tinput.x == 1\n}\n');
  const r = m.rules[0]!;
  assert.deepEqual(r.loc, { file: 'f.rego', row: 3, col: 1 });
  assert.equal(r.file, 'f.rego');
  const e = r.body[0] as { loc: unknown; term: CallTerm };
  assert.deepEqual(e.loc, { file: 'f.rego', row: 4, col: 2 });
  assert.deepEqual(e.term.args[1]!.loc, { file: 'f.rego', row: 4, col: 13 });
});

test('METADATA annotations attach to the following rule or package', () => {
  const m = parseModule('m.rego', '# METADATA\n# title: pkg\n# scope: subpackages\npackage p\n\n# METADATA\n# description: allow it\nallow := true\n');
  assert.equal(m.package.annotations?.[0]?.scope, 'subpackages');
  assert.equal(m.rules[0]!.annotations?.[0]?.text, 'description: allow it');
  assert.equal(m.comments.length, 5);
});

test('v1 rejects v0-only forms with OPA messages', () => {
  assert.deepEqual(parseErrors('package p\nq { true }'), ['m.rego:2:1: rego_parse_error: `if` keyword is required before rule body']);
  // `q[x] if ...` is valid v1: a single-value rule with a variable key.
  assert.equal(rule('q[x] if { x := 1 }').head.kind, 'complete');
});

test('v1 requires contains for partial sets', () => {
  // OPA's checkRegoV1Rule order: the body's `if` first, then `contains`.
  assert.deepEqual(parseErrors('package p\nq[x] { x := 1 }'), [
    'm.rego:2:1: rego_parse_error: `if` keyword is required before rule body',
    'm.rego:2:1: rego_parse_error: `contains` keyword is required for partial set rules',
  ]);
  // `q.r { ... }` is the partial set `q contains "r"` (OPA's parseRules), so v1 asks for both keywords.
  assert.deepEqual(parseErrors('package p\nq.r { true }'), [
    'm.rego:2:1: rego_parse_error: `if` keyword is required before rule body',
    'm.rego:2:1: rego_parse_error: `contains` keyword is required for partial set rules',
  ]);
  assert.deepEqual(parseErrors('package p\nq.r.s'), ['m.rego:2:1: rego_parse_error: rule must have value assignment and/or body declaration']);
});

test('v0: keywords only when imported, bodies without if, p[x] partial sets', () => {
  const m = mod('q[x] { x := 1 }\nr { true }\nif := 1', true);
  assert.equal(m.v0, true);
  assert.equal(m.rules[0]!.head.kind, 'multi');
  assert.equal(show(m.rules[0]!.head.key!), 'x');
  assert.equal(m.rules[2]!.head.name, 'if');
  const withFuture = mod('import future.keywords\nq contains x if { some x in [1] }', true);
  assert.equal(withFuture.rules[0]!.head.kind, 'multi');
  // rego.v1 in a v0 module brings v1's requirements.
  assert.match(parseErrors('package p\nimport rego.v1\nq { true }', true)[0]!, /`if` keyword is required/);
});

test('parse error messages and positions', () => {
  assert.deepEqual(parseErrors('package p\nq if {\n  x := 1\n'), ['m.rego:4:1: rego_parse_error: unexpected eof token']);
  assert.deepEqual(parseErrors('package p\nq if { x := 1 y := 2 }'), ['m.rego:2:15: rego_parse_error: unexpected identifier token: expected \\n or ; or }']);
  assert.deepEqual(parseErrors('package p\nq := }'), ['m.rego:2:6: rego_parse_error: unexpected } token: expected rule value term (e.g., q := <VALUE> { ... })']);
  assert.match(parseErrors('package p\nq := [x | ]')[0]!, /found empty body|unexpected/);
  assert.match(parseErrors('package p\nq := 1 ^ 2')[0]!, /illegal token/);
});

test('a keyword-led reference after a rule value starts the next rule (OPA scanAheadRef); `with` there is a modifier', () => {
  const m = mod('x := 1\nin.z := 5\nevery.v := 6');
  assert.deepEqual(m.rules.map((r) => r.head.ref.map((t) => (t.type === 'string' ? t.value : '?')).join('.')), ['x', 'in.z', 'every.v']);
  // The rule `x := 1` is an expression to OPA's parser: a `with` after it, on any line, is its modifier.
  assert.deepEqual(parseErrors('package p\nx := 1\nwith.a := 1'), ['m.rego:3:5: rego_parse_error: unexpected . token: expected ident']);
  assert.deepEqual(parseErrors('package p\nx := 1 with input as 2'), ['m.rego:2:1: rego_parse_error: expressions using with keyword cannot be used for rule head']);
  // After a body, `with.a` is a rule of its own.
  assert.equal(mod('x if {\n\ttrue\n}\nwith.a := 1').rules.length, 2);
});

test('parse errors name tokens as OPA 1.x does (tokens.go)', () => {
  const first = (src: string): string => parseErrors(`package p\n${src}`)[0]!.replace(/^m\.rego:\d+:\d+: rego_parse_error: /, '');
  // OPA's issue 4215: an operator in a comprehension's head is not a comprehension.
  assert.equal(first('bug := [x + 1 | x := [1, 2, 3][_]]'), 'unexpected assign token: expected "," or "]"');
  assert.equal(first('r := [x * 2 | some x in [1, 2]]'), 'unexpected some keyword');
  assert.equal(first('r := {1 2}'), 'unexpected number token: non-terminated set');
  assert.equal(first('r := {1, 2 3}'), 'unexpected number token: expected "," or "}"');
  assert.equal(first('r := {"a": 1 2}'), 'unexpected number token: non-terminated object');
  assert.equal(first('r := {"a": 1, "b" 2}'), 'unexpected number token: expected ":"');
  assert.equal(first('r := [1 == 2 == 3 3]'), 'unexpected number token: expected "," or "]"');
  assert.equal(first('r := input.x[1 2]'), 'unexpected number token: expected ['); // sic
  assert.equal(first('r := input. x'), 'unexpected whitespace token: expected identifier');
  assert.equal(first('r := input.1'), 'unexpected number token: expected identifier');
  assert.equal(first('r if { x := 1 == }'), 'unexpected } token');
  assert.deepEqual(parseErrors('package p\nr := input. x'), ['m.rego:2:12: rego_parse_error: unexpected whitespace token: expected identifier']);
  assert.deepEqual(parseErrors('package 1'), ['m.rego:1:9: rego_parse_error: unexpected number token']);
  assert.deepEqual(parseErrors('package p\nimport 1'), ['m.rego:2:8: rego_parse_error: unexpected number token']);
});

test('queries and terms', () => {
  assert.deepEqual(q('data.x.p = y; z := 1'), ['eq(data.x.p, y)', 'assign(z, 1)']);
  assert.deepEqual(q('x := 1\ny := 2'), ['assign(x, 1)', 'assign(y, 2)']);
  assert.throws(() => parseTerm('{1, 2'), RegoErrors);
  assert.equal(show(parseTerm('{"a": {1, 2}, "b": [null]}')), '{"a": {1, 2}, "b": [null]}');
});
