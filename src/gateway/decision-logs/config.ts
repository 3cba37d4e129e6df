/**
 * `decision_logs:` in OPA's keys (docs/configuration, Decision Logs):
 *
 *   decision_logs:
 *     service: central            # default: the first service (unless console only)
 *     resource: /logs             # where batches are POSTed, below the service URL
 *     console: false              # also write every event to the sidecar's log
 *     reporting:
 *       min_delay_seconds: 300    # between uploads (random in [min, max])
 *       max_delay_seconds: 600
 *       buffer_type: size         # or event
 *       buffer_size_limit_bytes: 67108864   # size buffer; oldest events dropped beyond it
 *       buffer_size_limit_events: 10000     # event buffer
 *       upload_size_limit_bytes: 32768      # gzip'd size of one POST
 *     mask: ["/input/password", {op: upsert, path: /input/token, value: "**"}]
 *
 * Deviations: `mask` is our key (a list of JSON pointers) where OPA evaluates a
 * `mask_decision` policy, which we refuse; the size buffer defaults to 64 MiB
 * (OPA: unlimited) so that a server outage cannot exhaust memory;
 * `max_decisions_per_second`, `drop_decision`, `plugin` and `manual` triggers
 * are refused.
 */
import type { KeyReader } from '../config.js';
import { Section, type Fail } from '../../bundle/config-section.js';
import type { ServiceConfig } from '../../bundle/config.js';
import { parseMask, type MaskRule } from './mask.js';

export interface DecisionLogsConfig {
  /** null: console only. */
  service: ServiceConfig | null;
  resource: string;
  console: boolean;
  minDelaySeconds: number;
  maxDelaySeconds: number;
  bufferType: 'size' | 'event';
  bufferSizeLimitBytes: number;
  bufferSizeLimitEvents: number;
  uploadSizeLimitBytes: number;
  mask: MaskRule[];
}

export const DEFAULT_BUFFER_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;
const MAX_SECONDS = 2_147_483;

/** Null when there is no `decision_logs` section. Throws `ConfigError`. */
export function readDecisionLogsConfig(r: KeyReader, services: ReadonlyMap<string, ServiceConfig>): DecisionLogsConfig | null {
  const fail: Fail = (key, what) => r.fail(key, what);
  const s = Section.of(r.get('decision_logs'), 'decision_logs', fail);
  if (s === undefined) return null;
  for (const refused of ['plugin', 'mask_decision', 'drop_decision', 'partition_name']) {
    if (s.raw(refused) !== undefined) throw s.error(refused, refused === 'mask_decision' ? 'is not supported: list JSON pointers under decision_logs.mask' : 'is not supported');
  }
  const console = s.boolean('console') ?? false;
  let serviceName = s.string('service') ?? '';
  if (serviceName === '' && !console) serviceName = services.keys().next().value ?? '';
  if (serviceName === '' && !console) throw s.error('service', 'is required (no services are configured)');
  const service = serviceName === '' ? null : services.get(serviceName);
  if (service === undefined) throw s.error('service', `names an unknown service ${JSON.stringify(serviceName)}`);

  const rep = s.section('reporting') ?? new Section({}, 'decision_logs.reporting', fail);
  const trigger = rep.string('trigger') ?? 'periodic';
  if (trigger !== 'periodic') throw rep.error('trigger', 'must be periodic');
  if (rep.raw('max_decisions_per_second') !== undefined) throw rep.error('max_decisions_per_second', 'is not supported');
  const min = rep.integer('min_delay_seconds', MAX_SECONDS);
  const max = rep.integer('max_delay_seconds', MAX_SECONDS);
  if ((min === undefined) !== (max === undefined)) throw rep.error(min === undefined ? 'min_delay_seconds' : 'max_delay_seconds', 'is required when the other delay is set');
  if (min !== undefined && max! < min) throw rep.error('max_delay_seconds', 'must be >= min_delay_seconds');
  const bufferType = rep.string('buffer_type') ?? 'size';
  if (bufferType !== 'size' && bufferType !== 'event') throw rep.error('buffer_type', 'must be size or event');
  if (bufferType === 'event' && rep.raw('buffer_size_limit_bytes') !== undefined) throw rep.error('buffer_size_limit_bytes', "isn't supported for the event buffer type");
  if (bufferType === 'size' && rep.raw('buffer_size_limit_events') !== undefined) throw rep.error('buffer_size_limit_events', "isn't supported for the size buffer type");
  const positive = (key: string, dflt: number): number => {
    const v = rep.integer(key);
    if (v === 0) throw rep.error(key, 'must be higher than 0');
    return v ?? dflt;
  };
  return {
    service,
    resource: s.string('resource') ?? '/logs',
    console,
    minDelaySeconds: min ?? 300,
    maxDelaySeconds: max ?? 600,
    bufferType,
    bufferSizeLimitBytes: positive('buffer_size_limit_bytes', DEFAULT_BUFFER_SIZE_LIMIT_BYTES),
    bufferSizeLimitEvents: positive('buffer_size_limit_events', 10_000),
    uploadSizeLimitBytes: positive('upload_size_limit_bytes', 32_768),
    mask: parseMask(s.raw('mask'), (what) => s.error('mask', what)),
  };
}
