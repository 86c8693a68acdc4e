export type GossipKind = "proposal" | "vote" | "tx" | "evidence" | "attestation" | "attestation-evidence" | "certificate" | "checkpoint";

export const GOSSIP_KINDS: readonly GossipKind[] = Object.freeze([
  "proposal",
  "vote",
  "tx",
  "evidence",
  "attestation",
  // Double-attestation evidence (DoubleAttestationEvidence); "evidence" carries duplicate votes.
  "attestation-evidence",
  "certificate",
  "checkpoint",
]);

/** Gossipsub topic for a message kind: `/aegis/<chainId>/<kind>/1`. */
export function gossipTopic(chainId: string, kind: GossipKind): string {
  return `/aegis/${chainId}/${kind}/1`;
}

/** Request/response protocol id: `/aegis/<chainId>/<name>/1`. */
export function requestProtocol(chainId: string, name: string): string {
  return `/aegis/${chainId}/${name}/1`;
}
