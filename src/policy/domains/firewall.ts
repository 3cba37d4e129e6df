/** Firewall: may an agent connect to this destination and port (spec 2.3)? */
import { PolicyInputError, type FirewallOutput } from '../types.js';
import { stringOutput } from './coerce.js';
import { outputOf, type DomainSpec } from './domain.js';
import { optInteger, optString, requireObject } from './fields.js';

export interface FirewallInput {
  target_type: string;
  destination: string;
  port: number;
  protocol: string;
}

export function parseFirewallInput(raw: unknown): FirewallInput {
  const o = requireObject(raw, 'input');
  const destination = optString(o, 'destination', 'input') ?? '';
  if (destination.trim() === '') throw new PolicyInputError('destination is required');
  return {
    target_type: optString(o, 'target_type', 'input') ?? '',
    destination,
    port: optInteger(o, 'port', 'input') ?? 0,
    protocol: optString(o, 'protocol', 'input') ?? '',
  };
}

export const firewallDomain: DomainSpec<FirewallInput, FirewallOutput> = {
  name: 'firewall',
  // The bundled firewall policy's own defaults.
  failClosed: () => ({ action: 'deny', rule_name: 'default-deny' }),
  parseInput: parseFirewallInput,
  ...outputOf<FirewallOutput>({ action: stringOutput, rule_name: stringOutput }),
};
