import type { BlockView, DashboardSnapshot, DashboardUpdate } from "./dashboardSnapshot.js";

/**
 * Applies an update to a snapshot (pure: returns a new snapshot): whole sections replaced, blocks
 * upserted by height (ascending, the highest `limits.blocks` kept), height samples and events
 * appended and trimmed to their limits. The page keeps its state with this.
 */
export function applyDashboardUpdate(s: DashboardSnapshot, u: DashboardUpdate): DashboardSnapshot {
  const next: DashboardSnapshot = { ...s, at: u.at };
  if (u.devnet !== undefined) next.devnet = u.devnet;
  if (u.devnetError !== undefined) next.devnetError = u.devnetError;
  if (u.nodes) next.nodes = u.nodes;
  if (u.validators !== undefined) next.validators = u.validators;
  if (u.consumers) next.consumers = u.consumers;
  if (u.evidence) next.evidence = u.evidence;
  if (u.forkCases) next.forkCases = u.forkCases;
  if (u.blocks && u.blocks.length > 0) next.blocks = upsertBlocks(s.blocks, u.blocks, s.limits.blocks);
  if (u.heightSeries && u.heightSeries.length > 0) next.heightSeries = [...s.heightSeries, ...u.heightSeries].slice(-s.limits.heightSamples);
  if (u.events && u.events.length > 0) next.events = [...s.events, ...u.events].slice(-s.limits.events);
  return next;
}

/** `blocks` with `changed` put in by height, ascending, the highest `limit` kept. */
export function upsertBlocks(blocks: readonly BlockView[], changed: readonly BlockView[], limit: number): BlockView[] {
  const byHeight = new Map(blocks.map((b) => [b.height, b]));
  for (const b of changed) byHeight.set(b.height, b);
  return [...byHeight.values()].sort((a, b) => a.height - b.height).slice(-limit);
}
