/**
 * A synthetic signed hub chain for tests: real BLS keys (fixed seeds), validator sets, headers chained
 * by parent hash whose validatorSetRoot / nextValidatorSetRoot name the set of their epoch, and commit
 * certificates with real aggregate signatures. Shared by the SDK's light-client tests and the consumer
 * runtime's hub-follower tests (which serve it through fake hub nodes).
 */
import {
  blsAggregateSignatures,
  blsSign,
  computeBlockHash,
  computeValidatorSetRoot,
  computeVoteSignBytes,
  createBlsKeyPair,
  createSignerBitmap,
  createValidatorSet,
  toHex,
  VoteType,
  ZERO_HASH,
  type BlockHeader,
  type CommitCertificate,
  type ValidatorSet,
} from "../../src/index.js";

export const fill = (b: number): Uint8Array => new Uint8Array(32).fill(b);

/** The validators' BLS keys (seeds 1..10). */
export const hubKeys = Array.from({ length: 10 }, (_, i) => createBlsKeyPair(fill(i + 1)));
/** Keys outside every set built from `hubKeys` (seeds 100..107): what a forger signs with. */
export const outsiderKeys = Array.from({ length: 8 }, (_, i) => createBlsKeyPair(fill(i + 100)));
const secretOf = new Map([...hubKeys, ...outsiderKeys].map((k) => [toHex(k.publicKey), k.secretKey]));

/** A validator set of `members` (keys of `hubKeys` or `outsiderKeys`) with `powers[j]` for `members[j]`. */
export function makeValidatorSet(members: readonly { publicKey: Uint8Array }[], powers: readonly bigint[]): ValidatorSet {
  return createValidatorSet(
    members.map((k, j) => ({ blsPublicKey: k.publicKey, power: powers[j]! })),
    { skipProofOfPossession: true },
  );
}

export interface SignCommitOptions {
  chainId: string;
  /** Indices into `set` (default: every validator). */
  signers?: number[];
  /** Signer i signs with `outsiderKeys[i]` instead of its own key. */
  forge?: boolean;
  /** The precommits' round (default 0). */
  round?: number;
}

/** A commit certificate of `signers` of `set` over `blockHash` at `height` (round `o.round`, default 0) on `chainId`. */
export function signCommit(set: ValidatorSet, height: number, blockHash: Uint8Array, o: SignCommitOptions): CommitCertificate {
  const signers = o.signers ?? set.validators.map((_, i) => i);
  const round = o.round ?? 0;
  const msg = computeVoteSignBytes({ chainId: o.chainId, height, round, type: VoteType.Precommit, blockHash });
  const secret = (i: number) => (o.forge ? outsiderKeys[i]!.secretKey : secretOf.get(toHex(set.validators[i]!.blsPublicKey))!);
  const signature = blsAggregateSignatures(signers.map((i) => blsSign(secret(i), msg)));
  return { height, round, blockHash, signers: createSignerBitmap(set.validators.length, signers), signature };
}

export interface HubChainSpec {
  chainId: string;
  /** Height h has time genesisTime + h * blockTimeMs. */
  genesisTime: number;
  blockTimeMs?: number;
  /** The set that signs height h (h ≥ 1); header h names setAt(h + 1) as its next set. */
  setAt: (height: number) => ValidatorSet;
  /** Fields of header h that differ from the defaults (e.g. its consumerCheckpointRoot). */
  fieldsAt?: (height: number) => Partial<BlockHeader>;
}

export interface HubChain {
  readonly spec: HubChainSpec;
  /** Indexed by height (index 0 unused). */
  readonly headers: BlockHeader[];
  /** The honest certificate of each header, signed by every validator of its set. */
  readonly certs: CommitCertificate[];
  timeOf(height: number): number;
  hashOf(height: number): Uint8Array;
  /** A header at `height` on `parentHash` with the defaults, `fieldsAt(height)`, then `over`. */
  makeHeader(height: number, parentHash: Uint8Array, over?: Partial<BlockHeader>): BlockHeader;
  /** signCommit on this chain (other chain id, signers or forging through `o`). */
  sign(set: ValidatorSet, height: number, blockHash: Uint8Array, o?: Partial<SignCommitOptions>): CommitCertificate;
}

/** Heights 1..`height` of the chain `spec` describes, each certified by its set. */
export function buildHubChain(spec: HubChainSpec, height: number): HubChain {
  const blockTimeMs = spec.blockTimeMs ?? 1000;
  const timeOf = (h: number) => spec.genesisTime + h * blockTimeMs;
  const makeHeader = (h: number, parentHash: Uint8Array, over: Partial<BlockHeader> = {}): BlockHeader => ({
    chainId: spec.chainId,
    height: h,
    time: timeOf(h),
    parentHash,
    txRoot: fill(1),
    stateRoot: fill(h),
    consumerCheckpointRoot: fill(2),
    validatorSetRoot: computeValidatorSetRoot(spec.setAt(h)),
    nextValidatorSetRoot: computeValidatorSetRoot(spec.setAt(h + 1)),
    proposer: new Uint8Array(20).fill(h),
    lastCommitHash: h === 1 ? ZERO_HASH : fill(3),
    evidenceRoot: fill(4),
    ...spec.fieldsAt?.(h),
    ...over,
  });
  const sign = (set: ValidatorSet, h: number, blockHash: Uint8Array, o: Partial<SignCommitOptions> = {}) => signCommit(set, h, blockHash, { chainId: spec.chainId, ...o });
  const headers: BlockHeader[] = [];
  const certs: CommitCertificate[] = [];
  for (let h = 1; h <= height; h++) {
    headers[h] = makeHeader(h, h === 1 ? ZERO_HASH : computeBlockHash(headers[h - 1]!));
    certs[h] = sign(spec.setAt(h), h, computeBlockHash(headers[h]!));
  }
  return { spec, headers, certs, timeOf, hashOf: (h) => computeBlockHash(headers[h]!), makeHeader, sign };
}
