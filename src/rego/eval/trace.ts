/**
 * Evaluation traces, as OPA's `--explain` has them (v1/topdown/trace.go): a
 * list of events — Enter (a query, a rule, a closure body starts), Eval (an
 * expression is evaluated), Exit (the query produced a solution), Redo (the
 * search comes back for another solution), Fail (an expression has no
 * solution), Note (`trace(msg)`) — each in a query with an id and the id of
 * the query that started it, which gives the indentation.
 *
 * Only policies compiled with `trace: true` emit events (see
 * `compile/trace.ts`); the closures of an ordinary compile contain no tracing
 * code at all.
 */
import type { Location } from '../errors.js';

export type TraceOp = 'Enter' | 'Exit' | 'Eval' | 'Redo' | 'Fail' | 'Note';

/** What an event is about: a rule (shown by its path), a body (query or closure) or an expression. */
export type TraceNode = 'rule' | 'body' | 'expr';

export interface TraceEvent {
  op: TraceOp;
  node: TraceNode;
  /** The rule's path, or the body's or expression's Rego text. */
  text: string;
  location?: Location;
  queryId: number;
  parentId: number;
  /** A note's message. */
  message?: string;
}

/** Collects the events of one evaluation. */
export class Tracer {
  readonly events: TraceEvent[] = [];
  /** Events beyond `maxEvents` are dropped, and one Note says so. */
  private full = false;
  /** The query the evaluation is in. */
  qid = 0;
  private nextId = 1;
  private readonly parents = new Map<number, number>([[0, 0]]);

  constructor(private readonly maxEvents = Infinity) {}

  private push(event: TraceEvent): void {
    if (this.events.length < this.maxEvents) {
      this.events.push(event);
      return;
    }
    if (this.full) return;
    this.full = true;
    this.events.push({ ...event, op: 'Note', node: 'expr', text: '', message: `trace cut after ${this.maxEvents} events` });
  }

  emit(op: TraceOp, node: TraceNode, text: string, location: Location | undefined): void {
    const event: TraceEvent = { op, node, text, queryId: this.qid, parentId: this.parents.get(this.qid) ?? 0 };
    if (location) event.location = location;
    this.push(event);
  }

  /** Starts a query below the current one; returns the id of the one it came from. */
  open(): number {
    const parent = this.qid;
    const q = this.nextId++;
    this.parents.set(q, parent);
    this.qid = q;
    return parent;
  }

  /** `trace(msg)`. */
  note(message: string, location: Location | undefined): void {
    const event: TraceEvent = { op: 'Note', node: 'expr', text: '', message, queryId: this.qid, parentId: this.parents.get(this.qid) ?? 0 };
    if (location) event.location = location;
    this.push(event);
  }
}
