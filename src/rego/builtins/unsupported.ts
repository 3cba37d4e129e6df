/**
 * Built-ins this engine deliberately does not provide. They stay registered (so
 * policies that mention them compile, as with OPA) but every call fails with an
 * `eval_builtin_error` saying why: a policy gateway must not let policies reach
 * the network, and GraphQL / AWS request signing are out of scope.
 */
import type { BuiltinImpl, BuiltinTable } from './builtin.js';
import { builtinError } from './operands.js';

function refuse(name: string, reason: string): BuiltinImpl {
  return () => {
    throw builtinError(name, reason);
  };
}

const NETWORK = 'network access is not permitted';
const NOT_SUPPORTED = 'not supported by this engine';

const refused: [string, string][] = [
  ['http.send', NETWORK],
  ['net.lookup_ip_addr', NETWORK],
  ['providers.aws.sign_req', NOT_SUPPORTED],
  ['graphql.is_valid', NOT_SUPPORTED],
  ['graphql.parse', NOT_SUPPORTED],
  ['graphql.parse_and_verify', NOT_SUPPORTED],
  ['graphql.parse_query', NOT_SUPPORTED],
  ['graphql.parse_schema', NOT_SUPPORTED],
  ['graphql.schema_is_valid', NOT_SUPPORTED],
];

export const builtins: BuiltinTable = Object.fromEntries(refused.map(([name, reason]) => [name, refuse(name, reason)]));
