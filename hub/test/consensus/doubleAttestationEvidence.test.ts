/**
 * Double-attestation evidence outside the slashing rule: its wire form in a block (a second repeated
 * field, read back after the duplicate votes), the evidence root over both kinds, its hash domain,
 * MsgSubmitEvidence's third field, and the evidence store (one record per validator and height).
 */
import { toHex } from "@aegis/consumer-sdk";
import { AegisMsgSubmitEvidence } from "../../src/app/modules/slashing/index.js";
import { decodeBlock, decodeDoubleAttestationEvidence, encodeBlock, encodeDoubleAttestationEvidence } from "../../src/codec/index.js";
import { computeEvidenceHash, computeEvidenceRoot, isConflictingAttestationPair, orderEvidence, type Block, type DoubleAttestationEvidence } from "../../src/consensus/index.js";
import { getEvidenceId, HubDb } from "../../src/db/index.js";
import { filled, makeChain, makeEvidence, makeFinalityAttestation, makeTempDir } from "../db/fixtures.js";

function doubleAttestation(height = 9, validatorIndex = 3, time = 77): DoubleAttestationEvidence {
  return {
    attestationA: makeFinalityAttestation({ height, validatorIndex }),
    attestationB: makeFinalityAttestation({ height, validatorIndex, blockHash: filled(32, 0x22) }),
    time,
  };
}

test("a block with both kinds round-trips; decoding puts duplicate votes first, which is the order the root is computed in", () => {
  const da1 = doubleAttestation(9, 1);
  const da2 = doubleAttestation(8, 2);
  const dv = makeEvidence({ height: 5 });
  const base = makeChain(1)[0]!.block;
  const block: Block = { ...base, evidence: [da1, dv, da2] };
  const decoded = decodeBlock(encodeBlock(block));
  expect(decoded.evidence).toEqual([dv, da1, da2]);
  expect(orderEvidence(block.evidence)).toEqual([dv, da1, da2]);
  expect(toHex(computeEvidenceRoot(decoded.evidence))).toBe(toHex(computeEvidenceRoot(block.evidence)));
  // Without double attestations the root is what it always was.
  expect(toHex(computeEvidenceRoot([dv]))).toBe(toHex(computeEvidenceRoot(decodeBlock(encodeBlock({ ...base, evidence: [dv] })).evidence)));
});

test("the evidence hash covers every field of both attestations and the time", () => {
  const e = doubleAttestation();
  const h = toHex(computeEvidenceHash(e));
  const variants: DoubleAttestationEvidence[] = [
    { ...e, time: e.time + 1 },
    { ...e, attestationB: { ...e.attestationB, time: e.attestationB.time + 1 } },
    { ...e, attestationB: { ...e.attestationB, validatorSetRoot: 99n } },
    { ...e, attestationB: { ...e.attestationB, nextValidatorSetRoot: 99n } },
    { ...e, attestationA: { ...e.attestationA, signature: filled(64, 1) } },
    { attestationA: e.attestationB, attestationB: e.attestationA, time: e.time },
  ];
  for (const v of variants) expect(toHex(computeEvidenceHash(v))).not.toBe(h);
  expect(decodeDoubleAttestationEvidence(encodeDoubleAttestationEvidence(e))).toEqual(e);
  expect(() => decodeDoubleAttestationEvidence(Uint8Array.of(0x18, 0x01))).toThrow(/attestationA: missing/);
});

test("isConflictingAttestationPair: one validator, one height, two statements", () => {
  const e = doubleAttestation();
  expect(isConflictingAttestationPair(e.attestationA, e.attestationB)).toBe(true);
  expect(isConflictingAttestationPair(e.attestationA, { ...e.attestationA, signature: filled(64, 1) })).toBe(false);
  expect(isConflictingAttestationPair(e.attestationA, { ...e.attestationB, validatorIndex: 4 })).toBe(false);
  expect(isConflictingAttestationPair(e.attestationA, { ...e.attestationB, height: 10 })).toBe(false);
});

test("MsgSubmitEvidence carries a double attestation in field 3", () => {
  const e = doubleAttestation();
  const bytes = AegisMsgSubmitEvidence.encode({ submitter: "aegis1xyz", evidence: undefined, doubleAttestation: e }).finish();
  expect(AegisMsgSubmitEvidence.decode(bytes)).toEqual({ submitter: "aegis1xyz", evidence: undefined, doubleAttestation: e });
  const dv = makeEvidence();
  expect(AegisMsgSubmitEvidence.decode(AegisMsgSubmitEvidence.encode({ submitter: "s", evidence: dv }).finish())).toEqual({ submitter: "s", evidence: dv });
});

test("the evidence store keeps one double attestation per (height, validator), next to duplicate votes, across a restart", async () => {
  const dir = await makeTempDir();
  let db = await HubDb.open(dir.path);
  try {
    const e = doubleAttestation(9, 3);
    const dv = makeEvidence({ height: 9, validatorIndex: 3 });
    expect(await db.evidence.add(e)).toBe(true);
    expect(await db.evidence.add({ ...e, time: 99, attestationB: { ...e.attestationB, time: 5 } })).toBe(false);
    expect(await db.evidence.add(dv)).toBe(true);
    expect(await db.evidence.add(doubleAttestation(9, 4))).toBe(true);
    expect(await db.evidence.hasId(getEvidenceId(e))).toBe(true);
    await expect(db.evidence.add({ ...e, attestationB: e.attestationA })).rejects.toMatchObject({ code: "DB_ERROR_INVALID_ARGUMENT" });
    await expect(db.evidence.add({ ...e, attestationB: { ...e.attestationB, height: 10 } })).rejects.toMatchObject({ code: "DB_ERROR_INVALID_ARGUMENT" });
    const all = await db.evidence.list();
    expect(all).toEqual([dv, e, doubleAttestation(9, 4)]);
    await db.close();
    db = await HubDb.open(dir.path);
    expect(await db.evidence.list({ fromHeight: 9 })).toEqual(all);
    expect(await db.evidence.list({ fromHeight: 10 })).toEqual([]);
  } finally {
    if (db.isOpen) await db.close();
    await dir.remove();
  }
});
