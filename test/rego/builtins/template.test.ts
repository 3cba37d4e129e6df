import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtins } from '../../../src/rego/builtins/template.js';
import { RegoSet, type Value } from '../../../src/rego/value.js';
import { assertBuiltinError, caller } from './helpers.js';

const { call } = caller(builtins);
const render = (t: string, vars: Record<string, Value>) => call('strings.render_template', t, vars);

test('fields, nested fields and printing (OPA docs example)', () => {
  assert.equal(render('{{.test}}', { test: 'hello world' }), 'hello world');
  assert.equal(render('Hi {{ .user.name }}, you are {{.user.age}}', { user: { name: 'Ann', age: 42 } }), 'Hi Ann, you are 42');
  // null on its own is Go's invalid value; inside a collection it is a nil interface.
  assert.equal(render('{{.list}} {{.m}} {{.b}} {{.n}} {{.f}}', { list: ['a', 1, null], m: { y: 2, x: 'z' }, b: true, n: null, f: 1.5 }), '[a 1 <nil>] map[x:z y:2] true <no value> 1.5');
  // OPA reads the variables back as JSON from their Rego text: a set is not JSON.
  assertBuiltinError(() => render('{{.s}}', { s: new RegoSet(['b', 'a']) }), 'eval_builtin_error', "strings.render_template: invalid character ',' after object key");
  assertBuiltinError(() => render('{{.s}}', { s: new RegoSet([1]) }), 'eval_builtin_error', "strings.render_template: invalid character '1' looking for beginning of object key string");
  assert.equal(render('no actions', {}), 'no actions');
});

test('missing keys are errors (missingkey=error)', () => {
  assertBuiltinError(
    () => render('{{.missing}}', {}),
    'eval_builtin_error',
    'strings.render_template: template: template:1:2: executing "template" at <.missing>: map has no entry for key "missing"',
  );
  assertBuiltinError(() => render('{{.a.b}}', { a: 'str' }), 'eval_builtin_error', /can't evaluate field b in type string/);
});

test('if / else if / else, with, comparisons', () => {
  // Numbers from the variables are json.Number (a string type): compared with strings, never with int literals.
  const t = '{{if eq .n "1"}}one{{else if gt (len .s) 1}}many{{else}}none{{end}}';
  assert.equal(render(t, { n: 1, s: '' }), 'one');
  assert.equal(render(t, { n: 5, s: 'abc' }), 'many');
  assert.equal(render(t, { n: 0, s: '' }), 'none');
  assertBuiltinError(() => render('{{if eq .n 1}}x{{end}}', { n: 1 }), 'eval_builtin_error', 'strings.render_template: template: template:1:5: executing "template" at <eq .n 1>: error calling eq: incompatible types for comparison');
  assert.equal(render('{{if .n}}truthy{{end}}', { n: 0 }), 'truthy');
  assert.equal(render('{{if eq 1 1}}int{{end}}{{if lt 1.5 2.5}} float{{end}}', {}), 'int float');
  assertBuiltinError(() => render('{{if eq 1 1.0}}x{{end}}', {}), 'eval_builtin_error', /incompatible types for comparison/);
  assert.equal(render('{{if .a}}y{{else}}n{{end}}', { a: [] }), 'n');
  assert.equal(render('{{if and .a (not .b)}}y{{end}}', { a: 1, b: false }), 'y');
  assert.equal(render('{{with .u}}{{.name}}{{else}}anon{{end}}', { u: { name: 'x' } }), 'x');
  assert.equal(render('{{with .u}}{{.name}}{{else}}anon{{end}}', { u: null }), 'anon');
  assert.equal(render('{{if ne .s "a"}}diff{{end}}', { s: 'b' }), 'diff');
  assertBuiltinError(() => render('{{if lt .s 1}}x{{end}}', { s: 'b' }), 'eval_builtin_error', /incompatible types for comparison/);
});

test('range over arrays and maps, variables, else, break', () => {
  assert.equal(render('{{range .xs}}<{{.}}>{{end}}', { xs: ['a', 'b'] }), '<a><b>');
  assert.equal(render('{{range $i, $x := .xs}}{{$i}}={{$x}};{{end}}', { xs: ['a', 'b'] }), '0=a;1=b;');
  assert.equal(render('{{range $k, $v := .m}}{{$k}}:{{$v}} {{end}}', { m: { b: 2, a: 1 } }), 'a:1 b:2 ');
  assert.equal(render('{{range .xs}}x{{else}}empty{{end}}', { xs: [] }), 'empty');
  assert.equal(render('{{range .xs}}{{if eq . "2"}}{{break}}{{end}}{{.}}{{end}}', { xs: [1, 2, 3] }), '1');
  assert.equal(render('{{range .xs}}{{if eq . "2"}}{{continue}}{{end}}{{.}}{{end}}', { xs: [1, 2, 3] }), '13');
  assert.equal(render('{{$n := len .xs}}{{$n}} items, root {{$.name}}', { xs: [1, 2], name: 'r' }), '2 items, root r');
  assert.equal(render('{{range .xs}}{{$.p}}{{.}}{{end}}', { xs: [1, 2], p: '#' }), '#1#2');
});

test('functions, pipelines, trim markers and comments', () => {
  assert.equal(render('{{index .m "k"}} {{index .xs 1}}', { m: { k: 'v' }, xs: [1, 2] }), 'v 2');
  assert.equal(render('{{.s | len}}', { s: 'héllo' }), '6'); // Go's len counts bytes
  assert.equal(render('{{printf "%s-%d-%v-%d" .a .b .c 7}}', { a: 'x', b: 3, c: true }), 'x-%!d(json.Number=3)-true-7');
  assert.equal(render('{{print "a" 1 2 "b"}}', {}), 'a1 2b');
  assert.equal(render('{{print .n .m}}', { n: 1, m: 2 }), '12'); // json.Number is a string to fmt.Sprint
  assert.equal(render('a  {{- .x -}}  b', { x: 1 }), 'a1b');
  assert.equal(render('a{{/* note */}}b', {}), 'ab');
  assert.equal(render('{{"quoted"}} {{`raw`}}', {}), 'quoted raw');
});

test('syntax errors and unsupported actions', () => {
  assertBuiltinError(() => render('{{if .a}}x', { a: 1 }), 'eval_builtin_error', /unexpected EOF/);
  assertBuiltinError(() => render('{{.a', { a: 1 }), 'eval_builtin_error', /unclosed action/);
  assertBuiltinError(() => render('{{foo .a}}', { a: 1 }), 'eval_builtin_error', /function "foo" not defined/);
  assertBuiltinError(() => render('{{template "x"}}', {}), 'eval_builtin_error', /not supported/);
  assertBuiltinError(() => render('{{end}}', {}), 'eval_builtin_error', /unexpected/);
  assertBuiltinError(() => call('strings.render_template', 1, {}), 'eval_type_error', 'strings.render_template: operand 1 must be string but got number');
});
