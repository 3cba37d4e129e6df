import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goJSONQuote, goQuote, goQuoteRune } from '../../../src/rego/builtins/go-quote.js';

test("goQuote is Go's strconv.Quote", () => {
  assert.equal(goQuote('a"b\\c'), '"a\\"b\\\\c"');
  assert.equal(goQuote('\x01\x07\t\u00ad\u{10ffff}é'), '"\\x01\\a\\t\\u00ad\\U0010ffffé"');
  assert.equal(goQuote('\ud800'), '"\\ufffd"');
  assert.equal(goQuoteRune("'", "'"), "\\'");
});

test("goJSONQuote is Go's json.Marshal of a string (HTML-safe)", () => {
  assert.equal(goJSONQuote('<a&b>\u2028\n\x01é'), '"\\u003ca\\u0026b\\u003e\\u2028\\n\\u0001é"');
});
