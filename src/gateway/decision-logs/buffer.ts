/**
 * The bounded buffer of encoded decision events waiting for upload. Over its
 * limit (bytes of encoded JSON for the `size` type, events for the `event`
 * type) the oldest events are dropped, and the drop is reported, as OPA's
 * `decision_logs_dropped_buffer_size_limit_*_exceeded` counters.
 */

export interface BufferLimits {
  type: 'size' | 'event';
  bytes: number;
  events: number;
}

interface Item {
  json: string;
  bytes: number;
}

const CONSUMED: Item = { json: '', bytes: 0 };

export class EventBuffer {
  private items: Item[] = [];
  private head = 0;
  private bytes = 0;

  constructor(
    private readonly limits: BufferLimits,
    private readonly onDrop: (reason: string, events: number) => void,
  ) {}

  get length(): number {
    return this.items.length - this.head;
  }

  get size(): number {
    return this.bytes;
  }

  /** Adds an encoded event at the back (newest); drops from the front to stay within the limit. */
  push(json: string): void {
    const bytes = Buffer.byteLength(json, 'utf8');
    this.items.push({ json, bytes });
    this.bytes += bytes;
    this.enforce();
  }

  /** Puts events that failed to upload back at the front (they are the oldest); the limit still holds. */
  unshift(events: readonly string[]): void {
    this.compact();
    const back = events.map((json) => ({ json, bytes: Buffer.byteLength(json, 'utf8') }));
    this.items = [...back, ...this.items.slice(this.head)];
    this.head = 0;
    for (const e of back) this.bytes += e.bytes;
    this.enforce();
  }

  /** Removes and returns up to `maxEvents` events, oldest first, of at most `maxBytes` encoded bytes (at least one). */
  take(maxEvents: number, maxBytes: number): string[] {
    const out: string[] = [];
    let bytes = 0;
    while (this.head < this.items.length && out.length < maxEvents) {
      const next = this.items[this.head]!;
      if (out.length > 0 && bytes + next.bytes > maxBytes) break;
      out.push(next.json);
      bytes += next.bytes;
      this.items[this.head++] = CONSUMED;
      this.bytes -= next.bytes;
    }
    this.compact();
    return out;
  }

  private enforce(): void {
    const { type } = this.limits;
    let dropped = 0;
    while (this.length > 0 && (type === 'size' ? this.bytes > this.limits.bytes : this.length > this.limits.events)) {
      this.bytes -= this.items[this.head]!.bytes;
      this.items[this.head++] = CONSUMED;
      dropped++;
    }
    if (dropped > 0) {
      this.compact();
      this.onDrop(type === 'size' ? 'buffer_size_limit_bytes_exceeded' : 'buffer_size_limit_events_exceeded', dropped);
    }
  }

  /** Reclaims the consumed front once it is a good part of the array. */
  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    } else if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    }
  }
}
