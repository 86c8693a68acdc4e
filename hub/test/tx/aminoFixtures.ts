/**
 * What an amino-only cosmjs client (a Ledger, `Secp256k1HdWallet`) needs for every message the hub
 * takes: a Registry with the hub's codecs, AminoTypes with cosmjs's default converters and
 * consumer-sdk's `createAegisAminoConverters()`, and one or more sample values of each message type
 * (shapes only: nothing here is valid on a chain).
 */
import { Secp256k1HdWallet } from "@cosmjs/amino";
import { toBech32 } from "@cosmjs/encoding";
import { Registry, type EncodeObject, type GeneratedType } from "@cosmjs/proto-signing";
import { AminoTypes, createDefaultAminoConverters, defaultRegistryTypes } from "@cosmjs/stargate";
import { CONSUMER_COSMJS_TYPES, createAegisAminoConverters } from "@aegis/consumer-sdk/hub-tx";
import { MsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import { MsgSetWithdrawAddress, MsgWithdrawDelegatorReward, MsgWithdrawValidatorCommission } from "cosmjs-types/cosmos/distribution/v1beta1/tx";
import { MsgUnjail } from "cosmjs-types/cosmos/slashing/v1beta1/tx";
import { MsgBeginRedelegate, MsgDelegate, MsgUndelegate } from "cosmjs-types/cosmos/staking/v1beta1/tx";
import {
  AegisMsgActivateZk,
  AegisMsgCreateValidator,
  AegisMsgEditValidator,
  AegisMsgPostCommit,
  AegisMsgPostPolka,
  AegisMsgSubmitEvidence,
  AegisMsgSubmitForkEvidence,
  AegisMsgSubmitZkCertificate,
} from "../../src/app/index.js";
import { MNEMONIC } from "./txFixtures.js";

/** The hub's message codecs, beside cosmjs's defaults and MsgUnjail. */
export const AEGIS_REGISTRY_TYPES: [string, GeneratedType][] = [
  [MsgUnjail.typeUrl, MsgUnjail as GeneratedType],
  [AegisMsgCreateValidator.typeUrl, AegisMsgCreateValidator as unknown as GeneratedType],
  [AegisMsgEditValidator.typeUrl, AegisMsgEditValidator as unknown as GeneratedType],
  [AegisMsgSubmitEvidence.typeUrl, AegisMsgSubmitEvidence as unknown as GeneratedType],
  [AegisMsgSubmitForkEvidence.typeUrl, AegisMsgSubmitForkEvidence as unknown as GeneratedType],
  [AegisMsgPostPolka.typeUrl, AegisMsgPostPolka as unknown as GeneratedType],
  [AegisMsgPostCommit.typeUrl, AegisMsgPostCommit as unknown as GeneratedType],
  [AegisMsgSubmitZkCertificate.typeUrl, AegisMsgSubmitZkCertificate as unknown as GeneratedType],
  [AegisMsgActivateZk.typeUrl, AegisMsgActivateZk as unknown as GeneratedType],
  ...(CONSUMER_COSMJS_TYPES as unknown as [string, GeneratedType][]),
];

export function createAegisRegistry(): Registry {
  return new Registry([...defaultRegistryTypes, ...AEGIS_REGISTRY_TYPES]);
}

export function createAegisAminoTypes(): AminoTypes {
  return new AminoTypes({ ...createDefaultAminoConverters(), ...createAegisAminoConverters() });
}

/** The same mnemonic as txFixtures' direct wallet (so the same addresses), amino-only. */
export function aminoWallet(mnemonic = MNEMONIC): Promise<Secp256k1HdWallet> {
  return Secp256k1HdWallet.fromMnemonic(mnemonic, { prefix: "aegis" });
}

const bytes = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (seed * 31 + i * 7) & 0xff);
const acc = (i: number) => toBech32("aegis", bytes(20, i));
const valoper = (i: number) => toBech32("aegisvaloper", bytes(20, i));
const DENOM = "uaeg";

const header = (seed: number) => ({
  chainId: "aegis-amino-1",
  height: 41 + seed,
  time: 1_767_225_600_000 + seed,
  parentHash: bytes(32, seed + 1),
  txRoot: bytes(32, seed + 2),
  stateRoot: bytes(32, seed + 3),
  consumerCheckpointRoot: bytes(32, seed + 4),
  validatorSetRoot: bytes(32, seed + 5),
  nextValidatorSetRoot: bytes(32, seed + 6),
  proposer: bytes(20, seed + 7),
  lastCommitHash: bytes(32, seed + 8),
  evidenceRoot: bytes(32, seed + 9),
});
const certificate = (seed: number, round = 0) => ({ height: 41 + seed, round, blockHash: bytes(32, seed + 10), signers: Uint8Array.of(0b101), signature: bytes(96, seed + 11) });
const zkCertificate = (seed: number) => ({
  circuit: "quorum4",
  chainId: "aegis-amino-1",
  height: 42,
  time: 1_767_225_600_000,
  blockHash: bytes(32, seed + 12),
  validatorSetRoot: 19997141491740115110892353689326344210573267889535364138916114696700753523616n,
  nextValidatorSetRoot: 0n, // a zero field element is still 32 bytes on the wire
  signers: 14n,
  prover: bytes(20, seed + 13),
  proof: bytes(256, seed + 14),
});
const vote = (seed: number, blockHash: Uint8Array | null) => ({ type: 1, height: 9_007_199_254_740_991, round: 3, blockHash, validatorIndex: 2, signature: bytes(96, seed) });
const attestation = (seed: number) => ({
  height: 17,
  time: 1_767_225_600_123,
  blockHash: bytes(32, seed),
  validatorSetRoot: 11n,
  nextValidatorSetRoot: (1n << 255n) + 12n,
  validatorIndex: 0,
  signature: bytes(64, seed + 1),
});
const checkpoint = (seed: number) => ({ consumerId: "evm-1", height: 1000 + seed, blockHash: bytes(32, seed), parentCheckpointHash: bytes(32, seed + 1), stateRoot: bytes(32, seed + 2) });

/** Sample values of every message type the hub takes (several where the amino JSON has cases). */
export function aminoSamples(): Record<string, EncodeObject[]> {
  const one = <T>(typeUrl: string, ...values: T[]): EncodeObject[] => values.map((value) => ({ typeUrl, value }));
  return {
    "/cosmos.bank.v1beta1.MsgSend": one(
      MsgSend.typeUrl,
      MsgSend.fromPartial({ fromAddress: acc(1), toAddress: acc(2), amount: [{ denom: DENOM, amount: "1234" }] }),
      MsgSend.fromPartial({ fromAddress: acc(1), toAddress: acc(2), amount: [{ denom: "uatom", amount: "1" }, { denom: DENOM, amount: "99999999999999999999" }] }),
    ),
    "/cosmos.staking.v1beta1.MsgDelegate": one(MsgDelegate.typeUrl, MsgDelegate.fromPartial({ delegatorAddress: acc(1), validatorAddress: valoper(3), amount: { denom: DENOM, amount: "500" } })),
    "/cosmos.staking.v1beta1.MsgUndelegate": one(MsgUndelegate.typeUrl, MsgUndelegate.fromPartial({ delegatorAddress: acc(1), validatorAddress: valoper(3), amount: { denom: DENOM, amount: "250" } })),
    "/cosmos.staking.v1beta1.MsgBeginRedelegate": one(
      MsgBeginRedelegate.typeUrl,
      MsgBeginRedelegate.fromPartial({ delegatorAddress: acc(1), validatorSrcAddress: valoper(3), validatorDstAddress: valoper(4), amount: { denom: DENOM, amount: "7" } }),
    ),
    "/cosmos.distribution.v1beta1.MsgWithdrawDelegatorReward": one(MsgWithdrawDelegatorReward.typeUrl, MsgWithdrawDelegatorReward.fromPartial({ delegatorAddress: acc(1), validatorAddress: valoper(3) })),
    "/cosmos.distribution.v1beta1.MsgWithdrawValidatorCommission": one(MsgWithdrawValidatorCommission.typeUrl, MsgWithdrawValidatorCommission.fromPartial({ validatorAddress: valoper(3) })),
    "/cosmos.distribution.v1beta1.MsgSetWithdrawAddress": one(MsgSetWithdrawAddress.typeUrl, MsgSetWithdrawAddress.fromPartial({ delegatorAddress: acc(1), withdrawAddress: acc(5) })),
    "/cosmos.slashing.v1beta1.MsgUnjail": one(MsgUnjail.typeUrl, MsgUnjail.fromPartial({ validatorAddr: valoper(3) })),
    "/aegis.staking.v1.MsgCreateValidator": one(
      AegisMsgCreateValidator.typeUrl,
      AegisMsgCreateValidator.fromPartial({
        description: { moniker: "Ledger & <Co>", identity: "", website: "https://example.org/?a=1&b=2", securityContact: "", details: "été 🚀" },
        commission: { rate: "0.1", maxRate: "0.2", maxChangeRate: "0.01" },
        minSelfDelegation: "1",
        delegatorAddress: acc(1),
        validatorAddress: valoper(1),
        value: { denom: DENOM, amount: "10000000" },
        blsPublicKey: bytes(48, 20),
        blsProofOfPossession: bytes(96, 21),
        attestationPublicKey: bytes(32, 22),
        attestationProofOfPossession: bytes(64, 23),
      }),
    ),
    "/aegis.staking.v1.MsgEditValidator": one(
      AegisMsgEditValidator.typeUrl,
      AegisMsgEditValidator.fromPartial({ validatorAddress: valoper(1), commissionRate: "0.15", minSelfDelegation: "" }),
      AegisMsgEditValidator.fromPartial({ description: { moniker: "renamed", identity: "", website: "[do-not-modify]", securityContact: "", details: "" }, validatorAddress: valoper(1), commissionRate: "", minSelfDelegation: "2" }),
    ),
    "/aegis.slashing.v1.MsgSubmitEvidence": one(
      AegisMsgSubmitEvidence.typeUrl,
      { submitter: acc(1), evidence: { voteA: vote(30, bytes(32, 31)), voteB: vote(32, null), time: 1_767_225_600_999 } },
      { submitter: acc(1), evidence: undefined, doubleAttestation: { attestationA: attestation(40), attestationB: attestation(41), time: 5 } },
    ),
    "/aegis.slashing.v1.MsgSubmitForkEvidence": one(
      AegisMsgSubmitForkEvidence.typeUrl,
      { submitter: acc(1), bls: { a: { header: header(0), certificate: certificate(0) }, b: { header: header(1), certificate: certificate(1, 2) } } },
      { submitter: acc(1), zk: { a: zkCertificate(0), b: zkCertificate(1) } },
      { submitter: acc(1), mixed: { bls: { header: header(2), certificate: certificate(2) }, zk: zkCertificate(3) } },
    ),
    "/aegis.slashing.v1.MsgPostPolka": one(AegisMsgPostPolka.typeUrl, { submitter: acc(2), polka: certificate(5, 1) }),
    "/aegis.slashing.v1.MsgPostCommit": one(AegisMsgPostCommit.typeUrl, { submitter: acc(2), commit: certificate(6, 0) }),
    "/aegis.consumers.v1.MsgRegisterConsumer": one("/aegis.consumers.v1.MsgRegisterConsumer", {
      owner: acc(1),
      consumerId: "evm-1",
      vm: "evm",
      genesisHash: bytes(32, 50),
      producerKeys: [bytes(32, 51), bytes(32, 52)],
      bond: { denom: DENOM, amount: "1000000" },
    }),
    "/aegis.consumers.v1.MsgUpdateConsumer": one(
      "/aegis.consumers.v1.MsgUpdateConsumer",
      { owner: acc(1), consumerId: "evm-1", producerKeys: [bytes(32, 53)], vm: "" },
      { owner: acc(1), consumerId: "evm-1", producerKeys: [], vm: "wasm" },
    ),
    "/aegis.consumers.v1.MsgDeregisterConsumer": one("/aegis.consumers.v1.MsgDeregisterConsumer", { owner: acc(1), consumerId: "evm-1" }),
    "/aegis.consumers.v1.MsgSubmitCheckpoint": one(
      "/aegis.consumers.v1.MsgSubmitCheckpoint",
      { relayer: acc(2), checkpoint: checkpoint(60), producerIndex: 0, signature: bytes(64, 61) },
      { relayer: acc(2), checkpoint: checkpoint(62), producerIndex: 3, signature: bytes(64, 63) },
    ),
    "/aegis.consumers.v1.MsgSubmitConsumerEvidence": one("/aegis.consumers.v1.MsgSubmitConsumerEvidence", {
      submitter: acc(2),
      a: { checkpoint: checkpoint(70), producerIndex: 1, signature: bytes(64, 71) },
      b: { checkpoint: checkpoint(72), producerIndex: 1, signature: bytes(64, 73) },
    }),
    "/aegis.zk.v1.MsgSubmitZkCertificate": one(AegisMsgSubmitZkCertificate.typeUrl, { submitter: acc(2), certificate: zkCertificate(80) }),
    "/aegis.zk.v1.MsgActivateZk": one(AegisMsgActivateZk.typeUrl, { authority: acc(9), circuit: "quorum4", verificationKeyJson: JSON.stringify({ protocol: "groth16", note: "a<b & c>d" }) }),
  };
}
