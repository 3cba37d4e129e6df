import { test } from 'node:test';
import assert from 'node:assert/strict';
import capabilities from '../../../src/rego/capabilities.json' with { type: 'json' };
import * as net from '../../../src/rego/builtins/net.js';
import * as semver from '../../../src/rego/builtins/semver.js';
import * as crypto from '../../../src/rego/builtins/crypto.js';
import * as jwt from '../../../src/rego/builtins/jwt.js';
import * as graph from '../../../src/rego/builtins/graph.js';
import * as template from '../../../src/rego/builtins/template.js';
import * as unsupported from '../../../src/rego/builtins/unsupported.js';

const tables = [net, semver, crypto, jwt, graph, template, unsupported].map((m) => m.builtins);
const mine = new Map(tables.flatMap((t) => Object.entries(t)));
const declared = new Map(capabilities.builtins.map((b) => [b.name, b]));

test('every built-in here is declared in the capabilities', () => {
  for (const name of mine.keys()) assert.ok(declared.has(name), name);
});

test('every capability of these namespaces is implemented', () => {
  const prefixes = ['net.', 'semver.', 'crypto.', 'io.jwt.', 'graph.', 'graphql.', 'http.send', 'providers.aws.', 'strings.render_template'];
  for (const name of declared.keys()) {
    if (prefixes.some((p) => name.startsWith(p))) assert.ok(mine.has(name), name);
  }
});
