/**
 * A node finds double attestations: the pure DoubleAttestationDetector, and ZkService's gossip path
 * (real attestation keys, a real LevelDB): a validator's validly signed attestation of a statement
 * other than the committed one is still rejected, but with its attestation of the committed one (in
 * either order) it becomes DoubleAttestationEvidence handed to onEvidence, which the slashing rule
 * then accepts; the evidence's own gossip check verifies both signatures against the node's set.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { computeFinalityMessage, computeZkValidatorSetRoot } from "@aegis/consumer-sdk";
import type { Application } from "../../src/app/index.js";
import { createAttestationKeyPair, signFinalityMessage, type AttestationKeyPair } from "../../src/attestation/index.js";
import { encodeFinalityAttestation, type FinalityAttestation } from "../../src/codec/index.js";
import type { DoubleAttestationEvidence } from "../../src/consensus/types.js";
import { HubDb } from "../../src/db/hubDb.js";
import { nullLogger } from "../../src/logger.js";
import { DoubleAttestationDetector } from "../../src/zk/doubleAttestationDetector.js";
import { computeZkValidatorSlots } from "../../src/zk/zkValidatorSet.js";
import { ZkService, type ZkGenesisConfig } from "../../src/zk/zkService.js";

const CHAIN_ID = "aegis-double-attestation-1";
const T0 = 1_700_000_000_000;
const zk = { circuit: "quorum4", capacity: 4, verificationKey: {}, attestationIntervalMs: 1000, proverReward: "0", epochLength: 100 } as unknown as ZkGenesisConfig;
const keys: AttestationKeyPair[] = [1, 2, 3].map((i) => createAttestationKeyPair(new Uint8Array(32).fill(i)));
const validators = keys.map((k) => ({ attestationPublicKey: k.publicKey, power: 10n }));
const ROOT = computeZkValidatorSetRoot(computeZkValidatorSlots(validators), zk.capacity);
const blockHash = (h: number, fork = 0) => new Uint8Array(32).fill(h + 16 * fork);

/** Validator `index`'s attestation of height `h` (default: the committed statement; `fork` another block). */
function attest(index: number, h: number, over: { fork?: number; signer?: number; chainId?: string } = {}): FinalityAttestation {
  const st = { height: h, time: T0 + h * 1000, blockHash: blockHash(h, over.fork ?? 0), validatorSetRoot: ROOT, nextValidatorSetRoot: ROOT };
  return { ...st, validatorIndex: index, signature: signFinalityMessage(keys[over.signer ?? index]!.secretKey, computeFinalityMessage({ chainId: over.chainId ?? CHAIN_ID, ...st })) };
}

describe("DoubleAttestationDetector", () => {
  test("reports the first attestation of a second statement, once per validator and height; prunes", () => {
    const d = new DoubleAttestationDetector();
    const a = attest(0, 3);
    const b = attest(0, 3, { fork: 1 });
    expect(d.observe(a, 1)).toBeNull();
    expect(d.observe(a, 2)).toBeNull(); // the same statement again
    expect(d.observe(attest(1, 3, { fork: 1 }), 3)).toBeNull(); // another validator
    expect(d.observe(attest(0, 4, { fork: 1 }), 4)).toBeNull(); // another height
    expect(d.observe(b, 5)).toEqual({ attestationA: a, attestationB: b, time: 5 });
    expect(d.observe(attest(0, 3, { fork: 2 }), 6)).toBeNull(); // reported already
    expect(d.observe(b, 7)).toBeNull();
    d.pruneThrough(3);
    expect(d.heights).toEqual([4]);
  });
});

describe("ZkService finds double attestations in gossip", () => {
  let dir: string;
  let db: HubDb;
  let found: DoubleAttestationEvidence[];
  let svc: ZkService;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "aegis-double-att-"));
    db = await HubDb.open(dir);
    found = [];
    const app = { zkValidatorsAt: (h: number) => (h >= 1 ? { validators, startHeight: 1 } : undefined) } as unknown as Application;
    svc = new ZkService(
      { chainId: CHAIN_ID, genesisTime: T0, zk, attestationKey: null, prover: null },
      { db, app, committedHeight: () => 5, publish: () => undefined, logger: nullLogger, onEvidence: (e) => found.push(e) },
    );
    await svc.start();
    for (let h = 1; h <= 5; h++) await svc.onCommit(h, T0 + h * 1000, blockHash(h), { attest: false });
  });
  afterEach(async () => {
    await svc.stop();
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  const gossip = (a: FinalityAttestation) => svc.validateAttestation(encodeFinalityAttestation(a));

  test("the committed statement, then another one validly signed: the second is rejected, and the pair is evidence", async () => {
    const good = attest(1, 3);
    const forged = attest(1, 3, { fork: 1 });
    expect(await gossip(good)).toBe("accept");
    expect(found).toEqual([]);
    expect(await gossip(forged)).toBe("reject");
    expect(found).toEqual([{ attestationA: good, attestationB: forged, time: expect.any(Number) }]);
    expect(svc.checkDoubleAttestationEvidence(found[0]!)).toBe("valid");
    // The same again makes no second report.
    expect(await gossip(forged)).toBe("reject");
    expect(found).toHaveLength(1);
  });

  test("another statement first (rejected, kept), then the committed one: evidence", async () => {
    const forged = attest(2, 4, { fork: 3 });
    const good = attest(2, 4);
    expect(await gossip(forged)).toBe("reject");
    expect(found).toEqual([]);
    expect(await gossip(good)).toBe("accept");
    expect(found).toEqual([{ attestationA: forged, attestationB: good, time: expect.any(Number) }]);
  });

  test("two wrong statements of one validator are evidence too; badly signed or other validators' are not", async () => {
    expect(await gossip(attest(0, 2, { fork: 1, signer: 1 }))).toBe("reject"); // index 0, key of 1: bad signature
    expect(await gossip(attest(0, 2, { fork: 2, chainId: "other" }))).toBe("reject"); // another chain's message
    expect(await gossip(attest(1, 2, { fork: 1 }))).toBe("reject");
    expect(found).toEqual([]);
    expect(await gossip(attest(1, 2, { fork: 2 }))).toBe("reject");
    expect(found).toHaveLength(1);
    expect(found[0]!.attestationA.validatorIndex).toBe(1);
  });

  test("the gossip check of evidence: both signatures under the slot's key, one validator, two statements, a known height", () => {
    const e: DoubleAttestationEvidence = { attestationA: attest(0, 3), attestationB: attest(0, 3, { fork: 1 }), time: 1 };
    expect(svc.checkDoubleAttestationEvidence(e)).toBe("valid");
    expect(svc.checkDoubleAttestationEvidence({ ...e, attestationB: attest(0, 3, { fork: 1, signer: 2 }) })).toBe("invalid");
    expect(svc.checkDoubleAttestationEvidence({ ...e, attestationB: attest(0, 3, { fork: 1, chainId: "other" }) })).toBe("invalid");
    expect(svc.checkDoubleAttestationEvidence({ ...e, attestationB: e.attestationA })).toBe("invalid");
    expect(svc.checkDoubleAttestationEvidence({ ...e, attestationB: attest(1, 3, { fork: 1 }) })).toBe("invalid");
    expect(svc.checkDoubleAttestationEvidence({ attestationA: attest(3, 3, { signer: 0 }), attestationB: attest(3, 3, { fork: 1, signer: 0 }), time: 1 })).toBe("invalid"); // no slot 3
    expect(svc.checkDoubleAttestationEvidence({ attestationA: attest(0, 9), attestationB: attest(0, 9, { fork: 1 }), time: 1 })).toBe("unknown");
  });
});
