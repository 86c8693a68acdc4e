export { gossipTopic, requestProtocol } from "@aegis/p2p";

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
