// HubLightClient's pure transition: real BLS keys and aggregate signatures over a small hub chain
// of three epochs (heights 1–12, a set change after 4 and 8), and the committed real quorum4 ZK
// certificate (test/vectors/zkCertificates.json). Every refusal leaves the state as it was.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import {
  computeBlockHash,
  computeValidatorSetRoot,
  createHubLightClient,
  fromHex,
  getLatestFinalizedBlock,
  getTrustedHeight,
  initZkCertificateVerifier,
  isTrustExpired,
  LightClientError,
  processBlsUpdate,
  processZkUpdate,
  ZERO_HASH,
  type BlsLightClientUpdate,
  type CommitCertificate,
  type Groth16VerificationKey,
  type HubLightClientOptions,
  type HubLightClientState,
  type ValidatorSet,
  type ZkCertificate,
} from "../src/index.js";
import { buildHubChain, fill, hubKeys as keys, makeValidatorSet, signCommit } from "./helpers/hubChain.js";

const CHAIN = "aegis-vectors-1"; // the ZK vector's chain, so both tiers follow one hub
const PERIOD = 60_000;
const opts: HubLightClientOptions = { chainId: CHAIN, trustingPeriodMs: PERIOD, unbondingPeriodMs: 120_000 };

// ---- the ZK vector ----
const here = dirname(fileURLToPath(import.meta.url));
const zv = JSON.parse(readFileSync(join(here, "..", "..", "test", "vectors", "zkCertificates.json"), "utf8"));
const zkCert: ZkCertificate = {
  circuit: zv.certificate.circuit,
  chainId: zv.certificate.chainId,
  height: zv.certificate.height,
  time: zv.certificate.time,
  blockHash: fromHex(zv.certificate.blockHash),
  validatorSetRoot: BigInt(zv.certificate.validatorSetRoot),
  nextValidatorSetRoot: BigInt(zv.certificate.nextValidatorSetRoot),
  signers: BigInt(zv.certificate.signers),
  prover: fromHex(zv.certificate.prover),
  proof: fromHex(zv.certificate.proof),
};
const zkOpts: HubLightClientOptions = { ...opts, zk: { verificationKeys: { quorum4: zv.verificationKey as Groth16VerificationKey }, capacities: { quorum4: zv.capacity as number } } };

// ---- a BLS hub chain: genesis at T0, height h at T0 + h s (helpers/hubChain.ts) ----
const T0 = zkCert.time - 30_000;
const makeSet = (idx: number[], powers: bigint[]): ValidatorSet => makeValidatorSet(idx.map((i) => keys[i]!), powers);
const setA = makeSet([0, 1, 2, 3], [10n, 10n, 10n, 10n]);
const setB = makeSet([2, 3, 4, 5, 6], [40n, 10n, 10n, 10n, 10n]);
const setC = makeSet([7, 8, 9], [5n, 5n, 5n]);
const epochSetOf = (h: number) => (h <= 4 ? setA : h <= 8 ? setB : setC);
const rootOf = computeValidatorSetRoot;

const hub = buildHubChain({ chainId: CHAIN, genesisTime: T0, setAt: epochSetOf }, 12);
const { timeOf, makeHeader, headers, certs, hashOf } = hub;
const NOW = timeOf(20);
/** A commit certificate of `signers` (indices into `set`), signing `blockHash` on `chainId`. */
/** With `forge`, signer i signs with a key outside every set instead of its own. */
const sign = (set: ValidatorSet, height: number, blockHash: Uint8Array, signers = set.validators.map((_, i) => i), chainId = CHAIN, forge = false): CommitCertificate =>
  signCommit(set, height, blockHash, { chainId, signers, forge });
const isEpochEnd = (h: number) => h === 4 || h === 8;
/** The honest update for height h (with the next set at an epoch's last header). */
const upd = (h: number): BlsLightClientUpdate => ({ header: headers[h]!, certificate: certs[h]!, ...(isEpochEnd(h) ? { nextValidatorSet: epochSetOf(h + 1) } : {}) });

const genesis = () => createHubLightClient({ bls: { genesisTime: T0, validatorSet: setA } }, opts, NOW);
const atHeight = (h: number): HubLightClientState => {
  let s = genesis();
  if (h >= 4) s = processBlsUpdate(s, upd(4), NOW);
  if (h >= 8) s = processBlsUpdate(s, upd(8), NOW);
  return h % 4 === 0 ? s : processBlsUpdate(s, upd(h), NOW);
};

/** The error code thrown, after checking that the state was left exactly as it was. */
function refusal(state: HubLightClientState, fn: (s: HubLightClientState) => unknown): string {
  const before = structuredClone(state);
  let thrown: unknown;
  try {
    fn(state);
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(LightClientError);
  expect(state).toEqual(before);
  return (thrown as LightClientError).code;
}

beforeAll(() => initZkCertificateVerifier());

describe("creation", () => {
  test("from genesis: height 0, the genesis set signs height 1", () => {
    const s = genesis();
    expect(Object.isFrozen(s)).toBe(true);
    expect(s.bls).toMatchObject({ height: 0, time: T0, blockHash: ZERO_HASH, header: undefined });
    expect(s.bls!.validatorSetRoot).toEqual(rootOf(setA));
    expect(s.zk).toBeUndefined();
    expect(getTrustedHeight(s)).toBe(0);
    expect(getLatestFinalizedBlock(s)).toBeUndefined();
  });

  test("from a trusted header and the set its next root names", () => {
    const s = createHubLightClient({ bls: { header: headers[4]!, nextValidatorSet: setB } }, opts, NOW);
    expect(s.bls).toMatchObject({ height: 4, time: timeOf(4), blockHash: hashOf(4), header: headers[4] });
    expect(s.bls!.validatorSetRoot).toEqual(rootOf(setB));
    expect(processBlsUpdate(s, upd(7), NOW).bls!.height).toBe(7);
  });

  test.each<[string, () => unknown, string]>([
    ["trusting period equal to the unbonding period", () => createHubLightClient({ bls: { genesisTime: T0, validatorSet: setA } }, { ...opts, trustingPeriodMs: 120_000 }, NOW), "LIGHT_CLIENT_ERROR_TRUSTING_PERIOD_TOO_LONG"],
    ["trusting period above the unbonding period", () => createHubLightClient({ bls: { genesisTime: T0, validatorSet: setA } }, { ...opts, trustingPeriodMs: 120_001 }, NOW), "LIGHT_CLIENT_ERROR_TRUSTING_PERIOD_TOO_LONG"],
    ["zero trusting period", () => createHubLightClient({ bls: { genesisTime: T0, validatorSet: setA } }, { ...opts, trustingPeriodMs: 0 }, NOW), "LIGHT_CLIENT_ERROR_MALFORMED"],
    ["genesis exactly a trusting period old", () => createHubLightClient({ bls: { genesisTime: T0, validatorSet: setA } }, opts, T0 + PERIOD), "LIGHT_CLIENT_ERROR_TRUST_EXPIRED"],
    ["header older than the trusting period", () => createHubLightClient({ bls: { header: headers[4]!, nextValidatorSet: setB } }, opts, timeOf(4) + PERIOD), "LIGHT_CLIENT_ERROR_TRUST_EXPIRED"],
    ["trusted header from the future", () => createHubLightClient({ bls: { header: headers[4]!, nextValidatorSet: setB } }, opts, timeOf(4) - 10_001), "LIGHT_CLIENT_ERROR_FROM_THE_FUTURE"],
    ["header of another chain", () => createHubLightClient({ bls: { header: { ...headers[4]!, chainId: "other" }, nextValidatorSet: setB } }, opts, NOW), "LIGHT_CLIENT_ERROR_WRONG_CHAIN"],
    ["a set that is not the header's next set", () => createHubLightClient({ bls: { header: headers[4]!, nextValidatorSet: setA } }, opts, NOW), "LIGHT_CLIENT_ERROR_WRONG_VALIDATOR_SET"],
    ["no trust root at all", () => createHubLightClient({}, opts, NOW), "LIGHT_CLIENT_ERROR_MALFORMED"],
    ["a ZK root without verification keys", () => createHubLightClient({ zk: { height: 0, time: T0, nextValidatorSetRoot: 1n } }, opts, NOW), "LIGHT_CLIENT_ERROR_MALFORMED"],
    ["a degenerate verification key", () => createHubLightClient({ zk: { height: 0, time: T0, nextValidatorSetRoot: 1n } }, { ...zkOpts, zk: { ...zkOpts.zk!, verificationKeys: { quorum4: { ...zv.verificationKey, vk_delta_2: zv.verificationKey.vk_gamma_2 } } } }, NOW), "LIGHT_CLIENT_ERROR_MALFORMED"],
  ])("refused: %s", (_name, fn, code) => {
    let thrown: unknown;
    try {
      fn();
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(LightClientError);
    expect((thrown as LightClientError).code).toBe(code);
  });

  test("the trusting period is checked one millisecond before its end", () => {
    expect(createHubLightClient({ bls: { genesisTime: T0, validatorSet: setA } }, opts, T0 + PERIOD - 1).bls!.height).toBe(0);
  });
});

describe("BLS updates", () => {
  test("a valid update: the header becomes trusted, with the same set for the next height", () => {
    const s0 = genesis();
    const s1 = processBlsUpdate(s0, upd(1), NOW);
    expect(s1).not.toBe(s0);
    expect(s0.bls!.height).toBe(0); // the old value is untouched
    expect(s1.bls).toMatchObject({ height: 1, time: timeOf(1), blockHash: hashOf(1), header: headers[1] });
    expect(s1.bls!.validatorSetRoot).toEqual(rootOf(setA));
    expect(getLatestFinalizedBlock(s1)).toEqual({ height: 1, time: timeOf(1), blockHash: hashOf(1), tier: "bls" });
  });

  test("skipping within an epoch: height 3 straight from genesis", () => {
    expect(processBlsUpdate(genesis(), upd(3), NOW).bls).toMatchObject({ height: 3, blockHash: hashOf(3) });
  });

  test("an epoch change with the new set, then skipping through the new epoch and the next change", () => {
    const s4 = processBlsUpdate(genesis(), upd(4), NOW);
    expect(s4.bls!.validatorSetRoot).toEqual(rootOf(setB));
    expect(s4.bls!.validatorSet).toEqual(setB);
    const s8 = processBlsUpdate(s4, upd(8), NOW);
    expect(s8.bls!.validatorSetRoot).toEqual(rootOf(setC));
    expect(processBlsUpdate(s8, upd(12), NOW).bls).toMatchObject({ height: 12, blockHash: hashOf(12) });
  });

  test("the supplied set's total power and addresses are not trusted: the set is rebuilt", () => {
    const lying = { validators: setB.validators.map((v) => ({ ...v, address: new Uint8Array(20) })), totalPower: 1n };
    const s = processBlsUpdate(genesis(), { ...upd(4), nextValidatorSet: lying }, NOW);
    expect(s.bls!.validatorSet.totalPower).toBe(80n);
    expect(s.bls!.validatorSet).toEqual(setB);
    // With 1n as the total, one validator of power 10 would be a quorum: it is not.
    const one = sign(setB, 5, hashOf(5), [1]);
    expect(refusal(s, (x) => processBlsUpdate(x, { header: headers[5]!, certificate: one }, NOW))).toBe("LIGHT_CLIENT_ERROR_CERTIFICATE_INVALID");
  });

  const tampered = makeHeader(2, hashOf(1), { stateRoot: fill(0xee) });
  const otherChain = makeHeader(2, hashOf(1), { chainId: "aegis-other" });
  const sameTime = makeHeader(2, hashOf(1), { time: timeOf(1) });
  const cases: [string, () => HubLightClientState, BlsLightClientUpdate, number, string, string?][] = [
    ["wrong chain", genesis, { header: otherChain, certificate: sign(setA, 2, computeBlockHash(otherChain), undefined, "aegis-other") }, NOW, "LIGHT_CLIENT_ERROR_WRONG_CHAIN"],
    ["same height", () => atHeight(3), upd(3), NOW, "LIGHT_CLIENT_ERROR_NOT_NEWER"],
    ["older height", () => atHeight(3), upd(2), NOW, "LIGHT_CLIENT_ERROR_NOT_NEWER"],
    ["time not after the trusted time", () => atHeight(1), { header: sameTime, certificate: sign(setA, 2, computeBlockHash(sameTime)) }, NOW, "LIGHT_CLIENT_ERROR_TIME_NOT_INCREASING"],
    ["skipping across a set change", genesis, upd(5), NOW, "LIGHT_CLIENT_ERROR_UNKNOWN_SIGNING_SET"],
    ["an epoch change without the new set", genesis, { header: headers[4]!, certificate: certs[4]! }, NOW, "LIGHT_CLIENT_ERROR_MISSING_VALIDATOR_SET"],
    ["an epoch change with a set whose root is not the header's", genesis, { ...upd(4), nextValidatorSet: setC }, NOW, "LIGHT_CLIENT_ERROR_WRONG_VALIDATOR_SET"],
    ["the new set out of canonical order", genesis, { ...upd(4), nextValidatorSet: { ...setB, validators: [...setB.validators].reverse() } }, NOW, "LIGHT_CLIENT_ERROR_WRONG_VALIDATOR_SET"],
    ["fewer than 2/3 signers (2 of 4)", genesis, { header: headers[2]!, certificate: sign(setA, 2, hashOf(2), [0, 1]) }, NOW, "LIGHT_CLIENT_ERROR_CERTIFICATE_INVALID", "CERT_ERROR_INSUFFICIENT_POWER"],
    ["forged: signed by keys outside the set", genesis, { header: headers[2]!, certificate: sign(setA, 2, hashOf(2), [0, 1, 2], CHAIN, true) }, NOW, "LIGHT_CLIENT_ERROR_CERTIFICATE_INVALID", "CERT_ERROR_INVALID_SIGNATURE"],
    ["signed for another chain id", genesis, { header: headers[2]!, certificate: sign(setA, 2, hashOf(2), undefined, "aegis-other") }, NOW, "LIGHT_CLIENT_ERROR_CERTIFICATE_INVALID", "CERT_ERROR_INVALID_SIGNATURE"],
    ["bitmap of the wrong length", genesis, { header: headers[2]!, certificate: { ...certs[2]!, signers: new Uint8Array(2) } }, NOW, "LIGHT_CLIENT_ERROR_CERTIFICATE_INVALID", "CERT_ERROR_BITMAP_LENGTH"],
    ["header tampered after signing", genesis, { header: tampered, certificate: certs[2]! }, NOW, "LIGHT_CLIENT_ERROR_HEADER_MISMATCH", "CERT_ERROR_BLOCK_HASH_MISMATCH"],
    ["certificate of another height", genesis, { header: headers[2]!, certificate: certs[3]! }, NOW, "LIGHT_CLIENT_ERROR_HEADER_MISMATCH", "CERT_ERROR_HEIGHT_MISMATCH"],
    ["trust expired exactly at the end of the period", genesis, upd(1), T0 + PERIOD, "LIGHT_CLIENT_ERROR_TRUST_EXPIRED"],
    ["from the future (beyond the 10 s drift)", genesis, upd(2), timeOf(2) - 10_001, "LIGHT_CLIENT_ERROR_FROM_THE_FUTURE"],
    ["malformed header", genesis, { header: { ...headers[2]!, proposer: new Uint8Array(19) }, certificate: certs[2]! }, NOW, "LIGHT_CLIENT_ERROR_MALFORMED"],
    ["malformed next set", genesis, { ...upd(4), nextValidatorSet: { validators: [], totalPower: 0n } }, NOW, "LIGHT_CLIENT_ERROR_MALFORMED"],
  ];
  // Rows as one object each: jest would take a missing last column for a `done` callback.
  test.each(cases.map((c) => ({ name: c[0], c })))("refused: $name", ({ c: [, state, update, now, code, certificateCode] }) => {
    const s = state();
    expect(refusal(s, (x) => processBlsUpdate(x, update, now))).toBe(code);
    if (certificateCode) {
      try {
        processBlsUpdate(s, update, now);
      } catch (e) {
        expect((e as LightClientError).type).toMatchObject({ certificateCode });
      }
    }
  });

  test("the period and the drift boundaries are inclusive on the accepting side", () => {
    expect(processBlsUpdate(genesis(), upd(1), T0 + PERIOD - 1).bls!.height).toBe(1);
    expect(processBlsUpdate(genesis(), upd(2), timeOf(2) - 10_000).bls!.height).toBe(2);
    expect(isTrustExpired(genesis(), T0 + PERIOD - 1)).toBe(false);
    expect(isTrustExpired(genesis(), T0 + PERIOD)).toBe(true);
  });

  test("a client without a ZK root refuses ZK certificates, and the reverse", () => {
    expect(refusal(genesis(), (x) => processZkUpdate(x, zkCert, NOW))).toBe("LIGHT_CLIENT_ERROR_NO_TRUSTED_ROOT");
    const zkOnly = createHubLightClient({ zk: { height: 0, time: T0, nextValidatorSetRoot: zkCert.validatorSetRoot } }, zkOpts, NOW);
    expect(refusal(zkOnly, (x) => processBlsUpdate(x, upd(1), NOW))).toBe("LIGHT_CLIENT_ERROR_NO_TRUSTED_ROOT");
  });
});

describe("ZK updates (the committed quorum4 certificate, height 42)", () => {
  const zkState = (over: Partial<{ height: number; time: number; root: bigint }> = {}, now = zkCert.time + 5_000) =>
    createHubLightClient(
      { zk: { height: over.height ?? 41, time: over.time ?? zkCert.time - 1_000, blockHash: fill(41), nextValidatorSetRoot: over.root ?? zkCert.validatorSetRoot } },
      zkOpts,
      now,
    );

  test("a valid certificate: its next root, time and block become trusted", () => {
    const s0 = zkState();
    const s1 = processZkUpdate(s0, zkCert, zkCert.time + 5_000);
    expect(s1.zk).toMatchObject({ height: 42, time: zkCert.time, blockHash: zkCert.blockHash, nextValidatorSetRoot: zkCert.nextValidatorSetRoot });
    expect(s0.zk!.height).toBe(41);
    expect(getLatestFinalizedBlock(s1)).toEqual({ height: 42, time: zkCert.time, blockHash: zkCert.blockHash, tier: "zk" });
    // One proof skips from genesis when the set has not changed in between.
    const fromGenesis = createHubLightClient({ zk: { height: 0, time: zkCert.time - 50_000, nextValidatorSetRoot: zkCert.validatorSetRoot } }, zkOpts, zkCert.time);
    expect(processZkUpdate(fromGenesis, zkCert, zkCert.time).zk!.height).toBe(42);
  });

  const zkCases: [string, () => HubLightClientState, ZkCertificate, number, string, string?][] = [
    ["the same certificate again", () => processZkUpdate(zkState(), zkCert, zkCert.time + 5_000), zkCert, zkCert.time + 5_000, "LIGHT_CLIENT_ERROR_NOT_NEWER"],
    ["not newer than the trusted height", () => zkState({ height: 42 }), zkCert, zkCert.time + 5_000, "LIGHT_CLIENT_ERROR_NOT_NEWER"],
    ["proved against another root than the trusted one", () => zkState({ root: zkCert.validatorSetRoot + 1n }), zkCert, zkCert.time + 5_000, "LIGHT_CLIENT_ERROR_UNKNOWN_SIGNING_SET"],
    ["trust expired exactly at the end of the period", () => zkState({}, zkCert.time), zkCert, zkCert.time - 1_000 + PERIOD, "LIGHT_CLIENT_ERROR_TRUST_EXPIRED"],
    ["time not after the trusted time", () => zkState({ time: zkCert.time }), zkCert, zkCert.time + 5_000, "LIGHT_CLIENT_ERROR_TIME_NOT_INCREASING"],
    ["from the future", () => zkState({}, zkCert.time - 10_001), zkCert, zkCert.time - 10_001, "LIGHT_CLIENT_ERROR_FROM_THE_FUTURE"],
    ["another chain", zkState, { ...zkCert, chainId: "aegis-other" }, zkCert.time + 5_000, "LIGHT_CLIENT_ERROR_WRONG_CHAIN"],
    ["another prover than the proof's", zkState, { ...zkCert, prover: new Uint8Array(20) }, zkCert.time + 5_000, "LIGHT_CLIENT_ERROR_CERTIFICATE_INVALID", "ZK_CERT_ERROR_INVALID_PROOF"],
    ["another block hash than the proof's", zkState, { ...zkCert, blockHash: fill(9) }, zkCert.time + 5_000, "LIGHT_CLIENT_ERROR_CERTIFICATE_INVALID", "ZK_CERT_ERROR_INVALID_PROOF"],
    ["a circuit without a pinned key", zkState, { ...zkCert, circuit: "quorum8" }, zkCert.time + 5_000, "LIGHT_CLIENT_ERROR_CERTIFICATE_INVALID", "ZK_CERT_ERROR_UNKNOWN_CIRCUIT"],
    ["malformed height", zkState, { ...zkCert, height: -1 }, zkCert.time + 5_000, "LIGHT_CLIENT_ERROR_MALFORMED"],
  ];
  test.each(zkCases.map((c) => ({ name: c[0], c })))("refused: $name", ({ c: [, state, cert, now, code, certificateCode] }) => {
    const s = state();
    expect(refusal(s, (x) => processZkUpdate(x, cert, now))).toBe(code);
    if (certificateCode) expect(() => processZkUpdate(s, cert, now)).toThrow(expect.objectContaining({ type: expect.objectContaining({ certificateCode }) }));
  });

  test("one millisecond before the end of the period it is accepted", () => {
    expect(processZkUpdate(zkState({}, zkCert.time), zkCert, zkCert.time - 1_000 + PERIOD - 1).zk!.height).toBe(42);
  });
});

describe("property: any sequence of valid and invalid updates", () => {
  // Precomputed per height: the honest update and forgeries of it.
  type Variant = "valid" | "noSet" | "wrongSet" | "tampered" | "insufficient" | "forged" | "wrongChain";
  const variants: Variant[] = ["valid", "noSet", "wrongSet", "tampered", "insufficient", "forged", "wrongChain"];
  const forgeries = new Map<string, BlsLightClientUpdate>();
  for (let h = 1; h <= 12; h++) {
    const set = epochSetOf(h);
    const t = makeHeader(h, h === 1 ? ZERO_HASH : hashOf(h - 1), { stateRoot: fill(0xee) });
    const oc = { ...headers[h]!, chainId: "aegis-other" };
    const third = Math.floor(set.validators.length / 3) || 1;
    forgeries.set(`${h}/valid`, upd(h));
    forgeries.set(`${h}/noSet`, { header: headers[h]!, certificate: certs[h]! });
    forgeries.set(`${h}/wrongSet`, { ...upd(h), nextValidatorSet: setA === epochSetOf(h + 1) ? setC : setA });
    forgeries.set(`${h}/tampered`, { header: t, certificate: certs[h]! });
    forgeries.set(`${h}/insufficient`, { header: t, certificate: sign(set, h, computeBlockHash(t), set.validators.map((_, i) => i).slice(0, third)) });
    forgeries.set(`${h}/forged`, { header: t, certificate: sign(set, h, computeBlockHash(t), undefined, CHAIN, true) });
    forgeries.set(`${h}/wrongChain`, { header: oc, certificate: sign(set, h, computeBlockHash(oc), undefined, "aegis-other") });
  }
  const honestNextRoot = (h: number) => (h === 0 ? rootOf(setA) : headers[h]!.nextValidatorSetRoot);
  const start = () =>
    createHubLightClient({ bls: { genesisTime: T0, validatorSet: setA }, zk: { height: 0, time: T0, nextValidatorSetRoot: zkCert.validatorSetRoot } }, zkOpts, T0);
  // Mostly within the trusting period, sometimes past it (the period runs from T0 until an update).
  const now = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: T0, max: T0 + PERIOD }) }, { weight: 1, arbitrary: fc.integer({ min: T0, max: T0 + 2 * PERIOD }) });
  const op = fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant("bls" as const), height: fc.integer({ min: 1, max: 12 }), variant: fc.constantFrom(...variants), now }) },
    // The next step of an honest sync (the next epoch's last header, else the next height), so runs do cross set changes.
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("honest" as const), now }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("zk" as const), valid: fc.boolean(), now }) },
  );
  const nextHonest = (h: number) => (h < 4 ? 4 : h < 8 ? 8 : Math.min(h + 1, 12));

  test("the trusted height never moves backwards, and the client never trusts a block that is not the honest chain's", () => {
    const seen = { bls: 0, zk: 0, refused: 0, maxBlsHeight: 0 };
    fc.assert(
      fc.property(fc.array(op, { maxLength: 14 }), (ops) => {
        let s = start();
        for (const o of ops) {
          const before = s;
          const snapshot = structuredClone(s);
          try {
            if (o.kind === "bls") s = processBlsUpdate(s, forgeries.get(`${o.height}/${o.variant}`)!, o.now);
            else if (o.kind === "honest") s = processBlsUpdate(s, upd(nextHonest(s.bls!.height)), o.now);
            else s = processZkUpdate(s, o.valid ? zkCert : { ...zkCert, prover: new Uint8Array(20) }, o.now);
          } catch (e) {
            if (!(e instanceof LightClientError)) throw e;
            seen.refused++;
            expect(s).toBe(before);
            expect(s).toEqual(snapshot);
          }
          expect(getTrustedHeight(s)).toBeGreaterThanOrEqual(getTrustedHeight(before));
          expect(s.bls!.height).toBeGreaterThanOrEqual(before.bls!.height);
          expect(s.zk!.height).toBeGreaterThanOrEqual(before.zk!.height);
          const h = s.bls!.height;
          expect(s.bls!.blockHash).toEqual(h === 0 ? ZERO_HASH : hashOf(h));
          expect(s.bls!.validatorSetRoot).toEqual(honestNextRoot(h));
          expect(computeValidatorSetRoot(s.bls!.validatorSet)).toEqual(honestNextRoot(h));
          if (s.zk!.height === 42) expect(s.zk!.nextValidatorSetRoot).toBe(zkCert.nextValidatorSetRoot);
          if (s !== before) seen[o.kind === "zk" ? "zk" : "bls"]++;
          seen.maxBlsHeight = Math.max(seen.maxBlsHeight, h);
        }
      }),
      { numRuns: 80 },
    );
    // The runs did exercise both tiers' accepting paths and a set change, not only refusals.
    expect(seen.bls).toBeGreaterThan(0);
    expect(seen.zk).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
    expect(seen.maxBlsHeight).toBeGreaterThan(4);
  });
});
