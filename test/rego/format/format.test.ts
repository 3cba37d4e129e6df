/**
 * The formatter's layout, case by case, as `opa fmt` (OPA 1.x) lays these
 * modules out. Each expected text is also a fixed point (formatting it again
 * changes nothing).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSource, type FormatVersion } from '../../../src/rego/format/index.js';

interface Case {
  name: string;
  version?: FormatVersion;
  input: string;
  want: string;
}

const cases: Case[] = [
  {
    name: 'imports are grouped by blank lines and sorted within a group; a comment on an import stays on its line',
    input: 'package p\nimport rego.v1\nimport data.lib.b\nimport data.lib.a # why\n\nimport input.x as y\nimport data.z\np := 1\n',
    want: 'package p\n\nimport data.lib.a # why\nimport data.lib.b\nimport rego.v1\n\nimport data.z\nimport input.x as y\n\np := 1\n',
  },
  {
    name: 'v1 heads take := ; a one-expression body on the head line loses its braces; adjacent one-liners stay together',
    input: 'package p\n\ndefault allow = false\nallow if { input.user == "admin" }\nallow if input.role in {"owner", "editor"}\nlimit = 3\n',
    want: 'package p\n\ndefault allow := false\n\nallow if input.user == "admin"\nallow if input.role in {"owner", "editor"}\nlimit := 3\n',
  },
  {
    name: 'a body of several expressions is one per line, tab-indented; `;` separators go',
    input: 'package p\n\ndeny contains msg if {\n  some i\n  x := input.items[i]; x.kind == "bad"\n\n\n  msg := sprintf("bad item %d", [i])\n}\n',
    want: 'package p\n\ndeny contains msg if {\n\tsome i\n\tx := input.items[i]\n\tx.kind == "bad"\n\n\tmsg := sprintf("bad item %d", [i])\n}\n',
  },
  {
    name: 'nested operator calls are parenthesised; an `in` operand keeps its parentheses',
    input: 'package p\n\nf(x) := y if { y := x + 1 * 2 }\n\ng if { (1 in [1]) == true }\n',
    want: 'package p\n\nf(x) := y if y := x + (1 * 2)\n\ng if (1 in [1]) == true\n',
  },
  {
    name: 'collections written over several rows get one row per line and a trailing comma',
    input: 'package p\n\nobj := {"a": 1,\n  "b": [1,2,\n    3]}\n\nflat := {"a": [1, 2], "b": {"c": 3}}\n',
    want: 'package p\n\nobj := {\n\t"a": 1,\n\t"b": [\n\t\t1, 2,\n\t\t3,\n\t],\n}\n\nflat := {"a": [1, 2], "b": {"c": 3}}\n',
  },
  {
    name: '`else` stays on the closing line when written there; otherwise it starts a paragraph',
    input: 'package p\n\nf(x) := "a" if {\n  x == 1\n} else := "b" if {\n  x == 2\n}\nelse := "c"\n',
    want: 'package p\n\nf(x) := "a" if {\n\tx == 1\n} else := "b" if {\n\tx == 2\n}\n\nelse := "c"\n',
  },
  {
    name: '`with` stays on the expression line; later ones go one per line, indented',
    input: 'package p\n\nh if {\n  count(input.items) > 0 with input as {"items": [1]}\n    with data.x as 2\n}\n',
    want: 'package p\n\nh if {\n\tcount(input.items) > 0 with input as {"items": [1]}\n\t\twith data.x as 2\n}\n',
  },
  {
    name: 'refs are dotted where the key is a name; strings keep their spelling, raw strings stay raw',
    input: 'package p\n\nr := input["a-b"].c["d"]\ns := "tab\\there \\u00e9"\nt := `raw\\n`\n',
    want: 'package p\n\nr := input["a-b"].c.d\ns := "tab\\there \\u00e9"\nt := `raw\\n`\n',
  },
  {
    name: 'comprehensions and every stay inline when written inline, else their bodies are indented',
    input: 'package p\n\ncmp := [x | some x in input.list; x > 1]\n\nall_ok if every k, v in input.m { v > k }\n\nset_of := {x |\n  some x in input.list\n}\n',
    want: 'package p\n\ncmp := [x | some x in input.list; x > 1]\n\nall_ok if every k, v in input.m { v > k }\n\nset_of := {x |\n\tsome x in input.list\n}\n',
  },
  {
    name: 'comments keep their rows: above a rule, at a line end, before a closing brace, at the end of the file',
    input: '# header\npackage p\n\n# about q\nq if {\n  input.a # check a\n  # before the end\n}\n\n\n# trailing   \n',
    want: '# header\npackage p\n\n# about q\nq if {\n\tinput.a # check a\n\t# before the end\n}\n\n# trailing\n',
  },
  {
    name: 'metadata blocks are separated from a comment block that follows',
    input: 'package p\n\n# METADATA\n# title: Q\n# METADATA\n# description: d\nq := 1\n',
    want: 'package p\n\n# METADATA\n# title: Q\n\n# METADATA\n# description: d\nq := 1\n',
  },
  {
    name: 'a comment inside a one-line collection keeps the collection as written',
    input: 'package p\n\nx := [\n  1, 2 # two\n]\n',
    want: 'package p\n\nx := [\n  1, 2 # two\n]\n',
  },
  {
    name: 'v0 modules stay v0 (no if, = kept, partial sets in brackets); `p { true }` is a constant',
    version: 'v0',
    input: 'package old\n\nimport future.keywords.in\nimport data.lib\n\ndeny[msg] {\n  input.x == 1 # trailing\n  msg = "x"\n}\n\nallow = true { input.y }\nallow { true }\n',
    want: 'package old\n\nimport data.lib\nimport future.keywords.in\n\ndeny[msg] {\n\tinput.x == 1 # trailing\n\tmsg = "x"\n}\n\nallow {\n\tinput.y\n}\n\nallow = true\n',
  },
  {
    name: '--rego-v1 rewrites v0: `import rego.v1` in place of future imports, `contains`, `if`, `:=`',
    version: 'v0v1',
    input: 'package old\n\nimport future.keywords.in\nimport data.lib\n\ndeny[msg] {\n  some c in input.containers\n  msg = c.name\n}\n\nf(x) = y {\n  y = x\n} else = z {\n  z = 2\n}\n',
    want: 'package old\n\nimport data.lib\nimport rego.v1\n\ndeny contains msg if {\n\tsome c in input.containers\n\tmsg = c.name\n}\n\nf(x) := y if {\n\ty = x\n} else := z if {\n\tz = 2\n}\n',
  },
  {
    name: 'ref heads, functions, templates and empty sets',
    input: 'package p\n\na.b.c := 1\na.b[k] := v if { some k, v in input.o }\nf(x, y) := x + y\nmsg := $"hi {input.name}!"\nempty := set()\n',
    want: 'package p\n\na.b.c := 1\na.b[k] := v if some k, v in input.o\nf(x, y) := x + y\nmsg := $"hi {input.name}!"\nempty := set()\n',
  },
  {
    name: 'an operator written as a call in a comprehension head gets parentheses (the head is one term)',
    input: 'package p\n\nr := [plus(x, 1) | some x in [1, 2]]\n\ns := {mul(x, 2): plus(x, 1) | some x in [1]}\n\nu := {minus(x, 1) | some x in [1]}\n',
    want: 'package p\n\nr := [(x + 1) | some x in [1, 2]]\n\ns := {x * 2: (x + 1) | some x in [1]}\n\nu := {(x - 1) | some x in [1]}\n',
  },
  {
    // OPA 1.x's keywords_in_refs: a keyword followed at once by `.` or `[` starts a reference, where a
    // statement starts (rule heads, body expressions) and after the value of the rule before it.
    name: 'keywords as the head of references',
    input:
      'package p\n\nif.x := 1\nelse.y[z] := 2 if { z := "a" }\nr if { if.x == 1; not.a == 1; some.b; x := contains.c; x == 1 }\n' +
      'default.k := 4\nin.z := 5\nevery.v := 6\ncontains.w := 7\ns contains x if { x := contains.w }\nu if { data.p.if.x == 1; input.else.not }\nw if not.a == 1\n',
    want:
      'package p\n\nif.x := 1\nelse.y[z] := 2 if z := "a"\n\nr if {\n\tif.x == 1\n\tnot.a == 1\n\tsome.b\n\tx := contains.c\n\tx == 1\n}\n\n' +
      'default.k := 4\nin.z := 5\nevery.v := 6\ncontains.w := 7\ns contains x if x := contains.w\n\nu if {\n\tdata.p.if.x == 1\n\tinput.else.not\n}\n\nw if not.a == 1\n',
  },
];

for (const c of cases) {
  test(`fmt: ${c.name}`, () => {
    const version = c.version ?? 'v1';
    assert.equal(formatSource('case.rego', c.input, { version }), c.want);
    const again = formatSource('case.rego', c.want, { version: version === 'v0v1' ? 'v1' : version });
    assert.equal(again, c.want, 'the output is a fixed point');
  });
}

test('fmt refuses v1 output OPA refuses: deprecated built-ins, shadowed input, duplicate imports', () => {
  assert.throws(() => formatSource('m.rego', 'package p\n\np if re_match("a", "b")\n'), /deprecated built-in function calls in expression: re_match/);
  assert.throws(() => formatSource('m.rego', 'package p\n\np if {\n\tinput := 1\n\tinput == 1\n}\n'), /variables must not shadow input/);
  assert.throws(() => formatSource('m.rego', 'package p\n\nimport data.a.x\nimport data.b.x\n'), /import must not shadow import data\.a\.x/);
  // As v0 they format (OPA formats v0 without the v1 checks).
  assert.match(formatSource('m.rego', 'package p\n\np { re_match("a", "b") }\n', { version: 'v0' }), /re_match\("a", "b"\)/);
});

test('fmt reports parse errors with OPA\'s location and code', () => {
  assert.throws(() => formatSource('bad.rego', 'package p\n\np if {\n'), /bad\.rego:\d+:\d+: rego_parse_error/);
  assert.throws(() => formatSource('v0.rego', 'package p\n\np { true }\n'), /`if` keyword is required before rule body/);
});
