import { aegis } from "@aegis/proto";
import { assertBlsCrossRoundFork, assertBlsForkGuilt, assertCrossTierFork, assertValidCommitCertificate, assertValidPolkaCertificate, assertZkForkGuilt, CertificateError, ForkEvidenceError, getSignerIndices, type ForkGuilt } from "@aegis/consumer-sdk";
import {
  AegisMsgPostCommit as SdkMsgPostCommit,
  AegisMsgPostPolka as SdkMsgPostPolka,
  MSG_POST_COMMIT_TYPE_URL,
  AegisMsgSubmitForkEvidence as SdkMsgSubmitForkEvidence,
  MSG_POST_POLKA_TYPE_URL,
  MSG_SUBMIT_FORK_EVIDENCE_TYPE_URL,
  type MsgPostCommit,
  type MsgPostPolka,
  type MsgSubmitForkEvidence,
} from "@aegis/consumer-sdk/hub-tx";
import { decodeBlockHeader, decodeCommitCertificate, decodeZkCertificate } from "../../../codec/codec.js";
import type { Genesis } from "../../../genesis.js";
import { ACCOUNT_ADDRESS_PREFIX, TxError } from "../../../tx/index.js";
import { createEpochZkRootCache } from "../../../zk/zkValidatorSet.js";
import { createZkKeyReader } from "../zk/index.js";
import type { ReadonlyKVStore } from "../../../state/index.js";
import { parseMessageAddress } from "../../msgAddress.js";
import type { MsgHandler, MsgResult } from "../../msgRegistry.js";
import { formatDec } from "../staking/index.js";
import { getPunishableSet, processForkPunishment } from "./evidence.js";
import { getCasesWantingCommit, getCasesWantingPolka, processOpenCrossTierCase, processOpenForkCase, processPostCommit, processPostPolka, slashedAddresses } from "./forkCase.js";
import { consensusBech32 } from "./state.js";

export { MSG_POST_COMMIT_TYPE_URL, MSG_POST_POLKA_TYPE_URL, MSG_SUBMIT_FORK_EVIDENCE_TYPE_URL, type MsgPostCommit, type MsgPostPolka, type MsgSubmitForkEvidence };
export const MSG_POST_COMMIT_RESPONSE_TYPE_URL = "/aegis.slashing.v1.MsgPostCommitResponse";
export const MSG_SUBMIT_FORK_EVIDENCE_RESPONSE_TYPE_URL = "/aegis.slashing.v1.MsgSubmitForkEvidenceResponse";
export const MSG_POST_POLKA_RESPONSE_TYPE_URL = "/aegis.slashing.v1.MsgPostPolkaResponse";
/** Gas of verifying one BLS commit certificate (one aggregate check, two pairings) on top of the store's gas. */
export const FORK_BLS_VERIFY_GAS = 100_000n;
/** Gas of verifying one ZK certificate (as MsgSubmitZkCertificate charges). */
export const FORK_ZK_VERIFY_GAS = 300_000n;

/**
 * The message's codec: the SDK's encoder (what a consumer signs with) and the hub's strict decoder
 * (every length and range checked by the codec, the halves of a tier refused).
 */
export const AegisMsgSubmitForkEvidence = {
  typeUrl: MSG_SUBMIT_FORK_EVIDENCE_TYPE_URL,
  encode: SdkMsgSubmitForkEvidence.encode,
  fromPartial: SdkMsgSubmitForkEvidence.fromPartial,
  decode(input: Uint8Array): MsgSubmitForkEvidence {
    const m = aegis.slashing.v1.MsgSubmitForkEvidence.decode(input);
    const pb = aegis.v1;
    const blsFields = [m.header_a, m.certificate_a, m.header_b, m.certificate_b];
    const out: MsgSubmitForkEvidence = { submitter: m.submitter };
    // Across tiers: side a's BLS header and certificate, side b's ZK certificate, nothing else.
    if (m.header_a && m.certificate_a && m.zk_b && !m.header_b && !m.certificate_b && !m.zk_a) {
      out.mixed = {
        bls: { header: decodeBlockHeader(pb.BlockHeader.encode(m.header_a).finish()), certificate: decodeCommitCertificate(pb.CommitCertificate.encode(m.certificate_a).finish()) },
        zk: decodeZkCertificate(pb.ZkFinalityCertificate.encode(m.zk_b).finish(), "?"),
      };
      return out;
    }
    if (blsFields.some(Boolean)) {
      if (!blsFields.every(Boolean)) fail("header_a, certificate_a, header_b and certificate_b: all four or none");
      out.bls = {
        a: { header: decodeBlockHeader(pb.BlockHeader.encode(m.header_a!).finish()), certificate: decodeCommitCertificate(pb.CommitCertificate.encode(m.certificate_a!).finish()) },
        b: { header: decodeBlockHeader(pb.BlockHeader.encode(m.header_b!).finish()), certificate: decodeCommitCertificate(pb.CommitCertificate.encode(m.certificate_b!).finish()) },
      };
    }
    if (m.zk_a || m.zk_b) {
      if (!m.zk_a || !m.zk_b) fail("zk_a and zk_b: both or neither");
      // The chain id is the hub's own: the handler sets it.
      out.zk = { a: decodeZkCertificate(pb.ZkFinalityCertificate.encode(m.zk_a!).finish(), "?"), b: decodeZkCertificate(pb.ZkFinalityCertificate.encode(m.zk_b!).finish(), "?") };
    }
    return out;
  },
};

function fail(reason: string): never {
  throw new TxError({ code: "TX_ERROR_INVALID_MESSAGE", typeUrl: MSG_SUBMIT_FORK_EVIDENCE_TYPE_URL, reason });
}

function submitterOf(m: MsgSubmitForkEvidence): Uint8Array {
  return parseMessageAddress(m.submitter, ACCOUNT_ADDRESS_PREFIX, "submitter", MSG_SUBMIT_FORK_EVIDENCE_TYPE_URL);
}

/** The SDK's verdict, or TX_ERROR_INVALID_MESSAGE naming its code. */
function judgedFork<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ForkEvidenceError) fail(`${e.message} [${e.code}]`);
    throw e;
  }
}

function judged(f: () => ForkGuilt): ForkGuilt {
  try {
    return f();
  } catch (e) {
    if (e instanceof ForkEvidenceError) fail(`${e.message} [${e.code}]`);
    throw e;
  }
}

/**
 * The fork-evidence handler (decision 50). `zk`: the chain's ZK section (its circuit, key and
 * capacity); without it ZK evidence is refused. The rule is the SDK's (assertBlsForkGuilt,
 * assertZkForkGuilt) against the set the hub keeps for the height (getPunishableSet: not in the
 * future, within the unbonding period); the punishment is processForkPunishment's. Invalid evidence:
 * TX_ERROR_INVALID_MESSAGE and nothing changes but the fee and sequence. Evidence signed for another
 * chain does not verify here (the chain id is in every signed message).
 */
export function createForkEvidenceHandler(zk: Genesis["zk"] | undefined): MsgHandler<MsgSubmitForkEvidence> {
  const zkRootOf = zk ? createEpochZkRootCache(zk.capacity) : undefined;
  const keyOf = zk ? createZkKeyReader(zk) : undefined;
  // A chain whose key is set after genesis (MsgActivateZk) judges ZK evidence once it is set.
  const verifyOpts = (store: ReadonlyKVStore, chainId: string) => {
    const key = keyOf!(store) ?? fail("this chain's ZK certificates have not started (its verification key is not set yet)");
    return { chainId, verificationKeys: { [zk!.circuit]: key.verificationKey }, capacities: { [zk!.circuit]: zk!.capacity } };
  };
  return {
    typeUrl: MSG_SUBMIT_FORK_EVIDENCE_TYPE_URL,
    decode: (b) => AegisMsgSubmitForkEvidence.decode(b),
    getSigners: (m) => [submitterOf(m)],
    validateBasic(m) {
      submitterOf(m);
      if (!m.bls && !m.zk && !m.mixed) fail("evidence: missing (the four BLS fields, the two ZK fields, or header_a, certificate_a and zk_b)");
      if ([m.bls, m.zk, m.mixed].filter(Boolean).length > 1) fail("evidence: the BLS fields, the ZK fields, or header_a, certificate_a and zk_b: one of them");
      if ((m.zk || m.mixed) && !zk) fail("this chain has no ZK certificates");
      if (m.zk && zk && (m.zk.a.circuit !== zk.circuit || m.zk.b.circuit !== zk.circuit)) fail(`zk: the chain's circuit is ${zk.circuit}`);
      if (m.mixed && zk && m.mixed.zk.circuit !== zk.circuit) fail(`zk: the chain's circuit is ${zk.circuit}`);
    },
    process(ctx, m): MsgResult {
      const ectx = { height: ctx.height, time: ctx.time, chainId: ctx.chainId, typeUrl: MSG_SUBMIT_FORK_EVIDENCE_TYPE_URL };
      const height = m.bls ? m.bls.a.certificate.height : m.zk ? m.zk.a.height : m.mixed!.bls.certificate.height;
      const set = getPunishableSet(ctx.store, height, ectx, fail);
      const message = { type: "message", attributes: [{ key: "action", value: MSG_SUBMIT_FORK_EVIDENCE_TYPE_URL }, { key: "sender", value: m.submitter }, { key: "module", value: "slashing" }] };
      if (m.mixed) {
        // Across tiers: nobody is named yet; a case asks the ZK signers for a BLS commit of their block (decision 52).
        ctx.consumeGas?.(FORK_BLS_VERIFY_GAS + FORK_ZK_VERIFY_GAS, "forkEvidenceVerify");
        const verify = verifyOpts(ctx.store, ctx.chainId);
        const mixed = { bls: m.mixed.bls, zk: { ...m.mixed.zk, chainId: ctx.chainId } };
        const fork = judgedFork(() => assertCrossTierFork(mixed, { chainId: ctx.chainId, validatorSet: set.set, validatorSetRoot: zkRootOf!(set), verify }));
        const opened = processOpenCrossTierCase(ctx.store, fork, ectx, fail);
        ctx.events.push(message, ...opened.events);
        const value = aegis.slashing.v1.MsgSubmitForkEvidenceResponse.encode({ slashed: [], case_id: opened.caseId }).finish();
        return { response: { typeUrl: MSG_SUBMIT_FORK_EVIDENCE_RESPONSE_TYPE_URL, value } };
      }
      let guilt: ForkGuilt;
      if (m.bls && m.bls.a.certificate.round !== m.bls.b.certificate.round) {
        // Across rounds: nobody is named yet; a case asks for the polkas (decision 52).
        ctx.consumeGas?.(2n * FORK_BLS_VERIFY_GAS, "forkEvidenceVerify");
        const fork = judgedFork(() => assertBlsCrossRoundFork(m.bls!, { chainId: ctx.chainId, validatorSet: set.set }));
        const opened = processOpenForkCase(ctx.store, fork, ectx, fail);
        ctx.events.push(
          { type: "message", attributes: [{ key: "action", value: MSG_SUBMIT_FORK_EVIDENCE_TYPE_URL }, { key: "sender", value: m.submitter }, { key: "module", value: "slashing" }] },
          ...opened.events,
        );
        const value = aegis.slashing.v1.MsgSubmitForkEvidenceResponse.encode({ slashed: [], case_id: opened.caseId }).finish();
        return { response: { typeUrl: MSG_SUBMIT_FORK_EVIDENCE_RESPONSE_TYPE_URL, value } };
      }
      if (m.bls) {
        ctx.consumeGas?.(2n * FORK_BLS_VERIFY_GAS, "forkEvidenceVerify");
        guilt = judged(() => assertBlsForkGuilt(m.bls!, { chainId: ctx.chainId, validatorSet: set.set }));
      } else {
        ctx.consumeGas?.(2n * FORK_ZK_VERIFY_GAS, "forkEvidenceVerify");
        const root = zkRootOf!(set);
        const verify = verifyOpts(ctx.store, ctx.chainId);
        const e = { a: { ...m.zk!.a, chainId: ctx.chainId }, b: { ...m.zk!.b, chainId: ctx.chainId } };
        guilt = judged(() => assertZkForkGuilt(e, { validatorSetRoot: root, powers: set.validators.map((v) => v.power), verify }));
      }
      const results = processForkPunishment(ctx.store, set, height, guilt.guilty, ectx);
      const slashed = results.map((r) => consensusBech32(r.consensusAddress));
      ctx.events.push(
        { type: "message", attributes: [{ key: "action", value: MSG_SUBMIT_FORK_EVIDENCE_TYPE_URL }, { key: "sender", value: m.submitter }, { key: "module", value: "slashing" }] },
        {
          type: "hub_fork",
          attributes: [
            { key: "height", value: String(height) },
            { key: "tier", value: guilt.tier },
            { key: "guilty", value: String(guilt.guilty.length) },
            { key: "guilty_power_fraction", value: formatDec((guilt.guiltyPower * 10n ** 18n) / guilt.totalPower) },
            { key: "slashed", value: String(slashed.length) },
          ],
        },
        ...results.flatMap((r) => r.events),
      );
      const value = aegis.slashing.v1.MsgSubmitForkEvidenceResponse.encode({ slashed }).finish();
      return { response: { typeUrl: MSG_SUBMIT_FORK_EVIDENCE_RESPONSE_TYPE_URL, value } };
    },
  };
}


function failPolka(reason: string): never {
  throw new TxError({ code: "TX_ERROR_INVALID_MESSAGE", typeUrl: MSG_POST_POLKA_TYPE_URL, reason });
}

/** MsgPostPolka's codec: the SDK's encoder and the hub's strict decoder (the certificate codec checks every length). */
export const AegisMsgPostPolka = {
  typeUrl: MSG_POST_POLKA_TYPE_URL,
  encode: SdkMsgPostPolka.encode,
  fromPartial: SdkMsgPostPolka.fromPartial,
  decode(input: Uint8Array): MsgPostPolka {
    const m = aegis.slashing.v1.MsgPostPolka.decode(input);
    if (!m.polka) failPolka("polka: missing");
    return { submitter: m.submitter, polka: decodeCommitCertificate(aegis.v1.CommitCertificate.encode(m.polka).finish()) };
  },
};

/**
 * The polka handler (decision 52): refused unless an open fork case of the polka's height wants it
 * (cheap, before any pairing), then the polka is checked against the set the hub keeps for that height
 * (assertValidPolkaCertificate) and posted to each such case (forkCase.ts processPostPolka), which may
 * meet obligations, open the next one and convict double prevoters at once. Refused: nothing changes
 * but the fee and sequence.
 */
export function createPostPolkaHandler(): MsgHandler<MsgPostPolka> {
  const submitter = (m: MsgPostPolka) => parseMessageAddress(m.submitter, ACCOUNT_ADDRESS_PREFIX, "submitter", MSG_POST_POLKA_TYPE_URL);
  return {
    typeUrl: MSG_POST_POLKA_TYPE_URL,
    decode: (b) => AegisMsgPostPolka.decode(b),
    getSigners: (m) => [submitter(m)],
    validateBasic(m) {
      submitter(m);
      if (!m.polka) failPolka("polka: missing");
    },
    process(ctx, m): MsgResult {
      const p = m.polka;
      const ectx = { height: ctx.height, time: ctx.time, chainId: ctx.chainId, typeUrl: MSG_POST_POLKA_TYPE_URL };
      if (getCasesWantingPolka(ctx.store, p.height, p).length === 0) failPolka(`no open fork case at height ${p.height} wants a polka for round ${p.round} of that block`);
      const set = getPunishableSet(ctx.store, p.height, ectx, failPolka);
      ctx.consumeGas?.(FORK_BLS_VERIFY_GAS, "polkaVerify");
      try {
        assertValidPolkaCertificate(p, { chainId: ctx.chainId, validatorSet: set.set });
      } catch (e) {
        if (e instanceof CertificateError) failPolka(`polka: ${e.message === e.code ? e.code : `${e.message} (${e.code})`}`);
        throw e;
      }
      const outcomes = processPostPolka(ctx.store, { height: p.height, round: p.round, blockHash: p.blockHash, signers: getSignerIndices(p.signers) }, ectx);
      ctx.events.push(
        { type: "message", attributes: [{ key: "action", value: MSG_POST_POLKA_TYPE_URL }, { key: "sender", value: m.submitter }, { key: "module", value: "slashing" }] },
        ...outcomes.flatMap((o) => o.events),
      );
      const value = aegis.slashing.v1.MsgPostPolkaResponse.encode({ case_ids: outcomes.map((o) => o.caseId), slashed: slashedAddresses(outcomes) }).finish();
      return { response: { typeUrl: MSG_POST_POLKA_RESPONSE_TYPE_URL, value } };
    },
  };
}

function failCommit(reason: string): never {
  throw new TxError({ code: "TX_ERROR_INVALID_MESSAGE", typeUrl: MSG_POST_COMMIT_TYPE_URL, reason });
}

/** MsgPostCommit's codec: the SDK's encoder and the hub's strict decoder. */
export const AegisMsgPostCommit = {
  typeUrl: MSG_POST_COMMIT_TYPE_URL,
  encode: SdkMsgPostCommit.encode,
  fromPartial: SdkMsgPostCommit.fromPartial,
  decode(input: Uint8Array): MsgPostCommit {
    const m = aegis.slashing.v1.MsgPostCommit.decode(input);
    if (!m.commit) failCommit("commit: missing");
    return { submitter: m.submitter, commit: decodeCommitCertificate(aegis.v1.CommitCertificate.encode(m.commit).finish()) };
  },
};

/**
 * The commit handler (decision 52): refused unless an open case across tiers of the commit's height
 * asks for a BLS commit of its block (cheap, before the pairing check), then the commit is checked
 * against the hub's set for that height and posted (forkCase.ts processPostCommit): the obligation is
 * met, and the pair it makes with the case's BLS commit is judged at once.
 */
export function createPostCommitHandler(): MsgHandler<MsgPostCommit> {
  const submitter = (m: MsgPostCommit) => parseMessageAddress(m.submitter, ACCOUNT_ADDRESS_PREFIX, "submitter", MSG_POST_COMMIT_TYPE_URL);
  return {
    typeUrl: MSG_POST_COMMIT_TYPE_URL,
    decode: (b) => AegisMsgPostCommit.decode(b),
    getSigners: (m) => [submitter(m)],
    validateBasic(m) {
      submitter(m);
      if (!m.commit) failCommit("commit: missing");
    },
    process(ctx, m): MsgResult {
      const c = m.commit;
      const ectx = { height: ctx.height, time: ctx.time, chainId: ctx.chainId, typeUrl: MSG_POST_COMMIT_TYPE_URL };
      if (getCasesWantingCommit(ctx.store, c.height, c.blockHash).length === 0) failCommit(`no open fork case at height ${c.height} asks for a commit of that block`);
      const set = getPunishableSet(ctx.store, c.height, ectx, failCommit);
      ctx.consumeGas?.(FORK_BLS_VERIFY_GAS, "commitVerify");
      try {
        assertValidCommitCertificate(c, { chainId: ctx.chainId, validatorSet: set.set });
      } catch (e) {
        if (e instanceof CertificateError) failCommit(`commit: ${e.message === e.code ? e.code : `${e.message} (${e.code})`}`);
        throw e;
      }
      const { outcomes, openedCaseId } = processPostCommit(ctx.store, { height: c.height, round: c.round, blockHash: c.blockHash, signers: getSignerIndices(c.signers) }, ectx, failCommit);
      ctx.events.push(
        { type: "message", attributes: [{ key: "action", value: MSG_POST_COMMIT_TYPE_URL }, { key: "sender", value: m.submitter }, { key: "module", value: "slashing" }] },
        ...outcomes.flatMap((o) => o.events),
      );
      const value = aegis.slashing.v1.MsgPostCommitResponse.encode({ case_ids: outcomes.map((o) => o.caseId), slashed: slashedAddresses(outcomes), opened_case_id: openedCaseId }).finish();
      return { response: { typeUrl: MSG_POST_COMMIT_RESPONSE_TYPE_URL, value } };
    },
  };
}
