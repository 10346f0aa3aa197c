/**
 * The event type of a table's letter: sc_dead_letters keeps none of its own, so the letter's value
 * is decoded with the envelope of its group in the specs (the type the engine would route it by).
 * None for a group the specs do not have, or a value that does not decode.
 */
import type { Plan } from '../../compile/plan.js';
import { isRegistryFormat } from '../apply/formats/index.js';
import { isBad, type Decoder } from '../apply/message.js';
import { groupRoutes } from '../apply/routes.js';
import { letterGroup, letterMessage, type StoredLetter } from './letter.js';
import type { TypeOf } from './table-letters.js';
import { dlqTopic } from '../outputs/dead-letters/index.js';

export function letterTypes(plan: Plan | undefined): TypeOf {
  const decoders = new Map<string, Decoder | undefined>();
  return (l: StoredLetter) => {
    if (plan === undefined) return null;
    const group = letterGroup(l.group);
    if (!decoders.has(group)) decoders.set(group, plan.groups.some((g) => g.group === group) && !readsRegistry(plan, group) ? groupRoutes(plan, group).decode : undefined);
    // A registry format's group has none here: its values need their schemas fetched first
    // (dead-letters show decodes them: runtime/registry/letter-value.ts).
    const decode = decoders.get(group);
    if (decode === undefined) return null;
    const d = decode(letterMessage(l));
    return isBad(d) ? null : d.type ?? null;
  };
}

function readsRegistry(plan: Plan, group: string): boolean {
  const p = plan.projections.find((x) => x.group === group);
  return isRegistryFormat(p?.valueFormat ?? 'json') || isRegistryFormat(p?.keyFormat ?? 'string');
}

/** The `.dlq` topics of the specs' source topics (or of the one `--topic` names). */
export function dlqTopicsOf(plan: Plan | undefined, topic: string | undefined): string[] {
  if (topic !== undefined) return [dlqTopic(topic)];
  return [...new Set((plan?.groups ?? []).flatMap((g) => g.topics))].map(dlqTopic);
}
