// A ZK tier that starts after genesis (decision 58): the verification key's canonical form
// (parseZkVerificationKey, on the committed real snarkjs key of test/vectors/zkCertificates.json), the
// activation record's bytes and every refusal of their decoder, the record's state proof (tries built by
// the reference builder of stateProof.test.ts, written from the yellow paper's appendix D), and a BLS
// light client that adopts the record (addZkTrustRoot) and then follows the committed real quorum4
// certificate with the key it adopted. Every refusal is a typed error and changes nothing.
import fc from "fast-check";
import { referenceTrie } from "./helpers/referenceTrie.js";
import {
  addZkTrustRoot,
  BN254_BASE_FIELD,
  BN254_SCALAR_FIELD,
  CanonicalWriter,
  computeBlockHash,
  createHubLightClient,
  decodeZkActivation,
  EMPTY_TRIE_ROOT,
  encodeZkActivation,
  fromHex,
  getTrustedHeight,
  initZkCertificateVerifier,
  LIGHT_CLIENT_DEFAULT_MAX_CLOCK_DRIFT_MS,
  LightClientError,
  parseZkVerificationKey,
  processBlsUpdate,
  processZkUpdate,
  StateProofError,
  utf8,
  verifyZkActivationProof,
  ZERO_HASH,
  ZK_ACTIVATION_STATE_KEY,
  ZK_MAX_CAPACITY,
  ZK_MAX_VERIFICATION_KEY_JSON_LENGTH,
  ZkCertificateError,
  type Groth16VerificationKey,
  type HubLightClientOptions,
  type HubLightClientState,
  type ZkActivation,
  type ZkTrustRoot,
} from "../src/index.js";
import { buildHubChain, fill, hubKeys, makeValidatorSet } from "./helpers/hubChain.js";
import { readZkVector, zkCertificateOfVector } from "./helpers/zkVectors.js";

// ---- the committed real vector: a snarkjs key (with its extra vk_alphabeta_12) and a certificate it verifies ----

const zv = readZkVector("zkCertificates.json");
const snarkjsKey: Record<string, unknown> = zv.verificationKey;
const zkCert = zkCertificateOfVector(zv.certificate);
const CIRCUIT = zkCert.circuit;
const CAPACITY: number = zv.capacity;
const vk = parseZkVerificationKey(snarkjsKey);
const VERIFIER_FIELDS = ["protocol", "curve", "nPublic", "vk_alpha_1", "vk_beta_2", "vk_gamma_2", "vk_delta_2", "IC"];

const copyKey = (): any => structuredClone(snarkjsKey);
/** (x, y) → (x, -y) of a snarkjs G2 point: the point's negation. */
const negG2 = (p: string[][]): string[][] => [p[0]!, p[1]!.map((y) => ((BN254_BASE_FIELD - BigInt(y)) % BN254_BASE_FIELD).toString()), p[2]!];

/** The ZkCertificateError `fn` throws (its type), failing the test when it throws anything else or nothing. */
function zkRefusal(fn: () => unknown): { code: string; field?: string; reason?: string } {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(ZkCertificateError);
  return (thrown as ZkCertificateError).type as { code: string; field?: string };
}

// ---- records ----

/** Activated before the first block: the succinct tier starts from the genesis. */
const atGenesis: ZkActivation = {
  circuit: CIRCUIT,
  capacity: CAPACITY,
  verificationKey: vk,
  trust: { height: 0, time: zkCert.time - 50_000, blockHash: new Uint8Array(32), nextValidatorSetRoot: zkCert.validatorSetRoot },
};

// A BLS hub chain whose height h is at zkCert.time - (42 - h) s: the real certificate is of height 42.
const CHAIN = zkCert.chainId;
const PERIOD = 60_000;
const opts: HubLightClientOptions = { chainId: CHAIN, trustingPeriodMs: PERIOD, unbondingPeriodMs: 120_000 };
const T0 = zkCert.time - 42_000;
const blsSet = makeValidatorSet(hubKeys.slice(0, 4), [10n, 10n, 10n, 10n]);
const hub = buildHubChain({ chainId: CHAIN, genesisTime: T0, setAt: () => blsSet }, 41);
const NOW = zkCert.time;

/** Activated by a transaction of block 42: its parent, 41, is where the succinct tier starts. */
const at41: ZkActivation = {
  circuit: CIRCUIT,
  capacity: CAPACITY,
  verificationKey: vk,
  trust: { height: 41, time: hub.timeOf(41), blockHash: hub.hashOf(41), nextValidatorSetRoot: zkCert.validatorSetRoot },
};

const word = (x: bigint): Uint8Array => fromHex(x.toString(16).padStart(64, "0"));

interface RawRecord {
  domain: string;
  circuit: string | Uint8Array;
  capacity: number;
  keyJson: string;
  height: number | bigint;
  time: number;
  blockHash: Uint8Array;
  root: Uint8Array;
}

/** The record's layout written field by field (what the decoder reads), from `a` with fields `over` replaced. */
function rawRecord(a: ZkActivation, over: Partial<RawRecord> = {}): Uint8Array {
  const r: RawRecord = {
    domain: "aegis/zk-activation/v1",
    circuit: a.circuit,
    capacity: a.capacity,
    keyJson: JSON.stringify(a.verificationKey),
    height: a.trust.height,
    time: a.trust.time,
    blockHash: a.trust.blockHash,
    root: word(a.trust.nextValidatorSetRoot),
    ...over,
  };
  const w = new CanonicalWriter().string(r.domain);
  (typeof r.circuit === "string" ? w.string(r.circuit) : w.bytes(r.circuit)).u32(r.capacity);
  return w.string(r.keyJson).u64(r.height).u64(r.time).fixed(r.blockHash, r.blockHash.length, "blockHash").fixed(r.root, r.root.length, "root").finish();
}

/** Root of a trie of `pairs` (distinct keys), and the proof for the activation key (root first). */
function stateTrie(pairs: [Uint8Array, Uint8Array][]): { root: Uint8Array; proof: Uint8Array[] } {
  return referenceTrie(pairs, ZK_ACTIVATION_STATE_KEY);
}

/** Other state of the hub: the zk module's neighbours, a key under the record's own (so the record is a branch's value), and more. */
const otherState: [Uint8Array, Uint8Array][] = [
  [Uint8Array.of(0x50), utf8("zk params")],
  [Uint8Array.of(0x52, 0x00, 0x00, 0x00, 0x29), new Uint8Array(32).fill(0x29)],
  [Uint8Array.of(0x53, 0x01), new Uint8Array(40).fill(7)],
  [Uint8Array.of(0x54), utf8("x")],
  [Uint8Array.of(0x10, 0x20), new Uint8Array(100).fill(1)],
  ...Array.from({ length: 20 }, (_, i): [Uint8Array, Uint8Array] => [Uint8Array.of(0x30, i), Uint8Array.of(i + 1)]),
];

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------

describe("parseZkVerificationKey", () => {
  test("keeps a snarkjs key's verifier fields, in one order, as a copy", () => {
    const raw = copyKey();
    const key = parseZkVerificationKey(raw);
    const { vk_alphabeta_12: extra, ...verifierFields } = snarkjsKey;
    expect(extra).toBeDefined();
    expect(Object.keys(key)).toEqual(VERIFIER_FIELDS);
    expect(key).toEqual(verifierFields);
    expect(key.nPublic).toBe(9);
    expect(key.IC).toHaveLength(10);
    // A copy: the caller changing its object afterwards changes nothing.
    raw.vk_alpha_1[0] = "7";
    raw.vk_delta_2[1][0] = "7";
    raw.IC[3][1] = "7";
    raw.IC.push(["1", "2", "1"]);
    expect(key).toEqual(verifierFields);
  });

  test("one key, one JSON: field order and extra fields do not change it, and parsing is idempotent", () => {
    const reversed = Object.fromEntries(Object.entries(snarkjsKey).reverse());
    const withJunk = { ...copyKey(), comment: "exported by snarkjs", vk_alphabeta_12: [] };
    for (const raw of [reversed, withJunk, vk]) expect(JSON.stringify(parseZkVerificationKey(raw))).toBe(JSON.stringify(vk));
    expect(parseZkVerificationKey(parseZkVerificationKey(snarkjsKey))).toEqual(vk);
  });

  test.each<[string, (k: any) => unknown]>([
    ["null", () => null],
    ["a string", () => JSON.stringify(snarkjsKey)],
    ["an array", () => []],
    ["protocol plonk", (k) => void (k.protocol = "plonk")],
    ["protocol missing", (k) => void delete k.protocol],
    ["curve bls12381", (k) => void (k.curve = "bls12381")],
    ["nPublic 8", (k) => void (k.nPublic = 8)],
    ["nPublic 10", (k) => void (k.nPublic = 10)],
    ["nPublic as a string", (k) => void (k.nPublic = "9")],
    ["IC one short", (k) => void k.IC.pop()],
    ["IC one extra", (k) => void k.IC.push(k.IC[0])],
    ["IC not an array", (k) => void (k.IC = { 0: k.IC[0] })],
    ["vk_delta_2 missing", (k) => void delete k.vk_delta_2],
    ["vk_alpha_1 of two coordinates", (k) => void k.vk_alpha_1.pop()],
    ["vk_beta_2 of two coordinates", (k) => void k.vk_beta_2.pop()],
    ["a vk_gamma_2 coordinate of three numbers", (k) => void k.vk_gamma_2[0].push("1")],
    ["a coordinate as a number", (k) => void (k.vk_alpha_1[0] = 1)],
    ["a coordinate in hex", (k) => void (k.IC[4][0] = "0x" + BigInt(k.IC[4][0]).toString(16))],
    ["a negative coordinate", (k) => void (k.vk_beta_2[1][1] = "-" + k.vk_beta_2[1][1])],
    ["an empty coordinate", (k) => void (k.vk_delta_2[0][0] = "")],
    ["a coordinate with a space", (k) => void (k.IC[9][1] = " " + k.IC[9][1])],
    ["a coordinate in exponent notation", (k) => void (k.vk_alpha_1[2] = "1e0")],
    ["a coordinate of 79 digits", (k) => void (k.vk_alpha_1[1] = "1".repeat(79))],
  ])("refused: %s → ZK_CERT_ERROR_MALFORMED naming the field", (_name, mutate) => {
    const k = copyKey();
    const replaced = mutate(k);
    const bad = replaced === undefined ? k : replaced;
    expect(zkRefusal(() => parseZkVerificationKey(bad))).toMatchObject({ code: "ZK_CERT_ERROR_MALFORMED", field: "verificationKey" });
    expect(zkRefusal(() => parseZkVerificationKey(bad, "genesis.zk.verificationKey"))).toMatchObject({ code: "ZK_CERT_ERROR_MALFORMED", field: "genesis.zk.verificationKey" });
  });

  test("a delta that is not affine (z other than (1, 0)) is ZK_CERT_ERROR_MALFORMED", () => {
    const k = copyKey();
    k.vk_delta_2[2] = ["2", "0"];
    expect(zkRefusal(() => parseZkVerificationKey(k))).toMatchObject({ code: "ZK_CERT_ERROR_MALFORMED", field: expect.stringContaining("delta") });
  });

  test.each<[string, (k: any) => void]>([
    ["delta equal to gamma", (k) => void (k.vk_delta_2 = structuredClone(k.vk_gamma_2))],
    ["delta the negation of gamma", (k) => void (k.vk_delta_2 = negG2(k.vk_gamma_2))],
  ])("refused: %s (a key that proves anything) → ZK_CERT_ERROR_DEGENERATE_KEY", (_name, mutate) => {
    const k = copyKey();
    mutate(k);
    expect(zkRefusal(() => parseZkVerificationKey(k)).code).toBe("ZK_CERT_ERROR_DEGENERATE_KEY");
  });
});

describe("encodeZkActivation / decodeZkActivation", () => {
  test("the state key is 0x53, in the zk module's prefix range", () => {
    expect(ZK_ACTIVATION_STATE_KEY).toEqual(Uint8Array.of(0x53));
  });

  test.each<[string, ZkActivation]>([
    ["height 0 (the genesis, zero hash)", atGenesis],
    ["height 41 (a block's hash)", at41],
  ])("round trip at %s, in the documented layout", (_name, a) => {
    const bytes = encodeZkActivation(a);
    expect(bytes).toEqual(rawRecord(a));
    expect(decodeZkActivation(bytes)).toEqual(a);
    // The key's JSON inside is the canonical one, whatever form the key was given in.
    expect(encodeZkActivation({ ...a, verificationKey: snarkjsKey as unknown as Groth16VerificationKey })).toEqual(bytes);
    expect(indexOf(bytes, utf8(JSON.stringify(vk)))).toBeGreaterThan(0);
    // The trusted point is at the end: block hash, then the root as 32 big-endian bytes.
    expect(bytes.subarray(bytes.length - 64, bytes.length - 32)).toEqual(a.trust.blockHash);
    expect(bytes.subarray(bytes.length - 32)).toEqual(word(a.trust.nextValidatorSetRoot));
  });

  test("the decoded record is the caller's to change: a second decode is the same", () => {
    const bytes = encodeZkActivation(at41);
    const d = decodeZkActivation(bytes);
    d.trust.blockHash.fill(0);
    d.verificationKey.IC[0]![0] = "1";
    expect(decodeZkActivation(bytes)).toEqual(at41);
  });

  test("property: every well-formed record round-trips, and its bytes are canonical", () => {
    const capacity = fc.constantFrom(...Array.from({ length: Math.log2(ZK_MAX_CAPACITY) + 1 }, (_, i) => 2 ** i));
    const trust = fc.oneof(
      fc.record({ height: fc.constant(0), time: fc.nat(), blockHash: fc.constant(new Uint8Array(32)), nextValidatorSetRoot: fc.bigInt(0n, BN254_SCALAR_FIELD - 1n) }),
      fc.record({
        height: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        time: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        blockHash: fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((h) => h.some((b) => b !== 0)),
        nextValidatorSetRoot: fc.bigInt(0n, BN254_SCALAR_FIELD - 1n),
      }),
    );
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9_-]{1,64}$/), capacity, trust, (circuit, cap, t) => {
        const a: ZkActivation = { circuit, capacity: cap, verificationKey: vk, trust: t };
        const bytes = encodeZkActivation(a);
        expect(bytes).toEqual(rawRecord(a));
        expect(decodeZkActivation(bytes)).toEqual(a);
      }),
      { numRuns: 100 },
    );
  });

  test.each<[string, (a: any) => void, string, string]>([
    ["capacity 3 (not a power of two)", (a) => void (a.capacity = 3), "ZK_CERT_ERROR_MALFORMED", "zkActivation.capacity"],
    ["capacity 0", (a) => void (a.capacity = 0), "ZK_CERT_ERROR_MALFORMED", "zkActivation.capacity"],
    ["capacity above the largest circuit", (a) => void (a.capacity = 2 * ZK_MAX_CAPACITY), "ZK_CERT_ERROR_MALFORMED", "zkActivation.capacity"],
    ["an uppercase circuit name", (a) => void (a.circuit = "Quorum4"), "ZK_CERT_ERROR_MALFORMED", "zkActivation.circuit"],
    ["an empty circuit name", (a) => void (a.circuit = ""), "ZK_CERT_ERROR_MALFORMED", "zkActivation.circuit"],
    ["a negative height", (a) => void (a.trust.height = -1), "ZK_CERT_ERROR_MALFORMED", "zkActivation.trust.height"],
    ["a fractional time", (a) => void (a.trust.time = 1.5), "ZK_CERT_ERROR_MALFORMED", "zkActivation.trust.time"],
    ["a block hash of 31 bytes", (a) => void (a.trust.blockHash = new Uint8Array(31).fill(1)), "ZK_CERT_ERROR_MALFORMED", "zkActivation.trust.blockHash"],
    ["a zero block hash above height 0", (a) => void (a.trust.blockHash = new Uint8Array(32)), "ZK_CERT_ERROR_MALFORMED", "zkActivation.trust.blockHash"],
    ["a non-zero block hash at height 0", (a) => void (a.trust.height = 0), "ZK_CERT_ERROR_MALFORMED", "zkActivation.trust.blockHash"],
    ["a root equal to the scalar field's order", (a) => void (a.trust.nextValidatorSetRoot = BN254_SCALAR_FIELD), "ZK_CERT_ERROR_MALFORMED", "zkActivation.trust.nextValidatorSetRoot"],
    ["a negative root", (a) => void (a.trust.nextValidatorSetRoot = -1n), "ZK_CERT_ERROR_MALFORMED", "zkActivation.trust.nextValidatorSetRoot"],
    ["a key for 8 public inputs", (a) => void (a.verificationKey.nPublic = 8), "ZK_CERT_ERROR_MALFORMED", "zkActivation.verificationKey"],
  ])("encode refuses %s", (_name, mutate, code, field) => {
    const a = structuredClone(at41);
    mutate(a);
    expect(zkRefusal(() => encodeZkActivation(a))).toMatchObject({ code, field });
  });

  test("encode refuses a degenerate key: ZK_CERT_ERROR_DEGENERATE_KEY", () => {
    const a = structuredClone(at41);
    a.verificationKey.vk_delta_2 = structuredClone(a.verificationKey.vk_gamma_2);
    expect(zkRefusal(() => encodeZkActivation(a)).code).toBe("ZK_CERT_ERROR_DEGENERATE_KEY");
  });

  test("every truncation of a record is ZK_CERT_ERROR_MALFORMED", () => {
    const bytes = encodeZkActivation(at41);
    for (let n = 0; n < bytes.length; n++) {
      expect({ n, ...zkRefusal(() => decodeZkActivation(bytes.subarray(0, n))) }).toMatchObject({ n, code: "ZK_CERT_ERROR_MALFORMED", field: "zkActivation" });
    }
  });

  const keyJsonOf = (k: unknown) => JSON.stringify(k);
  const degenerateKey = { ...vk, vk_delta_2: vk.vk_gamma_2 };
  test.each<[string, () => Uint8Array, string]>([
    ["a trailing byte", () => Uint8Array.of(...encodeZkActivation(at41), 0), "zkActivation"],
    ["another domain (v2)", () => rawRecord(at41, { domain: "aegis/zk-activation/v2" }), "zkActivation"],
    ["another record's domain", () => rawRecord(at41, { domain: "aegis/zk-attestation/v1" }), "zkActivation"],
    ["the key re-serialized with spaces", () => rawRecord(at41, { keyJson: JSON.stringify(vk, null, 1) }), "zkActivation.verificationKey"],
    ["the key with a space after each colon", () => rawRecord(at41, { keyJson: keyJsonOf(vk).replace(/":/g, '": ') }), "zkActivation.verificationKey"],
    ["the key as snarkjs wrote it (vk_alphabeta_12 kept)", () => rawRecord(at41, { keyJson: keyJsonOf(snarkjsKey) }), "zkActivation.verificationKey"],
    ["the key's fields in another order", () => rawRecord(at41, { keyJson: keyJsonOf(Object.fromEntries(Object.entries(vk).reverse())) }), "zkActivation.verificationKey"],
    ["the key not JSON", () => rawRecord(at41, { keyJson: keyJsonOf(vk).slice(0, -1) }), "zkActivation.verificationKey"],
    ["the key JSON null", () => rawRecord(at41, { keyJson: "null" }), "zkActivation.verificationKey"],
    ["the key for 8 public inputs", () => rawRecord(at41, { keyJson: keyJsonOf({ ...vk, nPublic: 8 }) }), "zkActivation.verificationKey"],
    ["a key JSON longer than the limit", () => rawRecord(at41, { keyJson: " ".repeat(ZK_MAX_VERIFICATION_KEY_JSON_LENGTH - 2) + keyJsonOf(vk) }), "zkActivation"],
    ["an uppercase circuit name", () => rawRecord(at41, { circuit: "Quorum4" }), "zkActivation.circuit"],
    ["an empty circuit name", () => rawRecord(at41, { circuit: "" }), "zkActivation.circuit"],
    ["a circuit name with a space", () => rawRecord(at41, { circuit: "quorum 4" }), "zkActivation.circuit"],
    ["a circuit name of 65 characters", () => rawRecord(at41, { circuit: "q".repeat(65) }), "zkActivation"],
    ["a circuit name that is not UTF-8", () => rawRecord(at41, { circuit: Uint8Array.of(0x71, 0xff) }), "zkActivation"],
    ["capacity 3 (not a power of two)", () => rawRecord(at41, { capacity: 3 }), "zkActivation.capacity"],
    ["capacity 0", () => rawRecord(at41, { capacity: 0 }), "zkActivation.capacity"],
    ["capacity above the largest circuit", () => rawRecord(at41, { capacity: 2 * ZK_MAX_CAPACITY }), "zkActivation.capacity"],
    ["a zero block hash above height 0", () => rawRecord(at41, { blockHash: new Uint8Array(32) }), "zkActivation.trust.blockHash"],
    ["a non-zero block hash at height 0", () => rawRecord(atGenesis, { blockHash: fill(1) }), "zkActivation.trust.blockHash"],
    ["height 41 with the genesis's zero hash", () => rawRecord(atGenesis, { height: 41 }), "zkActivation.trust.blockHash"],
    ["a height above 2^53 - 1", () => rawRecord(at41, { height: 2n ** 53n }), "zkActivation"],
    ["a root equal to the scalar field's order", () => rawRecord(at41, { root: word(BN254_SCALAR_FIELD) }), "zkActivation.trust.nextValidatorSetRoot"],
    ["a root of all ones", () => rawRecord(at41, { root: new Uint8Array(32).fill(0xff) }), "zkActivation.trust.nextValidatorSetRoot"],
  ])("decode refuses %s: ZK_CERT_ERROR_MALFORMED", (_name, bytes, field) => {
    expect(zkRefusal(() => decodeZkActivation(bytes()))).toMatchObject({ code: "ZK_CERT_ERROR_MALFORMED", field });
  });

  test("decode refuses a record holding a degenerate key: ZK_CERT_ERROR_DEGENERATE_KEY", () => {
    expect(zkRefusal(() => decodeZkActivation(rawRecord(at41, { keyJson: keyJsonOf(degenerateKey) }))).code).toBe("ZK_CERT_ERROR_DEGENERATE_KEY");
  });

  test("the root just below the field's order is a field element", () => {
    const a = { ...at41, trust: { ...at41.trust, nextValidatorSetRoot: BN254_SCALAR_FIELD - 1n } };
    expect(decodeZkActivation(rawRecord(a))).toEqual(a);
  });
});

describe("verifyZkActivationProof", () => {
  test("proves the record in a state with other keys, including one under the record's own key", async () => {
    const { root, proof } = stateTrie([...otherState, [ZK_ACTIVATION_STATE_KEY, encodeZkActivation(at41)]]);
    expect(proof.length).toBeGreaterThan(1);
    expect(await verifyZkActivationProof(root, proof)).toEqual(at41);
  });

  test("proves the record in a state of that key alone (the root is the leaf)", async () => {
    const { root, proof } = stateTrie([[ZK_ACTIVATION_STATE_KEY, encodeZkActivation(atGenesis)]]);
    expect(proof).toHaveLength(1);
    expect(await verifyZkActivationProof(root, proof)).toEqual(atGenesis);
  });

  test("a state without the record proves the hub not activated: null", async () => {
    const { root, proof } = stateTrie(otherState);
    expect(await verifyZkActivationProof(root, proof)).toBeNull();
    expect(await verifyZkActivationProof(EMPTY_TRIE_ROOT, [])).toBeNull();
  });

  test("a proof checked against another state's root: StateProofError STATE_ERROR_INVALID_PROOF", async () => {
    const withRecord = stateTrie([...otherState, [ZK_ACTIVATION_STATE_KEY, encodeZkActivation(at41)]]);
    const otherRecord = stateTrie([...otherState, [ZK_ACTIVATION_STATE_KEY, encodeZkActivation(atGenesis)]]);
    const without = stateTrie(otherState);
    for (const [root, proof] of [
      [otherRecord.root, withRecord.proof],
      [without.root, withRecord.proof],
      [withRecord.root, without.proof],
      [withRecord.root, otherRecord.proof],
      [withRecord.root, []],
    ] as const) {
      const e = await rejection(verifyZkActivationProof(root, proof));
      expect(e).toBeInstanceOf(StateProofError);
      expect((e as StateProofError).code).toBe("STATE_ERROR_INVALID_PROOF");
    }
  });

  test("a record changed inside the proof is refused: STATE_ERROR_INVALID_PROOF", async () => {
    const record = encodeZkActivation(at41);
    const { root, proof } = stateTrie([...otherState, [ZK_ACTIVATION_STATE_KEY, record]]);
    const holder = proof.findIndex((n) => indexOf(n, record) >= 0);
    expect(holder).toBeGreaterThanOrEqual(0);
    const at = indexOf(proof[holder]!, record);
    // the capacity, the key, the trusted height, the block hash, the root's last byte
    const capacityOffset = 4 + 22 + 4 + CIRCUIT.length;
    for (const offset of [capacityOffset + 3, capacityOffset + 100, record.length - 64 - 9, record.length - 33, record.length - 1]) {
      const tampered = proof.map((n) => n.slice());
      tampered[holder]![at + offset]! ^= 1;
      const e = await rejection(verifyZkActivationProof(root, tampered));
      expect(e).toBeInstanceOf(StateProofError);
      expect((e as StateProofError).code).toBe("STATE_ERROR_INVALID_PROOF");
    }
  });

  test("a proven value that is not a record: ZK_CERT_ERROR_MALFORMED", async () => {
    const record = encodeZkActivation(at41);
    for (const value of [Uint8Array.of(...record, 0), record.subarray(0, record.length - 1), rawRecord(at41, { keyJson: JSON.stringify(vk, null, 2) }), utf8("activated")]) {
      const { root, proof } = stateTrie([...otherState, [ZK_ACTIVATION_STATE_KEY, value]]);
      const e = await rejection(verifyZkActivationProof(root, proof));
      expect(e).toBeInstanceOf(ZkCertificateError);
      expect((e as ZkCertificateError).code).toBe("ZK_CERT_ERROR_MALFORMED");
    }
  });
});

describe("addZkTrustRoot", () => {
  const blsOnly = (o: HubLightClientOptions = opts) => createHubLightClient({ bls: { genesisTime: T0, validatorSet: blsSet } }, o, NOW);
  const trustOf = (a: ZkActivation): ZkTrustRoot => ({
    height: a.trust.height,
    time: a.trust.time,
    ...(a.trust.height > 0 ? { blockHash: a.trust.blockHash.slice() } : {}),
    nextValidatorSetRoot: a.trust.nextValidatorSetRoot,
  });
  const keysOf = (a: ZkActivation) => ({ verificationKeys: { [a.circuit]: a.verificationKey }, capacities: { [a.circuit]: a.capacity } });
  /** Freezes plain objects and arrays all the way down (typed arrays with elements cannot be frozen). */
  const deepFreeze = <T>(x: T): T => {
    if (x !== null && typeof x === "object" && !ArrayBuffer.isView(x)) {
      for (const v of Object.values(x)) deepFreeze(v);
      Object.freeze(x);
    }
    return x;
  };

  beforeAll(() => initZkCertificateVerifier());

  test("a BLS light client adopts the record proven under a header it verified, then follows the real certificate with its key", async () => {
    const state = stateTrie([...otherState, [ZK_ACTIVATION_STATE_KEY, encodeZkActivation(at41)]]);
    const header42 = hub.makeHeader(42, hub.hashOf(41), { stateRoot: state.root });
    const lc = processBlsUpdate(blsOnly(), { header: header42, certificate: hub.sign(blsSet, 42, computeBlockHash(header42)) }, NOW);
    expect(lc.zk).toBeUndefined();
    const a = await verifyZkActivationProof(lc.bls!.header!.stateRoot, state.proof);
    expect(a).toEqual(at41);
    const withZk = addZkTrustRoot(lc, trustOf(a!), keysOf(a!), NOW);
    expect(withZk.zk).toMatchObject({ height: 41, time: hub.timeOf(41), blockHash: hub.hashOf(41), nextValidatorSetRoot: zkCert.validatorSetRoot });
    expect(withZk.bls).toBe(lc.bls);
    const followed = processZkUpdate(withZk, zkCert, NOW);
    expect(followed.zk).toMatchObject({ height: 42, blockHash: zkCert.blockHash, nextValidatorSetRoot: zkCert.nextValidatorSetRoot });
    // Without the tier the same certificate has no trusted root.
    expect(() => processZkUpdate(lc, zkCert, NOW)).toThrow(LightClientError);
  });

  test("adds the tier to a BLS-only client: a new frozen state, the input untouched", () => {
    const s = blsOnly();
    const before = structuredClone(s);
    const trust = deepFreeze(trustOf(at41));
    const keys = deepFreeze(keysOf(at41));
    const next = addZkTrustRoot(s, trust, keys, NOW);
    expect(next).not.toBe(s);
    expect(s).toEqual(before);
    expect(s.zk).toBeUndefined();
    expect(next).toEqual({ ...before, zk: { ...trustOf(at41), verificationKeys: { [CIRCUIT]: vk }, capacities: { [CIRCUIT]: CAPACITY } } });
    for (const o of [next, next.zk, next.zk!.verificationKeys, next.zk!.capacities]) expect(Object.isFrozen(o)).toBe(true);
    expect(getTrustedHeight(next)).toBe(41);
    // The block hash is the state's own copy.
    trust.blockHash!.fill(0);
    expect(next.zk!.blockHash).toEqual(hub.hashOf(41));
  });

  test("at height 0 (activated before the first block) the block hash is the zero hash", () => {
    const next = addZkTrustRoot(blsOnly(), trustOf(atGenesis), keysOf(atGenesis), NOW);
    expect(next.zk).toMatchObject({ height: 0, time: atGenesis.trust.time, blockHash: ZERO_HASH });
    expect(getTrustedHeight(next)).toBe(0);
  });

  test("the trusting period and the drift are the state's, checked to the millisecond", () => {
    const drift = LIGHT_CLIENT_DEFAULT_MAX_CLOCK_DRIFT_MS;
    const at = (time: number, o?: HubLightClientOptions) => addZkTrustRoot(blsOnly(o), { ...trustOf(at41), time }, keysOf(at41), NOW);
    expect(at(NOW - PERIOD + 1).zk!.time).toBe(NOW - PERIOD + 1);
    expect(at(NOW + drift).zk!.time).toBe(NOW + drift);
    // A client with a shorter period (its genesis, 42 s old, still trusted) and no drift.
    const short = { ...opts, trustingPeriodMs: 45_000, maxClockDriftMs: 0 };
    expect(at(NOW - 44_999, short).zk!.time).toBe(NOW - 44_999);
    expect(at(NOW, short).zk!.time).toBe(NOW);
    const codeOf = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof LightClientError ? (e.type as { code: string; tier?: string }) : e;
      }
      return undefined;
    };
    expect(codeOf(() => at(NOW - 45_000, short))).toMatchObject({ code: "LIGHT_CLIENT_ERROR_TRUST_EXPIRED", tier: "zk", trustingPeriodMs: 45_000 });
    expect(codeOf(() => at(NOW + 1, short))).toMatchObject({ code: "LIGHT_CLIENT_ERROR_FROM_THE_FUTURE", tier: "zk", maxClockDriftMs: 0 });
  });

  /** The LightClientError's type, after checking that neither the state nor the inputs changed. */
  function refusal(state: HubLightClientState, trust: ZkTrustRoot, keys: unknown, now: number): Record<string, unknown> {
    const saved = structuredClone({ state, trust, keys });
    let thrown: unknown;
    try {
      addZkTrustRoot(deepFreeze(state), deepFreeze(trust), deepFreeze(keys) as ReturnType<typeof keysOf>, now);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(LightClientError);
    expect({ state, trust, keys }).toEqual(saved);
    return (thrown as LightClientError).type as Record<string, unknown>;
  }

  const M = "LIGHT_CLIENT_ERROR_MALFORMED";
  const drift = LIGHT_CLIENT_DEFAULT_MAX_CLOCK_DRIFT_MS;
  test.each<[string, () => [HubLightClientState, ZkTrustRoot, unknown, number], Record<string, unknown>]>([
    ["a state with a ZK tier already (added)", () => [addZkTrustRoot(blsOnly(), trustOf(at41), keysOf(at41), NOW), trustOf(at41), keysOf(at41), NOW], { code: M, field: "state.zk" }],
    [
      "a state with a ZK tier already (from creation)",
      () => [createHubLightClient({ zk: { height: 0, time: T0, nextValidatorSetRoot: 1n } }, { ...opts, zk: keysOf(at41) }, NOW), trustOf(at41), keysOf(at41), NOW],
      { code: M, field: "state.zk" },
    ],
    [
      "a trusted time a trusting period old",
      () => [blsOnly(), { ...trustOf(at41), time: NOW - PERIOD }, keysOf(at41), NOW],
      { code: "LIGHT_CLIENT_ERROR_TRUST_EXPIRED", tier: "zk", trustedTime: NOW - PERIOD, trustingPeriodMs: PERIOD, now: NOW },
    ],
    [
      "a record adopted a trusting period after the activation",
      () => [blsOnly(), trustOf(at41), keysOf(at41), at41.trust.time + PERIOD],
      { code: "LIGHT_CLIENT_ERROR_TRUST_EXPIRED", tier: "zk", trustedTime: at41.trust.time, trustingPeriodMs: PERIOD, now: at41.trust.time + PERIOD },
    ],
    [
      "a trusted time from the future",
      () => [blsOnly(), { ...trustOf(at41), time: NOW + drift + 1 }, keysOf(at41), NOW],
      { code: "LIGHT_CLIENT_ERROR_FROM_THE_FUTURE", tier: "zk", time: NOW + drift + 1, now: NOW, maxClockDriftMs: drift },
    ],
    ["no keys", () => [blsOnly(), trustOf(at41), undefined, NOW], { code: M, field: "opts.zk" }],
    ["an empty set of keys", () => [blsOnly(), trustOf(at41), { verificationKeys: {}, capacities: {} }, NOW], { code: M, field: "opts.zk" }],
    ["keys without capacities", () => [blsOnly(), trustOf(at41), { verificationKeys: { [CIRCUIT]: vk } }, NOW], { code: M, field: "opts.zk" }],
    ["no capacity for the key's circuit", () => [blsOnly(), trustOf(at41), { verificationKeys: { [CIRCUIT]: vk }, capacities: { other: 4 } }, NOW], { code: M, field: `opts.zk.capacities.${CIRCUIT}` }],
    ["capacity 0", () => [blsOnly(), trustOf(at41), { ...keysOf(at41), capacities: { [CIRCUIT]: 0 } }, NOW], { code: M, field: `opts.zk.capacities.${CIRCUIT}` }],
    ["a key under a name that is not a circuit's", () => [blsOnly(), trustOf(at41), { verificationKeys: { Quorum4: vk }, capacities: { Quorum4: 4 } }, NOW], { code: M, field: "opts.zk.verificationKeys" }],
    [
      "a degenerate key",
      () => [blsOnly(), trustOf(at41), { ...keysOf(at41), verificationKeys: { [CIRCUIT]: { ...vk, vk_delta_2: vk.vk_gamma_2 } } }, NOW],
      { code: M, field: `opts.zk.verificationKeys.${CIRCUIT}`, reason: "ZK_CERT_ERROR_DEGENERATE_KEY" },
    ],
    ["a negative height", () => [blsOnly(), { ...trustOf(at41), height: -1 }, keysOf(at41), NOW], { code: M, field: "trust.zk.height" }],
    ["a fractional time", () => [blsOnly(), { ...trustOf(at41), time: NOW - 0.5 }, keysOf(at41), NOW], { code: M, field: "trust.zk.time" }],
    ["no block hash above height 0", () => [blsOnly(), { height: 41, time: at41.trust.time, nextValidatorSetRoot: 1n }, keysOf(at41), NOW], { code: M, field: "trust.zk.blockHash" }],
    ["a block hash of 31 bytes", () => [blsOnly(), { ...trustOf(at41), blockHash: new Uint8Array(31).fill(1) }, keysOf(at41), NOW], { code: M, field: "trust.zk.blockHash" }],
    ["a root equal to the scalar field's order", () => [blsOnly(), { ...trustOf(at41), nextValidatorSetRoot: BN254_SCALAR_FIELD }, keysOf(at41), NOW], { code: M, field: "trust.zk.nextValidatorSetRoot" }],
    ["a root as a number", () => [blsOnly(), { ...trustOf(at41), nextValidatorSetRoot: 1 as unknown as bigint }, keysOf(at41), NOW], { code: M, field: "trust.zk.nextValidatorSetRoot" }],
    ["a negative now", () => [blsOnly(), trustOf(at41), keysOf(at41), -1], { code: M, field: "now" }],
    ["a fractional now", () => [blsOnly(), trustOf(at41), keysOf(at41), NOW + 0.5], { code: M, field: "now" }],
  ])("refused: %s", (_name, args, expected) => {
    expect(refusal(...args())).toMatchObject(expected);
  });
});
