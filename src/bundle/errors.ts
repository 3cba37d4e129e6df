/**
 * A bundle that cannot be used: corrupt, oversized, unsigned or wrongly
 * signed, outside its roots... It is a policy load failure (the engine and
 * the reload path report it as such, and the previous policy keeps serving).
 */
import { PolicyLoadError } from '../policy/directory.js';

export class BundleError extends PolicyLoadError {
  override name = 'BundleError';
}
