import { buildPoseidon } from "circomlibjs";
import {
  BN254_SCALAR_FIELD,
  computeFinalityMessage,
  computeQuorumCircuitInput,
  computeZkChainId,
  computeZkSignerBitmap,
  computeZkValidatorSetRoot,
  EMPTY_ZK_SLOT,
  getZkSigners,
  padZkValidatorSlots,
  sha256,
  splitBlockHash,
  utf8,
  ZK_FINALITY_DOMAIN,
  ZK_MAX_POWER,
  ZkError,
  type ZkValidatorSlot,
} from "../src/index.js";

const slot = (i: number, power = 10n): ZkValidatorSlot => ({ ax: 1000n + BigInt(i), ay: 2000n + BigInt(i), power });
const hash = Uint8Array.from({ length: 32 }, (_, i) => i + 1);

function zkCode(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    if (e instanceof ZkError) return e.type;
    throw e;
  }
  return undefined;
}

test("the finality domain is the ASCII of aegis/finality/v1 (the circuit's constant)", () => {
  expect(ZK_FINALITY_DOMAIN.toString(16)).toBe("61656769732f66696e616c6974792f7631");
});

test("Poseidon here is circomlib's: message and root match circomlibjs", async () => {
  const poseidon = await buildPoseidon();
  const P = (xs: bigint[]) => poseidon.F.toObject(poseidon(xs)) as bigint;
  const next = 99n;
  const { hi, lo } = splitBlockHash(hash);
  expect(computeFinalityMessage({ chainId: "aegis-1", height: 7, blockHash: hash, nextValidatorSetRoot: next })).toBe(
    P([ZK_FINALITY_DOMAIN, computeZkChainId("aegis-1"), 7n, hi, lo, next]),
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

test("the message changes with every field it commits to", () => {
  const base = { chainId: "aegis-1", height: 7, blockHash: hash, nextValidatorSetRoot: 5n };
  const m = computeFinalityMessage(base);
  const other = Uint8Array.from(hash);
  other[31] ^= 1;
  for (const changed of [{ chainId: "aegis-2" }, { height: 8 }, { blockHash: other }, { nextValidatorSetRoot: 6n }]) {
    expect(computeFinalityMessage({ ...base, ...changed })).not.toBe(m);
  }
});

test.each([
  ["height 0", { height: 0 }, "height"],
  ["height not an integer", { height: 1.5 }, "height"],
  ["height of 2^64", { height: 1n << 64n }, "height"],
  ["next root outside the field", { nextValidatorSetRoot: BN254_SCALAR_FIELD }, "nextValidatorSetRoot"],
  ["next root negative", { nextValidatorSetRoot: -1n }, "nextValidatorSetRoot"],
  ["hash of 33 bytes", { blockHash: new Uint8Array(33) }, "blockHash"],
])("finality message refuses %s", (_name, change, field) => {
  expect(zkCode(() => computeFinalityMessage({ chainId: "aegis-1", height: 7, blockHash: hash, nextValidatorSetRoot: 5n, ...change }))).toMatchObject({
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

test("circuit input: padded slots, the signers' signatures, disabled-verifier values elsewhere, the statement's public values", () => {
  const statement = { chainId: "aegis-1", height: 9, blockHash: hash, nextValidatorSetRoot: 3n };
  const input = computeQuorumCircuitInput([slot(0), slot(1, 20n)], new Map([[1, { r8x: 5n, r8y: 6n, s: 7n }]]), statement, 4);
  const { hi, lo } = splitBlockHash(hash);
  expect(input).toEqual({
    validatorSetRoot: computeZkValidatorSetRoot([slot(0), slot(1, 20n)], 4).toString(),
    nextValidatorSetRoot: "3",
    chainId: computeZkChainId("aegis-1").toString(),
    height: "9",
    blockHashHi: hi.toString(),
    blockHashLo: lo.toString(),
    signers: "2",
    Ax: ["1000", "1001", "0", "0"],
    Ay: ["2000", "2001", "1", "1"],
    power: ["10", "20", "0", "0"],
    R8x: ["0", "5", "0", "0"],
    R8y: ["1", "6", "1", "1"],
    S: ["0", "7", "0", "0"],
  });
  expect(zkCode(() => computeQuorumCircuitInput([slot(0)], new Map([[4, { r8x: 1n, r8y: 1n, s: 1n }]]), statement, 4))).toEqual({ code: "ZK_ERROR_INVALID_SIGNER", index: 4, capacity: 4 });
  expect(zkCode(() => computeQuorumCircuitInput([slot(0)], new Map(), { ...statement, height: 0 }, 4))).toMatchObject({ code: "ZK_ERROR_INVALID_INPUT", field: "height" });
});
