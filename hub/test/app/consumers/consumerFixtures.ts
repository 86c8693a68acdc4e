/** Shared helpers of the consumers tests: producer keys, checkpoint chains, signed checkpoints. */
import {
  computeCheckpointHash,
  getCheckpointProducerPublicKey,
  signCheckpoint,
  ZERO_CHECKPOINT_HASH,
  type ConsumerCheckpoint,
  type SignedConsumerCheckpoint,
} from "@aegis/consumer-sdk";

export const producerSecret = (i: number): Uint8Array => Uint8Array.from({ length: 32 }, (_, j) => (i * 17 + j * 5 + 3) & 0xff);
export const producerKey = (i: number): Uint8Array => getCheckpointProducerPublicKey(producerSecret(i));
export const fill = (b: number): Uint8Array => new Uint8Array(32).fill(b);

/** Checkpoint `height` of consumer `id` after `parent` (none: the first); `salt` makes a conflicting one. */
export function checkpoint(id: string, height: number, parent: ConsumerCheckpoint | undefined, salt = 0): ConsumerCheckpoint {
  return {
    consumerId: id,
    height,
    blockHash: fill((height * 3 + salt) & 0xff),
    parentCheckpointHash: parent ? computeCheckpointHash(parent) : ZERO_CHECKPOINT_HASH,
    stateRoot: fill((height * 7 + 1 + salt) & 0xff),
  };
}

export function signed(hubChainId: string, cp: ConsumerCheckpoint, producer: number, producerIndex: number): SignedConsumerCheckpoint {
  return { checkpoint: cp, producerIndex, signature: signCheckpoint(producerSecret(producer), hubChainId, cp) };
}
