// The zk module's state rules and the message's stateless checks; the full verification path (a real
// certificate, its reward, each refused claim) runs in test/e2e/zkFinality.test.ts.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { toBech32 } from "@cosmjs/encoding";
import { fromHex, type ZkCertificate } from "@aegis/consumer-sdk";
import { ModelStore } from "../state/fixtures.js";
import {
  AegisMsgSubmitZkCertificate,
  createZkHandlers,
  getLastCertifiedHeight,
  getRecordedBlockHash,
  processRecordParentHash,
  ZK_BLOCK_HASH_WINDOW,
} from "../../src/app/modules/zk/index.js";
import { TxError } from "../../src/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const vector = JSON.parse(readFileSync(join(here, "..", "..", "..", "test", "vectors", "zkCertificates.json"), "utf8"));
const cert: ZkCertificate = {
  ...vector.certificate,
  blockHash: fromHex(vector.certificate.blockHash),
  validatorSetRoot: BigInt(vector.certificate.validatorSetRoot),
  nextValidatorSetRoot: BigInt(vector.certificate.nextValidatorSetRoot),
  signers: BigInt(vector.certificate.signers),
  proof: fromHex(vector.certificate.proof),
};
const zk = { circuit: cert.circuit, capacity: vector.capacity, verificationKey: vector.verificationKey, attestationIntervalMs: 1000, proverReward: "5", epochLength: 10 };
const PROVER = toBech32("aegis", new Uint8Array(20).fill(1));

test("each block records its parent's hash and forgets the one that leaves the window", () => {
  const model = new ModelStore();
  const store = model.asKVStore();
  const hash = (h: number) => new Uint8Array(32).fill(h % 251);
  processRecordParentHash(store, 1, new Uint8Array(32)); // height 1 has no parent
  expect(model.map.size).toBe(0);
  for (let h = 2; h <= ZK_BLOCK_HASH_WINDOW + 3; h++) processRecordParentHash(store, h, hash(h - 1));
  expect(getRecordedBlockHash(store, 1)).toBeUndefined();
  expect(getRecordedBlockHash(store, 2)).toBeUndefined();
  expect(getRecordedBlockHash(store, 3)).toEqual(hash(3));
  expect(getRecordedBlockHash(store, ZK_BLOCK_HASH_WINDOW + 2)).toEqual(hash(ZK_BLOCK_HASH_WINDOW + 2));
  expect(model.map.size).toBe(ZK_BLOCK_HASH_WINDOW);
  expect(getLastCertifiedHeight(store)).toBe(0);
});

test("the message round-trips through its cosmjs codec", () => {
  const bytes = AegisMsgSubmitZkCertificate.encode(AegisMsgSubmitZkCertificate.fromPartial({ prover: PROVER, certificate: cert })).finish();
  const back = AegisMsgSubmitZkCertificate.decode(bytes);
  expect(back.prover).toBe(PROVER);
  expect({ ...back.certificate!, chainId: cert.chainId }).toEqual(cert);
});

test.each([
  ["no certificate", { prover: PROVER, certificate: undefined }, /certificate: missing/],
  ["another circuit", { prover: PROVER, certificate: { ...cert, circuit: "quorum64" } }, /circuit quorum64 is not the chain's/],
  ["a bad prover address", { prover: toBech32("cosmos", new Uint8Array(20).fill(1)), certificate: cert }, /prover/],
])("validateBasic refuses %s", (_n, msg, reason) => {
  const [handler] = createZkHandlers(zk, "uaeg") as unknown as [{ validateBasic(m: unknown): void }];
  let err: unknown;
  try {
    handler.validateBasic(msg);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(TxError);
  expect((err as TxError).log).toMatch(reason);
});
