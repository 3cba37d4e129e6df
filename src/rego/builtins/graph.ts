import type { BuiltinTable } from './builtin.js';

/** Not yet written: this namespace's built-ins. */
export const builtins: BuiltinTable = {};
