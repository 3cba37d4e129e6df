/**
 * Built-ins this engine deliberately does not provide. They stay registered (so
 * policies that mention them compile, as with OPA) but every call fails with an
 * `eval_builtin_error` saying why: a policy gateway must not let policies reach
 * the network, and GraphQL / AWS request signing are out of scope.
 */
import { RegoSet, objectKeys } from '../value.js';
import { BuiltinError, type BuiltinImpl, type BuiltinTable } from './builtin.js';
import { builtinError, obj } from './operands.js';
import { formatValue } from './sprintf.js';

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

/** The request keys OPA's `http.send` accepts, and those it requires. */
const HTTP_SEND_KEYS = new Set([
  'body', 'cache', 'cache_ignored_headers', 'caching_mode', 'enable_redirect', 'force_cache', 'force_cache_duration_seconds',
  'force_json_decode', 'force_yaml_decode', 'headers', 'max_retry_attempts', 'method', 'raise_error', 'raw_body', 'timeout',
  'tls_ca_cert', 'tls_ca_cert_env_variable', 'tls_ca_cert_file', 'tls_client_cert', 'tls_client_cert_env_variable',
  'tls_client_cert_file', 'tls_client_key', 'tls_client_key_env_variable', 'tls_client_key_file', 'tls_insecure_skip_verify',
  'tls_server_name', 'tls_use_system_certs', 'url',
]);
const HTTP_SEND_REQUIRED = ['method', 'url'];

/**
 * OPA validates the request object before anything else (its errors are what
 * policies see first); only a well-formed request reaches the network refusal.
 */
const httpSend: BuiltinImpl = (args) => {
  const name = 'http.send';
  const keys = objectKeys(obj(name, args, 1));
  const invalid = keys.filter((k) => typeof k !== 'string' || !HTTP_SEND_KEYS.has(k));
  if (invalid.length > 0) throw new BuiltinError('eval_type_error', `${name}: operand 1 invalid request parameters(s): ${formatValue(new RegoSet(invalid))}`);
  const missing = HTTP_SEND_REQUIRED.filter((k) => !keys.includes(k));
  if (missing.length > 0) throw new BuiltinError('eval_type_error', `${name}: operand 1 missing required request parameters(s): ${formatValue(new RegoSet(missing))}`);
  throw builtinError(name, NETWORK);
};

export const builtins: BuiltinTable = {
  ...Object.fromEntries(refused.filter(([name]) => name !== 'http.send').map(([name, reason]) => [name, refuse(name, reason)])),
  'http.send': httpSend,
};
