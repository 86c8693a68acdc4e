/**
 * The double-attestation rule (processDoubleAttestationEvidence) on a real state with three validators
 * holding real attestation keys: the attack (one validator signing two finality statements for one
 * height) slashes and tombstones exactly that validator; every kind of bad evidence is refused with
 * TX_ERROR_INVALID_MESSAGE and changes nothing; the same offence twice slashes once.
 */
import { BN254_SCALAR_FIELD } from "@aegis/consumer-sdk";
import type { DoubleAttestationEvidence } from "../../../src/consensus/types.js";
import {
  DOUBLE_SIGN_JAIL_END_MS,
  getSigningInfo,
  processBlockSignatures,
  processDoubleAttestationEvidence,
  processDuplicateVoteEvidence,
  type EvidenceContext,
} from "../../../src/app/modules/slashing/index.js";
import { computeNextValidatorSet, getValidator, isTombstoned } from "../../../src/app/modules/staking/index.js";
import type { StateView } from "../../../src/state/index.js";
import { isTxError } from "../../../src/tx/index.js";
import { addr, checkInvariants, snapshot, T0 } from "../staking/stakingFixtures.js";
import { attestation, CHAIN_ID, hash, indexOf, M, setAt, signersExcept, statement, vote, world, type Statement } from "./slashingFixtures.js";

/** World with heights 1..5 processed (block time T0 + h), unbonding period 1000 ms. */
function chain(): StateView {
  const s = world({}, { unbondingTimeMs: 1000 });
  for (let h = 1; h <= 5; h++) {
    const set = setAt(s, h);
    processBlockSignatures(s, { height: h, time: T0 + h, set, signers: signersExcept(set, []) });
  }
  return s;
}

const ctx = (over: Partial<EvidenceContext> = {}): EvidenceContext => ({ height: 6, time: T0 + 6, chainId: CHAIN_ID, ...over });

interface Over {
  a?: Partial<Statement>;
  b?: Partial<Statement>;
  /** Slot claimed by each attestation (default validator i's). */
  ia?: number;
  ib?: number;
  /** Who signs attestation B (default i). */
  signerB?: number;
  chainB?: string;
}

/** Validator i attests block hash(1) and hash(2) at height 3 (or what `over` says). */
function evidence(s: StateView, i: number, over: Over = {}): DoubleAttestationEvidence {
  const idx = indexOf(setAt(s, 3), i);
  return {
    attestationA: attestation(i, over.ia ?? idx, statement(over.a)),
    attestationB: attestation(over.signerB ?? i, over.ib ?? idx, statement({ blockHash: hash(2), ...over.b }), over.chainB),
    time: T0 + 4,
  };
}

function refusal(s: StateView, ev: DoubleAttestationEvidence, c: EvidenceContext = ctx()): { code: string; message: string; unchanged: boolean } {
  const before = snapshot(s);
  let err: unknown;
  try {
    processDoubleAttestationEvidence(s, ev, c);
  } catch (e) {
    err = e;
  }
  if (!isTxError(err)) throw new Error(`expected a TxError, got ${String(err)}`);
  return { code: err.type.code, message: err.message, unchanged: JSON.stringify(snapshot(s)) === JSON.stringify(before) };
}

describe("processDoubleAttestationEvidence", () => {
  test("the attack: validator 2 attests two blocks at height 3 — slashed 5 % of its power there, tombstoned, left out of the next set; nobody else touched", () => {
    const s = chain();
    const others = [1, 3].map((i) => ({ i, tokens: getValidator(s, addr(i))!.tokens }));
    const r = processDoubleAttestationEvidence(s, evidence(s, 2), ctx());
    expect(r.infractionHeight).toBe(3);
    expect(r.slash.slashAmount).toBe((20n * M) / 20n);
    const v = getValidator(s, addr(2))!;
    expect(v.tokens).toBe(20n * M - 1n * M);
    expect(v.jailed).toBe(true);
    expect(isTombstoned(s, addr(2))).toBe(true);
    expect(getSigningInfo(s, v.consensusAddress)).toMatchObject({ tombstoned: true, jailedUntilMs: DOUBLE_SIGN_JAIL_END_MS });
    expect(r.events).toHaveLength(1);
    expect(r.events[0]!.type).toBe("slash");
    expect(r.events[0]!.attributes).toEqual(
      expect.arrayContaining([
        { key: "reason", value: "double_attestation" },
        { key: "infraction_height", value: "3" },
        { key: "burned_coins", value: (1n * M).toString() },
      ]),
    );
    for (const o of others) {
      expect(getValidator(s, addr(o.i))!.tokens).toBe(o.tokens);
      expect(isTombstoned(s, addr(o.i))).toBe(false);
    }
    expect(computeNextValidatorSet(s).validators.map((x) => x.operatorAddress)).not.toContain(v.operatorAddress);
    checkInvariants(s);
  });

  test.each<[string, Partial<Statement>]>([
    ["block hash", { blockHash: hash(2) }],
    ["time", { blockHash: hash(1), time: T0 + 4 }],
    ["signing set root", { blockHash: hash(1), validatorSetRoot: 99n }],
    ["next set root", { blockHash: hash(1), nextValidatorSetRoot: 99n }],
  ])("statements differing only in the %s are a double attestation", (_, b) => {
    const s = chain();
    processDoubleAttestationEvidence(s, evidence(s, 1, { b }), ctx());
    expect(isTombstoned(s, addr(1))).toBe(true);
  });

  test("the same evidence twice slashes once: the second is refused (already tombstoned) and changes nothing", () => {
    const s = chain();
    const ev = evidence(s, 3);
    processDoubleAttestationEvidence(s, ev, ctx());
    const tokens = getValidator(s, addr(3))!.tokens;
    expect(refusal(s, ev)).toEqual({ code: "TX_ERROR_INVALID_MESSAGE", message: expect.stringMatching(/already tombstoned/), unchanged: true });
    // Another offence of the same validator (height 4), and a double sign after it: refused too.
    expect(refusal(s, evidence(s, 3, { a: { height: 4 }, b: { height: 4 } })).message).toMatch(/already tombstoned/);
    expect(() => processDuplicateVoteEvidence(s, { voteA: vote(3, indexOf(setAt(s, 3), 3), { height: 3, blockHash: hash(1) }), voteB: vote(3, indexOf(setAt(s, 3), 3), { height: 3, blockHash: hash(2) }), time: T0 }, ctx())).toThrow(/already tombstoned/);
    expect(getValidator(s, addr(3))!.tokens).toBe(tokens);
  });

  test("a double sign tombstones: a later double attestation of the same validator is refused", () => {
    const s = chain();
    const idx = indexOf(setAt(s, 3), 1);
    processDuplicateVoteEvidence(s, { voteA: vote(1, idx, { height: 3, blockHash: hash(1) }), voteB: vote(1, idx, { height: 3, blockHash: hash(2) }), time: T0 }, ctx());
    expect(refusal(s, evidence(s, 1))).toMatchObject({ message: expect.stringMatching(/already tombstoned/), unchanged: true });
  });

  // Each bad piece of evidence: the reason it is refused, and the context (rows have four entries: a
  // callback of more parameters than a row has would be taken for one that waits for `done`).
  const cases: [string, (s: StateView) => DoubleAttestationEvidence, RegExp, Partial<EvidenceContext>][] = [
    ["the same statement twice", (s) => evidence(s, 1, { b: { blockHash: hash(1) } }), /same statement/, {}],
    ["the same attestation twice", (s) => ({ ...evidence(s, 1), attestationB: evidence(s, 1).attestationA }), /same statement/, {}],
    ["different heights", (s) => evidence(s, 1, { b: { height: 4 } }), /different heights \(3, 4\)/, {}],
    ["two validators, each its own slot", (s) => evidence(s, 1, { signerB: 2, ib: indexOf(setAt(s, 3), 2) }), /different validators/, {}],
    ["signed by another validator's key (claimed as validator 1's)", (s) => evidence(s, 1, { signerB: 2 }), /invalid attestation signature/, {}],
    ["both signed by validator 2, claimed as validator 1's slot", (s) => ({ ...evidence(s, 2, { ia: indexOf(setAt(s, 3), 1), ib: indexOf(setAt(s, 3), 1) }) }), /invalid attestation signature/, {}],
    ["a signature of zeros", (s) => ({ ...evidence(s, 1), attestationB: { ...evidence(s, 1).attestationB, signature: new Uint8Array(64) } }), /invalid attestation signature/, {}],
    ["a signature of another chain id", (s) => evidence(s, 1, { chainB: "other-chain" }), /invalid attestation signature/, {}],
    ["evidence of another chain (both signed for it)", (s) => evidence(s, 1), /invalid attestation signature/, { chainId: "other-chain" }],
    ["an unknown slot", (s) => evidence(s, 1, { ia: 7, ib: 7 }), /unknown validator index 7/, {}],
    ["from the future", (s) => evidence(s, 1, { a: { height: 9 }, b: { height: 9 } }), /future: height 9/, {}],
    ["too old (beyond the unbonding period)", (s) => evidence(s, 1), /too old/, { time: T0 + 1004 }],
    ["no set known for the height", (s) => evidence(s, 1), /no validator set/, { getSet: () => undefined }],
    ["malformed: attestation B missing", (s) => ({ ...evidence(s, 1), attestationB: undefined as never }), /malformed attestation/, {}],
    ["malformed: a 31-byte block hash", (s) => ({ ...evidence(s, 1), attestationB: { ...evidence(s, 1).attestationB, blockHash: new Uint8Array(31) } }), /malformed attestation/, {}],
    ["malformed: height 0", (s) => ({ ...evidence(s, 1), attestationA: { ...evidence(s, 1).attestationA, height: 0 } }), /malformed attestation/, {}],
    ["malformed: a root above the field", (s) => ({ ...evidence(s, 1), attestationB: { ...evidence(s, 1).attestationB, validatorSetRoot: BN254_SCALAR_FIELD } }), /malformed attestation/, {}],
  ];

  test.each(cases)("refused, nothing changed: %s", (_, make, reason, c) => {
    const s = chain();
    expect(refusal(s, make(s), ctx(c))).toEqual({ code: "TX_ERROR_INVALID_MESSAGE", message: expect.stringMatching(reason), unchanged: true });
    for (const i of [1, 2, 3]) expect(isTombstoned(s, addr(i))).toBe(false);
  });

  test("at the last millisecond of the unbonding period it still applies", () => {
    const s = chain();
    expect(() => processDoubleAttestationEvidence(s, evidence(s, 1), ctx({ time: T0 + 1003 }))).not.toThrow();
    expect(isTombstoned(s, addr(1))).toBe(true);
  });
});
