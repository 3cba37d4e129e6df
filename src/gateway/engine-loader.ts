/**
 * Opens the policy engine for a directory with our Rego compiler.
 * `PolicyEngine.open` never throws for a bad directory (no snapshot +
 * `lastLoadError()`), so a broken policy does not stop the sidecar: it serves
 * fail-closed answers until a reload succeeds.
 */
import { PolicyEngine } from '../policy/engine.js';
import type { PolicyEngineApi } from '../policy/types.js';
import { compile, compileAsync } from '../rego/index.js';

export async function openPolicyEngine(policyDir: string): Promise<PolicyEngineApi> {
  return PolicyEngine.open(policyDir, { compile, compileAsync });
}
