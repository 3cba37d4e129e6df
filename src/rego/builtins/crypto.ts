/**
 * `crypto.*` built-ins: digests and HMACs (hex output, as OPA), constant-time
 * comparison, and X.509 / private key parsing (see x509.ts for the certificate
 * object shape).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { BuiltinImpl, BuiltinTable } from './builtin.js';
import { str } from './operands.js';
import { x509Builtins } from './x509.js';

function digest(name: string, algorithm: string): BuiltinImpl {
  return (args) => createHash(algorithm).update(str(name, args, 1), 'utf8').digest('hex');
}

/** `crypto.hmac.<alg>(message, key)`. */
function hmac(name: string, algorithm: string): BuiltinImpl {
  return (args) => {
    const message = str(name, args, 1);
    const key = str(name, args, 2);
    return createHmac(algorithm, Buffer.from(key, 'utf8')).update(message, 'utf8').digest('hex');
  };
}

/** Go's hmac.Equal: constant time for equal lengths; different lengths are simply unequal. */
function hmacEqual(args: Parameters<BuiltinImpl>[0]): boolean {
  const a = Buffer.from(str('crypto.hmac.equal', args, 1), 'utf8');
  const b = Buffer.from(str('crypto.hmac.equal', args, 2), 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

export const builtins: BuiltinTable = {
  'crypto.md5': digest('crypto.md5', 'md5'),
  'crypto.sha1': digest('crypto.sha1', 'sha1'),
  'crypto.sha256': digest('crypto.sha256', 'sha256'),
  'crypto.hmac.md5': hmac('crypto.hmac.md5', 'md5'),
  'crypto.hmac.sha1': hmac('crypto.hmac.sha1', 'sha1'),
  'crypto.hmac.sha256': hmac('crypto.hmac.sha256', 'sha256'),
  'crypto.hmac.sha512': hmac('crypto.hmac.sha512', 'sha512'),
  'crypto.hmac.equal': hmacEqual,
  ...x509Builtins,
};
