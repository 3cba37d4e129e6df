/**
 * Guardrail inspection: ask the LLM judge (through the verdict cache) about a
 * prompt, completion or tool call, and fold its verdicts into one scanner
 * result that the guardrail policy then decides on.
 */
import { VerdictCache, type JudgeVerdict } from './cache.js';
import { JudgeDeadline, JudgeError, type JudgeClient, type JudgeKind } from './client.js';

export type InspectDirection = 'prompt' | 'completion' | 'tool_call';

export interface InspectRequest {
  direction: InspectDirection;
  content: string;
  model?: string;
  tool_name?: string;
}

export type JudgeOutcome =
  | { consulted: false }
  | { consulted: true; failed: false; verdict: JudgeVerdict; cacheHits: number; kinds: number }
  | { consulted: true; failed: true; error: string };

/** Which checks run for each direction (the original's kinds). */
export const KINDS_BY_DIRECTION: Record<InspectDirection, JudgeKind[]> = {
  prompt: ['injection', 'pii'],
  completion: ['pii'],
  tool_call: ['tool_injection'],
};

const SEVERITY_RANK: Record<string, number> = { NONE: 0, LOW: 1, MEDIUM: 2, HIGH: 3, CRITICAL: 4 };
const ACTION_RANK: Record<string, number> = { allow: 0, alert: 1, block: 2 };

export class Inspector {
  constructor(
    private readonly judge: JudgeClient | null,
    readonly cache: VerdictCache,
  ) {}

  get configured(): boolean {
    return this.judge !== null;
  }

  async run(req: InspectRequest): Promise<JudgeOutcome> {
    if (this.judge === null) return { consulted: false };
    const model = req.model ?? this.judge.config.model;
    // Tool calls are judged on the tool name and its arguments together.
    const content = req.direction === 'tool_call' ? `${req.tool_name ?? ''}\0${req.content}` : req.content;
    const verdicts: JudgeVerdict[] = [];
    let cacheHits = 0;
    // One deadline for the whole inspection, however many calls it takes.
    const deadline = new JudgeDeadline(this.judge.config.timeoutMs);
    try {
      for (const kind of KINDS_BY_DIRECTION[req.direction]) {
        const key = VerdictCache.key(kind, model, req.direction, content);
        let v = this.cache.get(key);
        if (v) cacheHits++;
        else {
          const generation = this.cache.generation;
          v = await this.judge.judge(kind, req.direction, content, deadline);
          this.cache.set(key, v, generation);
        }
        verdicts.push(v);
      }
    } catch (err) {
      if (err instanceof JudgeError) return { consulted: true, failed: true, error: err.message };
      throw err;
    }
    return { consulted: true, failed: false, verdict: combine(verdicts), cacheHits, kinds: verdicts.length };
  }
}

/** The most severe verdict wins; reasons and findings are kept from all. */
export function combine(verdicts: JudgeVerdict[]): JudgeVerdict {
  let action = 'allow';
  let severity = 'NONE';
  const reasons: string[] = [];
  const findings: string[] = [];
  for (const v of verdicts) {
    if ((ACTION_RANK[v.action] ?? 0) > (ACTION_RANK[action] ?? 0)) action = v.action;
    if ((SEVERITY_RANK[v.severity] ?? 0) > (SEVERITY_RANK[severity] ?? 0)) severity = v.severity;
    if (v.reason) reasons.push(v.reason);
    findings.push(...v.findings);
  }
  return { action, severity, reason: reasons.join('; '), findings };
}
