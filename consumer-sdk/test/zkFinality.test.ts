import { buildPoseidon } from "circomlibjs";
import {
  BN254_SCALAR_FIELD,
  computeFinalityMessage,
  computeQuorumCircuitInput,
  computeZkChainId,
  computeZkProverField,
  computeZkSignerBitmap,
  computeZkValidatorSetRoot,
  EMPTY_ZK_SLOT,
  getZkSigners,
  isSameFinalityStatement,
  padZkValidatorSlots,
  sha256,
  splitBlockHash,
  utf8,
  ZK_FINALITY_DOMAIN,
  ZK_MAX_POWER,
  ZK_PROVER_LENGTH,
  ZK_PUBLIC_INPUTS,
  ZkError,
  type ZkValidatorSlot,
} from "../src/index.js";

const slot = (i: number, power = 10n): ZkValidatorSlot => ({ ax: 1000n + BigInt(i), ay: 2000n + BigInt(i), power });
const hash = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const TIME = 1_767_225_600_000;
/** A statement of block 7 signed by a set of root 4 (the message's own checks do not need a real root). */
const base = { chainId: "aegis-1", height: 7, time: TIME, blockHash: hash, validatorSetRoot: 4n, nextValidatorSetRoot: 5n };
const prover = Uint8Array.from({ length: ZK_PROVER_LENGTH }, (_, i) => 0xa0 + i);

function zkCode(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    if (e instanceof ZkError) return e.type;
    throw e;
  }
  return undefined;
}

test("the finality domain is the ASCII of aegis/finality/v2 (the circuit's constant; v1 named neither the time nor the signing set)", () => {
  expect(ZK_FINALITY_DOMAIN.toString(16)).toBe("61656769732f66696e616c6974792f7632");
});

test("Poseidon here is circomlib's: message and root match circomlibjs", async () => {
  const poseidon = await buildPoseidon();
  const P = (xs: bigint[]) => poseidon.F.toObject(poseidon(xs)) as bigint;
  const next = 99n;
  const { hi, lo } = splitBlockHash(hash);
  // Poseidon8(domain, chain id, height, time, hash hi, hash lo, signing set root, next set root).
  expect(computeFinalityMessage({ chainId: "aegis-1", height: 7, time: TIME, blockHash: hash, validatorSetRoot: 98n, nextValidatorSetRoot: next })).toBe(
    P([ZK_FINALITY_DOMAIN, computeZkChainId("aegis-1"), 7n, BigInt(TIME), hi, lo, 98n, next]),
  );
  const slots = [slot(0), slot(1, 20n), slot(2, 30n)];
  const leaves = [...slots, EMPTY_ZK_SLOT].map((s) => P([s.ax, s.ay, s.power]));
  expect(computeZkValidatorSetRoot(slots, 4)).toBe(P([P([leaves[0]!, leaves[1]!]), P([leaves[2]!, leaves[3]!])]));
  expect(computeZkValidatorSetRoot([slot(0)], 1)).toBe(P([slot(0).ax, slot(0).ay, slot(0).power]));
});

test("chain id: the first 31 bytes of its SHA-256, so it is a field element; distinct ids differ", () => {
  const id = computeZkChainId("aegis-devnet-1");
  expect(id).toBe(BigInt("0x" + Buffer.from(sha256(utf8("aegis-devnet-1")).subarray(0, 31)).toString("hex")));
  expect(id < BN254_SCALAR_FIELD).toBe(true);
  expect(computeZkChainId("aegis-devnet-2")).not.toBe(id);
  expect(zkCode(() => computeZkChainId(""))).toEqual({ code: "ZK_ERROR_INVALID_INPUT", field: "chainId", reason: "empty" });
});

test("block hash limbs: high and low 16 bytes, big endian", () => {
  const { hi, lo } = splitBlockHash(hash);
  expect(hi).toBe(BigInt("0x0102030405060708090a0b0c0d0e0f10"));
  expect(lo).toBe(BigInt("0x1112131415161718191a1b1c1d1e1f20"));
  expect(zkCode(() => splitBlockHash(new Uint8Array(31)))).toMatchObject({ code: "ZK_ERROR_INVALID_INPUT", field: "blockHash" });
});

test.each([
  ["the chain id", { chainId: "aegis-2" }],
  ["the height", { height: 8 }],
  ["the block hash", { blockHash: Uint8Array.from(hash, (b, i) => (i === 31 ? b ^ 1 : b)) }],
  // v2: an attestation of one block at another time is another message (the trusting period is measured from it) ...
  ["the time, by 1 ms", { time: TIME + 1 }],
  ["the time, as another block's", { time: TIME - 1000 }],
  // ... and so is one under another signing set (the set a certificate names is the set that signed).
  ["the signing set root", { validatorSetRoot: 3n }],
  ["the signing and next roots swapped", { validatorSetRoot: 5n, nextValidatorSetRoot: 4n }],
  ["the next set root", { nextValidatorSetRoot: 6n }],
])("the message changes with %s", (_name, changed) => {
  expect(computeFinalityMessage({ ...base, ...changed })).not.toBe(computeFinalityMessage(base));
});

test("the message takes a height and a time as number or bigint alike", () => {
  expect(computeFinalityMessage({ ...base, height: 7n, time: BigInt(TIME) })).toBe(computeFinalityMessage(base));
});

test("isSameFinalityStatement: equal only when height, time, block hash and both roots are", () => {
  expect(isSameFinalityStatement(base, { ...base, blockHash: Uint8Array.from(hash), height: 7n, time: BigInt(TIME) })).toBe(true);
  for (const changed of [{ height: 8 }, { time: TIME + 1 }, { blockHash: new Uint8Array(32) }, { blockHash: hash.subarray(0, 31) }, { validatorSetRoot: 3n }, { nextValidatorSetRoot: 6n }]) {
    expect(isSameFinalityStatement(base, { ...base, ...changed })).toBe(false);
    expect(isSameFinalityStatement({ ...base, ...changed }, base)).toBe(false);
  }
});

test.each([
  ["height 0", { height: 0 }, "height"],
  ["height not an integer", { height: 1.5 }, "height"],
  ["height of 2^64", { height: 1n << 64n }, "height"],
  ["next root outside the field", { nextValidatorSetRoot: BN254_SCALAR_FIELD }, "nextValidatorSetRoot"],
  ["next root negative", { nextValidatorSetRoot: -1n }, "nextValidatorSetRoot"],
  ["hash of 33 bytes", { blockHash: new Uint8Array(33) }, "blockHash"],
  ["a negative time", { time: -1 }, "time"],
  ["a time that is not an integer", { time: TIME + 0.5 }, "time"],
  ["a time of 2^64 ms", { time: 1n << 64n }, "time"],
  ["a time as a string", { time: String(TIME) as unknown as number }, "time"],
  ["signing root outside the field", { validatorSetRoot: BN254_SCALAR_FIELD }, "validatorSetRoot"],
  ["signing root negative", { validatorSetRoot: -1n }, "validatorSetRoot"],
])("finality message refuses %s", (_name, change, field) => {
  expect(zkCode(() => computeFinalityMessage({ ...base, ...change }))).toMatchObject({
    code: "ZK_ERROR_INVALID_INPUT",
    field,
  });
});

test("slots are padded with the identity and no power; the input is not changed", () => {
  const slots = [slot(0), slot(1)];
  const padded = padZkValidatorSlots(slots, 4);
  expect(padded).toEqual([slot(0), slot(1), { ax: 0n, ay: 1n, power: 0n }, { ax: 0n, ay: 1n, power: 0n }]);
  padded[0]!.power = 1n;
  expect(slots[0]!.power).toBe(10n);
});

test.each([
  ["capacity not a power of two", [slot(0)], 3, { code: "ZK_ERROR_INVALID_CAPACITY", capacity: 3 }],
  ["capacity 0", [], 0, { code: "ZK_ERROR_INVALID_CAPACITY", capacity: 0 }],
  ["capacity over the maximum", [], 256, { code: "ZK_ERROR_INVALID_CAPACITY", capacity: 256 }],
  ["more slots than the capacity", [slot(0), slot(1), slot(2)], 2, { code: "ZK_ERROR_TOO_MANY_SLOTS", slots: 3, capacity: 2 }],
  ["a key in two slots", [slot(0), slot(1), { ...slot(0), power: 5n }], 4, { code: "ZK_ERROR_DUPLICATE_KEY", index: 2, firstIndex: 0 }],
  ["power 0", [slot(0, 0n)], 2, { code: "ZK_ERROR_INVALID_SLOT", index: 0, reason: "power must be from 1 to 2^64 - 1" }],
  ["power of 2^64", [slot(0, ZK_MAX_POWER + 1n)], 2, { code: "ZK_ERROR_INVALID_SLOT", index: 0, reason: "power must be from 1 to 2^64 - 1" }],
  ["a coordinate outside the field", [{ ...slot(0), ay: BN254_SCALAR_FIELD }], 2, { code: "ZK_ERROR_INVALID_SLOT", index: 0, reason: "key coordinate outside the field" }],
  ["the identity as a key", [{ ax: 0n, ay: 1n, power: 5n }], 2, { code: "ZK_ERROR_INVALID_SLOT", index: 0, reason: "the identity is no key" }],
])("set root refuses %s", (_name, slots, capacity, type) => {
  expect(zkCode(() => computeZkValidatorSetRoot(slots as ZkValidatorSlot[], capacity))).toEqual(type);
});

test("the root depends on order, keys and powers", () => {
  const r = computeZkValidatorSetRoot([slot(0), slot(1)], 4);
  expect(computeZkValidatorSetRoot([slot(1), slot(0)], 4)).not.toBe(r);
  expect(computeZkValidatorSetRoot([slot(0), slot(1, 11n)], 4)).not.toBe(r);
  expect(computeZkValidatorSetRoot([slot(0), slot(2)], 4)).not.toBe(r);
  expect(computeZkValidatorSetRoot([slot(0), slot(1)], 8)).not.toBe(r);
});

test("signer bitmap: bit i for slot i, round trip, out-of-range slots refused", () => {
  expect(computeZkSignerBitmap([0, 2, 3], 4)).toBe(0b1101n);
  expect(computeZkSignerBitmap([], 4)).toBe(0n);
  expect(getZkSigners(0b1101n, 4)).toEqual([0, 2, 3]);
  expect(getZkSigners(computeZkSignerBitmap([127, 5], 128), 128)).toEqual([5, 127]);
  expect(zkCode(() => computeZkSignerBitmap([4], 4))).toEqual({ code: "ZK_ERROR_INVALID_SIGNER", index: 4, capacity: 4 });
  expect(zkCode(() => computeZkSignerBitmap([-1], 4))).toEqual({ code: "ZK_ERROR_INVALID_SIGNER", index: -1, capacity: 4 });
  expect(zkCode(() => getZkSigners(0b10000n, 4))).toMatchObject({ code: "ZK_ERROR_INVALID_INPUT", field: "signers" });
  expect(zkCode(() => getZkSigners(-1n, 4))).toMatchObject({ code: "ZK_ERROR_INVALID_INPUT", field: "signers" });
});

test("circuit input: padded slots, the signers' signatures, disabled-verifier values elsewhere, the statement's public values and the prover", () => {
  const slots = [slot(0), slot(1, 20n)];
  const statement = { ...base, height: 9, validatorSetRoot: computeZkValidatorSetRoot(slots, 4), nextValidatorSetRoot: 3n };
  const input = computeQuorumCircuitInput(slots, new Map([[1, { r8x: 5n, r8y: 6n, s: 7n }]]), statement, 4, prover);
  const { hi, lo } = splitBlockHash(hash);
  expect(input).toEqual({
    validatorSetRoot: computeZkValidatorSetRoot(slots, 4).toString(),
    nextValidatorSetRoot: "3",
    chainId: computeZkChainId("aegis-1").toString(),
    height: "9",
    time: String(TIME),
    blockHashHi: hi.toString(),
    blockHashLo: lo.toString(),
    signers: "2",
    prover: BigInt("0xa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3").toString(),
    Ax: ["1000", "1001", "0", "0"],
    Ay: ["2000", "2001", "1", "1"],
    power: ["10", "20", "0", "0"],
    R8x: ["0", "5", "0", "0"],
    R8y: ["1", "6", "1", "1"],
    S: ["0", "7", "0", "0"],
  });
  // Every public input the verifier takes (ZK_PUBLIC_INPUTS) is one the circuit is given.
  expect(Object.keys(input).slice(0, ZK_PUBLIC_INPUTS.length)).toEqual([...ZK_PUBLIC_INPUTS]);
  expect(zkCode(() => computeQuorumCircuitInput([slot(0)], new Map([[4, { r8x: 1n, r8y: 1n, s: 1n }]]), { ...statement, validatorSetRoot: computeZkValidatorSetRoot([slot(0)], 4) }, 4, prover))).toEqual({
    code: "ZK_ERROR_INVALID_SIGNER",
    index: 4,
    capacity: 4,
  });
  expect(zkCode(() => computeQuorumCircuitInput(slots, new Map(), { ...statement, height: 0 }, 4, prover))).toMatchObject({ code: "ZK_ERROR_INVALID_INPUT", field: "height" });
  expect(zkCode(() => computeQuorumCircuitInput(slots, new Map(), { ...statement, time: -1 }, 4, prover))).toMatchObject({ code: "ZK_ERROR_INVALID_INPUT", field: "time" });
});

describe("the statement's signing set must be the slots' (a prover cannot name one set and prove with another)", () => {
  const slots = [slot(0), slot(1, 20n), slot(2, 30n)];
  const root = computeZkValidatorSetRoot(slots, 4);
  const sigs = new Map([[0, { r8x: 5n, r8y: 6n, s: 7n }]]);
  test.each([
    ["the next set's root", () => 5n],
    ["the root of the same keys with another power", () => computeZkValidatorSetRoot([slot(0), slot(1, 20n), slot(2, 31n)], 4)],
    ["the root of a subset of the slots", () => computeZkValidatorSetRoot(slots.slice(0, 2), 4)],
    ["the root of the same slots at another capacity", () => computeZkValidatorSetRoot(slots, 8)],
    ["the root of the slots reordered", () => computeZkValidatorSetRoot([slot(1, 20n), slot(0), slot(2, 30n)], 4)],
  ])("refused: %s", (_name, otherRoot) => {
    expect(zkCode(() => computeQuorumCircuitInput(slots, sigs, { ...base, validatorSetRoot: otherRoot() }, 4, prover))).toEqual({
      code: "ZK_ERROR_INVALID_INPUT",
      field: "validatorSetRoot",
      reason: "not the root of these slots",
    });
  });

  test("accepted with the slots' own root", () => {
    expect(computeQuorumCircuitInput(slots, sigs, { ...base, validatorSetRoot: root }, 4, prover).validatorSetRoot).toBe(root.toString());
  });
});

describe("the prover: 20 bytes, a big-endian integer in the circuit", () => {
  test.each([
    ["the fixture's bytes", prover, BigInt("0xa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3")],
    ["all zeros (no account)", new Uint8Array(20), 0n],
    ["the last byte only (big endian, not little)", Uint8Array.from({ length: 20 }, (_, i) => (i === 19 ? 1 : 0)), 1n],
    ["the first byte only", Uint8Array.from({ length: 20 }, (_, i) => (i === 0 ? 1 : 0)), 1n << 152n],
    ["all ones (2^160 - 1, below the field order)", new Uint8Array(20).fill(0xff), (1n << 160n) - 1n],
  ])("%s", (_name, bytes, field) => {
    expect(computeZkProverField(bytes)).toBe(field);
    expect(field < BN254_SCALAR_FIELD).toBe(true);
    const slots = [slot(0)];
    const input = computeQuorumCircuitInput(slots, new Map(), { ...base, validatorSetRoot: computeZkValidatorSetRoot(slots, 2) }, 2, bytes);
    expect(input.prover).toBe(field.toString());
  });

  test.each([
    ["19 bytes", new Uint8Array(19).fill(1)],
    ["21 bytes", new Uint8Array(21).fill(1)],
    ["no bytes", new Uint8Array(0)],
    ["32 bytes (a hash, not an account)", new Uint8Array(32).fill(1)],
    ["a hex string", "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3" as unknown as Uint8Array],
  ])("a prover of %s is refused, by computeZkProverField and computeQuorumCircuitInput", (_name, bytes) => {
    const refusal = { code: "ZK_ERROR_INVALID_INPUT", field: "prover", reason: `must be ${ZK_PROVER_LENGTH} bytes` };
    expect(zkCode(() => computeZkProverField(bytes))).toEqual(refusal);
    const slots = [slot(0)];
    expect(zkCode(() => computeQuorumCircuitInput(slots, new Map(), { ...base, validatorSetRoot: computeZkValidatorSetRoot(slots, 2) }, 2, bytes))).toEqual(refusal);
  });
});
