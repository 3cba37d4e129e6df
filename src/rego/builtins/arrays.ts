/** Array built-ins: array.concat, array.slice, array.reverse, array.flatten. */
import type { BuiltinTable } from './builtin.js';
import { arr, int } from './operands.js';
import type { Value } from '../value.js';

/** `array.slice` clamps both indexes into the array, and start to at most stop (OPA). */
function slice(args: Value[]): Value {
  const a = arr('array.slice', args, 1);
  let start = int('array.slice', args, 2);
  let stop = int('array.slice', args, 3);
  if (stop < 0) stop = 0;
  else if (stop > a.length) stop = a.length;
  if (start < 0) start = 0;
  else if (start > stop) start = stop;
  return a.slice(start, stop);
}

/** Flattens one level: members that are arrays are spliced in, others kept. */
function flatten(args: Value[]): Value {
  const a = arr('array.flatten', args, 1);
  const out: Value[] = [];
  for (const x of a) {
    if (Array.isArray(x)) for (const y of x) out.push(y);
    else out.push(x);
  }
  return out;
}

export const builtins: BuiltinTable = {
  'array.concat': (args, ctx) => {
    const a = arr('array.concat', args, 1);
    const b = arr('array.concat', args, 2);
    ctx.grow?.(a.length + b.length);
    return a.concat(b);
  },
  'array.slice': slice,
  'array.reverse': (args) => arr('array.reverse', args, 1).slice().reverse(),
  'array.flatten': flatten,
};
