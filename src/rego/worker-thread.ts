/**
 * Starting a worker thread from one of our modules, built or not: from `dist/`
 * the worker runs the compiled `.js` beside the caller; under tsx (tests,
 * development) Node 20 does not carry the TypeScript loader into workers, so
 * the worker first registers tsx itself, then imports the `.ts` module.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** `name` (without extension) beside the module at `base` (the caller's `import.meta.url`), in the caller's flavour. */
export function siblingModule(base: string, name: string): URL {
  return new URL(base.endsWith('.ts') ? `./${name}.ts` : `./${name}.js`, base);
}

export function startModuleWorker(url: URL, options: WorkerOptions = {}): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, options);
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(boot, { ...options, eval: true });
}
