/**
 * The evaluation worker (see eval-pool.ts): compiles the snapshots it is sent,
 * exactly as the engine compiled them, and evaluates decisions and Data API
 * queries against them within the deadline and budgets each task carries.
 */
import { parentPort } from 'node:worker_threads';
import { CompileCache, compile } from '../rego/index.js';
import { toJSONText, type JsonObject } from '../rego/value.js';
import type { PolicyDirectory } from './directory.js';
import { DOMAIN_SPECS } from './domains/index.js';
import { toWire, type FromWorker, type ToWorker } from './eval-pool.js';
import { buildSnapshot, firstValue, preparePathQuery, type PolicySnapshot } from './snapshot.js';

const port = parentPort!;
const snapshots = new Map<string, PolicySnapshot>();
/** As the engine's: each new revision parses and compiles only what changed since the last one. */
const compileCache = new CompileCache();
const send = (m: FromWorker): void => port.postMessage(m);

function load(m: Extract<ToWorker, { type: 'load' }>): void {
  try {
    const dir: PolicyDirectory = {
      policyDir: m.regoDir,
      regoDir: m.regoDir,
      modules: m.modules,
      data: m.data as JsonObject,
      dataKeys: [],
      shadowedKeys: [],
      files: [],
    };
    snapshots.set(m.revision, buildSnapshot(dir, compile, m.revision, new Date(), compileCache));
    send({ type: 'loaded', revision: m.revision });
  } catch (e) {
    send({ type: 'load_failed', revision: m.revision, message: e instanceof Error ? e.message : String(e) });
  }
}

function evaluate(m: Extract<ToWorker, { type: 'eval' }>): void {
  const snapshot = snapshots.get(m.revision);
  try {
    if (!snapshot) throw new Error(`revision ${m.revision.slice(0, 12)} is not loaded in the evaluation worker`);
    const job = m.job;
    const common = { data: snapshot.data, deadline: m.deadline, budgets: m.budgets };
    if (job.kind === 'domain') {
      const values = snapshot.domainQueries[job.domain]({ ...common, input: job.input, strictBuiltinErrors: true });
      send({ type: 'result', id: m.id, ok: true, output: DOMAIN_SPECS[job.domain].readOutput(values) });
    } else {
      const v = firstValue(preparePathQuery(snapshot, job.path), job.input === undefined ? common : { ...common, input: job.input });
      // OPA's JSON of the value (sets, non-string keys, big numbers) travels as text.
      send({ type: 'result', id: m.id, ok: true, output: v === undefined ? undefined : toJSONText(v) });
    }
  } catch (e) {
    send({ type: 'result', id: m.id, ok: false, error: toWire(e) });
  }
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'load') load(m);
  else if (m.type === 'drop') snapshots.delete(m.revision);
  else evaluate(m);
});
