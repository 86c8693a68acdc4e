import { aegis } from "@aegis/proto";
import { BLS_PUBLIC_KEY_LENGTH, BLS_SIGNATURE_LENGTH, computeValidatorAddress, isValidBlsProofOfPossession } from "@aegis/consumer-sdk";
import { BinaryWriter } from "cosmjs-types/binary";
import { ATTESTATION_PUBLIC_KEY_LENGTH, ATTESTATION_SIGNATURE_LENGTH } from "../../../attestation/index.js";
import { Coin as CosmosCoin } from "cosmjs-types/cosmos/base/v1beta1/coin";
import { CommissionRates as CosmosCommissionRates, Description as CosmosDescription, type Description } from "cosmjs-types/cosmos/staking/v1beta1/staking";

/**
 * The hub-specific staking messages (proto/src/aegis/staking/v1/tx.proto) in domain form, with
 * codecs shaped like cosmjs-types' (`encode(m, writer?)`, `decode`, `fromPartial`), so a cosmjs
 * Registry takes them: `new Registry([...defaultRegistryTypes, [AegisMsgCreateValidator.typeUrl, AegisMsgCreateValidator]])`.
 */
export const MSG_CREATE_VALIDATOR_TYPE_URL = "/aegis.staking.v1.MsgCreateValidator";
export const MSG_CREATE_VALIDATOR_RESPONSE_TYPE_URL = "/aegis.staking.v1.MsgCreateValidatorResponse";
export const MSG_EDIT_VALIDATOR_TYPE_URL = "/aegis.staking.v1.MsgEditValidator";
export const MSG_EDIT_VALIDATOR_RESPONSE_TYPE_URL = "/aegis.staking.v1.MsgEditValidatorResponse";

/** A BabyJubJub (EdDSA-Poseidon) proof of possession is one signature, R8 || S. */
export const ATTESTATION_PROOF_OF_POSSESSION_LENGTH = ATTESTATION_SIGNATURE_LENGTH;

export interface CommissionRatesInput {
  /** Dec strings: atomics ("100000000000000000") or with a point ("0.1"). */
  rate: string;
  maxRate: string;
  maxChangeRate: string;
}

export interface MsgCreateValidator {
  description: Description;
  commission: CommissionRatesInput;
  /** Int string. */
  minSelfDelegation: string;
  /** aegis1… */
  delegatorAddress: string;
  /** aegisvaloper…, same 20 bytes. */
  validatorAddress: string;
  value: { denom: string; amount: string };
  blsPublicKey: Uint8Array;
  blsProofOfPossession: Uint8Array;
  attestationPublicKey: Uint8Array;
  attestationProofOfPossession: Uint8Array;
}

export interface MsgEditValidator {
  /** undefined: unchanged; a field "[do-not-modify]": unchanged. */
  description?: Description;
  validatorAddress: string;
  /** Dec string; "" = unchanged. */
  commissionRate: string;
  /** Int string; "" = unchanged. */
  minSelfDelegation: string;
}

const EMPTY_DESCRIPTION: Description = { moniker: "", identity: "", website: "", securityContact: "", details: "" };

function descriptionFromProto(d: aegis.staking.v1.Description.$Properties | null | undefined): Description | undefined {
  if (!d) return undefined;
  return { moniker: d.moniker ?? "", identity: d.identity ?? "", website: d.website ?? "", securityContact: d.security_contact ?? "", details: d.details ?? "" };
}

const bytes = (b: Uint8Array | null | undefined) => new Uint8Array(b ?? []);

function createValidatorFromPartial(p: Partial<MsgCreateValidator>): MsgCreateValidator {
  return {
    description: { ...EMPTY_DESCRIPTION, ...(p.description ?? {}) },
    commission: { rate: p.commission?.rate ?? "", maxRate: p.commission?.maxRate ?? "", maxChangeRate: p.commission?.maxChangeRate ?? "" },
    minSelfDelegation: p.minSelfDelegation ?? "",
    delegatorAddress: p.delegatorAddress ?? "",
    validatorAddress: p.validatorAddress ?? "",
    value: { denom: p.value?.denom ?? "", amount: p.value?.amount ?? "" },
    blsPublicKey: bytes(p.blsPublicKey),
    blsProofOfPossession: bytes(p.blsProofOfPossession),
    attestationPublicKey: bytes(p.attestationPublicKey),
    attestationProofOfPossession: bytes(p.attestationProofOfPossession),
  };
}

/**
 * Codec of /aegis.staking.v1.MsgCreateValidator in the cosmjs-types (Telescope) shape: encode writes
 * the same bytes as the protobufjs code generated from tx.proto; decode uses that code.
 */
export const AegisMsgCreateValidator = {
  typeUrl: MSG_CREATE_VALIDATOR_TYPE_URL,
  encode(m: MsgCreateValidator, writer: BinaryWriter = BinaryWriter.create()): BinaryWriter {
    CosmosDescription.encode(m.description, writer.uint32(10).fork()).ldelim();
    CosmosCommissionRates.encode(m.commission, writer.uint32(18).fork()).ldelim();
    if (m.minSelfDelegation !== "") writer.uint32(26).string(m.minSelfDelegation);
    if (m.delegatorAddress !== "") writer.uint32(34).string(m.delegatorAddress);
    if (m.validatorAddress !== "") writer.uint32(42).string(m.validatorAddress);
    CosmosCoin.encode(m.value, writer.uint32(58).fork()).ldelim();
    if (m.blsPublicKey.length > 0) writer.uint32(66).bytes(m.blsPublicKey);
    if (m.blsProofOfPossession.length > 0) writer.uint32(74).bytes(m.blsProofOfPossession);
    if (m.attestationPublicKey.length > 0) writer.uint32(82).bytes(m.attestationPublicKey);
    if (m.attestationProofOfPossession.length > 0) writer.uint32(90).bytes(m.attestationProofOfPossession);
    return writer;
  },
  decode(input: Uint8Array): MsgCreateValidator {
    const m = aegis.staking.v1.MsgCreateValidator.decode(input);
    return {
      description: descriptionFromProto(m.description) ?? { ...EMPTY_DESCRIPTION },
      commission: { rate: m.commission?.rate ?? "", maxRate: m.commission?.max_rate ?? "", maxChangeRate: m.commission?.max_change_rate ?? "" },
      minSelfDelegation: m.min_self_delegation,
      delegatorAddress: m.delegator_address,
      validatorAddress: m.validator_address,
      value: { denom: m.value?.denom ?? "", amount: m.value?.amount ?? "" },
      blsPublicKey: bytes(m.bls_public_key),
      blsProofOfPossession: bytes(m.bls_proof_of_possession),
      attestationPublicKey: bytes(m.attestation_public_key),
      attestationProofOfPossession: bytes(m.attestation_proof_of_possession),
    };
  },
  fromPartial: createValidatorFromPartial,
};

/** Codec of /aegis.staking.v1.MsgEditValidator (cosmjs-types shape, as AegisMsgCreateValidator). */
export const AegisMsgEditValidator = {
  typeUrl: MSG_EDIT_VALIDATOR_TYPE_URL,
  encode(m: MsgEditValidator, writer: BinaryWriter = BinaryWriter.create()): BinaryWriter {
    if (m.description !== undefined) CosmosDescription.encode(m.description, writer.uint32(10).fork()).ldelim();
    if (m.validatorAddress !== "") writer.uint32(18).string(m.validatorAddress);
    if (m.commissionRate !== "") writer.uint32(26).string(m.commissionRate);
    if (m.minSelfDelegation !== "") writer.uint32(34).string(m.minSelfDelegation);
    return writer;
  },
  decode(input: Uint8Array): MsgEditValidator {
    const m = aegis.staking.v1.MsgEditValidator.decode(input);
    return {
      description: descriptionFromProto(m.description),
      validatorAddress: m.validator_address,
      commissionRate: m.commission_rate,
      minSelfDelegation: m.min_self_delegation,
    };
  },
  fromPartial(p: Partial<MsgEditValidator>): MsgEditValidator {
    return {
      description: p.description ? { ...EMPTY_DESCRIPTION, ...p.description } : undefined,
      validatorAddress: p.validatorAddress ?? "",
      commissionRate: p.commissionRate ?? "",
      minSelfDelegation: p.minSelfDelegation ?? "",
    };
  },
};

type Empty = Record<string, never>;
function emptyMessage(typeUrl: string, decodeFn: (b: Uint8Array) => unknown) {
  return {
    typeUrl,
    encode: (_m: Empty = {}, writer: BinaryWriter = BinaryWriter.create()): BinaryWriter => writer,
    decode: (input: Uint8Array): Empty => (decodeFn(input), {}),
    fromPartial: (_p: Empty = {}): Empty => ({}),
  };
}

export const AegisMsgCreateValidatorResponse = emptyMessage(MSG_CREATE_VALIDATOR_RESPONSE_TYPE_URL, (b) => aegis.staking.v1.MsgCreateValidatorResponse.decode(b));
export const AegisMsgEditValidatorResponse = emptyMessage(MSG_EDIT_VALIDATOR_RESPONSE_TYPE_URL, (b) => aegis.staking.v1.MsgEditValidatorResponse.decode(b));

/** Consensus address of a BLS key (sha256(key)[0..20]), as in consumer-sdk validator sets. */
export function consensusAddressOf(blsPublicKey: Uint8Array): Uint8Array {
  return computeValidatorAddress(blsPublicKey);
}

/**
 * BLS proof-of-possession check of a MsgCreateValidator for its operator (the validator address's
 * 20 bytes), lengths first: the SDK's rule, bound to the operator so a copied key and proof fail
 * under any other operator.
 */
export function hasValidBlsKey(m: Pick<MsgCreateValidator, "blsPublicKey" | "blsProofOfPossession">, operator: Uint8Array): boolean {
  return (
    m.blsPublicKey.length === BLS_PUBLIC_KEY_LENGTH &&
    m.blsProofOfPossession.length === BLS_SIGNATURE_LENGTH &&
    isValidBlsProofOfPossession(m.blsPublicKey, operator, m.blsProofOfPossession)
  );
}
