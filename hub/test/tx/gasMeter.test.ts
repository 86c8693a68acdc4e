import {
  consumeAnteGas,
  consumeKvDeleteGas,
  consumeKvHasGas,
  consumeKvIterNextGas,
  consumeKvReadGas,
  consumeKvWriteGas,
  decodeTx,
  GasMeter,
  KV_GAS_CONFIG,
  SIG_VERIFY_COST_SECP256K1,
  TX_SIZE_COST_PER_BYTE,
  TxError,
} from "../../src/tx/index.js";
import { signManually, testSigners } from "./txFixtures.js";

test("Cosmos SDK default costs", () => {
  expect(TX_SIZE_COST_PER_BYTE).toBe(10n);
  expect(SIG_VERIFY_COST_SECP256K1).toBe(1000n);
  expect(KV_GAS_CONFIG).toEqual({
    hasCost: 1000n,
    deleteCost: 1000n,
    readCostFlat: 1000n,
    readCostPerByte: 3n,
    writeCostFlat: 2000n,
    writeCostPerByte: 30n,
    iterNextCostFlat: 30n,
  });
});

test("consumes up to the limit, then throws out of gas with the SDK's log", () => {
  const m = new GasMeter(100n);
  m.consume(60n, "a");
  m.consume(40n, "b"); // exactly at the limit is fine
  expect(m.consumed).toBe(100n);
  expect(m.remaining).toBe(0n);
  expect(m.isOutOfGas).toBe(true);
  expect(m.isPastLimit).toBe(false);
  let err: unknown;
  try {
    m.consume(50n, "txSize");
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(TxError);
  const e = err as TxError;
  expect(e.type).toEqual({ code: "TX_ERROR_OUT_OF_GAS", descriptor: "txSize", gasWanted: 100n, gasUsed: 150n });
  expect(e.toAbci()).toEqual({ code: 11, codespace: "sdk", log: "out of gas in location: txSize; gasWanted: 100, gasUsed: 150: out of gas" });
  // Like the SDK, consumption is recorded before the check.
  expect(m.consumed).toBe(150n);
  expect(m.isPastLimit).toBe(true);
});

test("rejects bad limits and amounts as internal errors", () => {
  expect(() => new GasMeter(-1n)).toThrow(TxError);
  expect(() => new GasMeter(1n << 64n)).toThrow(TxError);
  expect(() => new GasMeter(100 as unknown as bigint)).toThrow(TxError);
  const m = new GasMeter(10n);
  expect(() => m.consume(-1n, "x")).toThrow(TxError);
  expect(m.consumed).toBe(0n);
  expect(new GasMeter((1n << 64n) - 1n).limit).toBe((1n << 64n) - 1n);
});

test("ante gas: 10 per tx byte plus 1000 per secp256k1 signature", async () => {
  const [alice, bob] = await testSigners();
  const { bytes } = await signManually({ signers: [alice, bob] });
  const tx = decodeTx(bytes);
  const m = new GasMeter(1_000_000n);
  consumeAnteGas(m, tx);
  expect(m.consumed).toBe(10n * BigInt(bytes.length) + 2000n);
  const tight = new GasMeter(10n * BigInt(bytes.length) + 1999n);
  expect(() => consumeAnteGas(tight, tx)).toThrow(expect.objectContaining({ log: expect.stringContaining("out of gas in location: ante verify: secp256k1") }));
});

test("KV gas as the SDK gas KV store charges it", () => {
  const m = new GasMeter(1_000_000n);
  consumeKvReadGas(m, 10, 100);
  expect(m.consumed).toBe(1000n + 3n * 110n);
  consumeKvWriteGas(m, 10, 100);
  expect(m.consumed).toBe(1330n + 2000n + 30n * 110n);
  consumeKvHasGas(m);
  consumeKvDeleteGas(m);
  expect(m.consumed).toBe(6630n + 2000n);
  consumeKvIterNextGas(m, 10, 100);
  expect(m.consumed).toBe(8630n + 3n * 110n + 30n);
});
