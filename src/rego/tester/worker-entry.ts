/**
 * The test worker (see isolated.ts): rebuilds the suite from the job, then
 * runs tests from `startAt`, announcing each before running it so the main
 * thread can time it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { parseModule } from '../syntax/parser.js';
import { CoverageCollector } from './coverage.js';
import { toWire, type WorkerJob, type WorkerMessage } from './isolated.js';
import { runTest } from './runner.js';
import { compileRunFilter, compileSuite, selectTests, type CompileFn } from './suite.js';

const port = parentPort!;
const job = workerData as WorkerJob;
const send = (m: WorkerMessage): void => port.postMessage(m);

/** The engine module: ours unless the job names another (tests use a scripted one). */
const engineUrl = job.engine ?? new URL(import.meta.url.endsWith('.ts') ? '../index.ts' : '../index.js', import.meta.url).href;

try {
  const { compile } = (await import(engineUrl)) as { compile: CompileFn };
  const suite = compileSuite(compile, parseModule, job.sources, job.compileOptions);
  const tests = selectTests(suite.tests, job.run !== undefined ? compileRunFilter(job.run) : undefined);
  for (let index = job.startAt; index < tests.length; index++) {
    send({ type: 'start', index });
    const collector = job.coverage ? new CoverageCollector() : undefined;
    const result = runTest(suite.policy, tests[index]!, {
      data: job.data,
      timeoutMs: job.timeoutMs,
      ...(collector ? { coverage: collector.record } : {}),
    });
    const hits: [string, number[]][] = collector ? [...collector.hits].map(([file, rows]) => [file, [...rows]]) : [];
    send({ type: 'result', index, result: toWire(result), hits });
  }
  send({ type: 'done', count: tests.length });
} catch (e) {
  send({ type: 'fatal', message: e instanceof Error ? e.message : String(e) });
}
