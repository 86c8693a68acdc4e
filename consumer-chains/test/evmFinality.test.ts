// The hub-finality contracts on the EVM chain: compiled from the hub's verification key (cached on
// disk by the hash of the inputs), deployed by transactions through EvmEnvironment, and fed the
// committed real Groth16 certificate (test/vectors/zkCertificates.json): tampered ones revert with
// InvalidProof and change nothing, the real one is recorded, and AegisFinality.verifyCheckpoint
// refuses whatever it did not certify. The calldata encoders agree with test/evm/finalityEvm.mjs.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { computeZkChainId, concatBytes, fromHex, toHex, utf8, type ConsumerCheckpoint, type Groth16VerificationKey, type ZkCertificate } from "@aegis/consumer-sdk";
import { encodeSubmit, encodeVerifyCheckpoint } from "../../test/evm/finalityEvm.mjs";
import {
  compileFinalityContracts,
  compileHubFinalEscrow,
  computeSelector,
  decodeUint256,
  encodeFinalityConstructorArgs,
  encodeHubFinalEscrowConstructorArgs,
  encodeReleaseCall,
  encodeSubmitCall,
  encodeVerifyCheckpointCall,
  encodeWord,
  EVM_RECEIPT_OK,
  EVM_RECEIPT_REVERTED,
  EvmEnvironment,
  evmAddress,
  signEvmTx,
  type EvmCallJson,
  type EvmReceiptData,
  type FinalityContracts,
} from "../src/evm/index.js";
import { CHAIN_ID, CONSUMER_ID, ctxAt, ETHER, expectCode, genesisConfig, key, openTestDb, SOLC_CACHE } from "./evmHelpers.js";

const here = dirname(fileURLToPath(import.meta.url));
const v = JSON.parse(readFileSync(join(here, "..", "..", "test", "vectors", "zkCertificates.json"), "utf8"));
const vkey = v.verificationKey as Groth16VerificationKey;
const cert: ZkCertificate = {
  ...v.certificate,
  blockHash: fromHex(v.certificate.blockHash),
  validatorSetRoot: BigInt(v.certificate.validatorSetRoot),
  nextValidatorSetRoot: BigInt(v.certificate.nextValidatorSetRoot),
  signers: BigInt(v.certificate.signers),
  prover: fromHex(v.certificate.prover),
  proof: fromHex(v.certificate.proof),
};
const RELAYER = key(7);
const hex = (b: Uint8Array) => `0x${toHex(b)}`;
const TRUSTING_PERIOD_MS = 14 * 86_400_000;
const checkpoint: ConsumerCheckpoint = { consumerId: "ledger-1", height: 7, blockHash: new Uint8Array(32).fill(1), parentCheckpointHash: new Uint8Array(32).fill(2), stateRoot: new Uint8Array(32).fill(3) };

let contracts: FinalityContracts;
beforeAll(async () => {
  contracts = await compileFinalityContracts(vkey, SOLC_CACHE);
}, 60_000);

describe("compileFinalityContracts", () => {
  it("caches by the hash of the inputs: a hit reads the file, another key is another file, an unreadable file is compiled again", async () => {
    const dir = await mkdtemp(join(tmpdir(), "aegis-evm-solc-"));
    try {
      const first = await compileFinalityContracts(vkey, dir);
      expect(toHex(first.verifier)).toBe(toHex(contracts.verifier));
      expect(toHex(first.finality)).toBe(toHex(contracts.finality));
      const files = readdirSync(dir);
      expect(files).toEqual([expect.stringMatching(/^solc-[0-9a-f]{64}\.json$/)]);
      const file = join(dir, files[0]!);
      // What is in the file is what a second call returns (it does not compile).
      const cached = JSON.parse(readFileSync(file, "utf8"));
      writeFileSync(file, JSON.stringify({ ...cached, Groth16Verifier: "6001" }));
      expect(toHex((await compileFinalityContracts(vkey, dir)).verifier)).toBe("6001");
      // Unreadable: compiled again and rewritten.
      writeFileSync(file, "{ not json");
      expect(toHex((await compileFinalityContracts(vkey, dir)).verifier)).toBe(toHex(contracts.verifier));
      expect(JSON.parse(readFileSync(file, "utf8")).Groth16Verifier).toBe(toHex(contracts.verifier));
      // Another key: another verifier, another file; AegisFinality is the same.
      const other = await compileFinalityContracts({ ...vkey, vk_delta_2: vkey.vk_gamma_2 }, dir);
      expect(toHex(other.verifier)).not.toBe(toHex(contracts.verifier));
      expect(toHex(other.finality)).toBe(toHex(contracts.finality));
      expect(readdirSync(dir).filter((f) => f.endsWith(".json"))).toHaveLength(2);
      expect(readdirSync(dir).filter((f) => !f.endsWith(".json"))).toEqual([]); // no temporary file left
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("calldata encoders", () => {
  it("agree with test/evm/finalityEvm.mjs (the encoders the Solidity tests use)", () => {
    expect(toHex(encodeSubmitCall(cert))).toBe(encodeSubmit(cert));
    for (const siblings of [[], [new Uint8Array(32).fill(9)], [new Uint8Array(32).fill(8), new Uint8Array(32).fill(7), new Uint8Array(32).fill(6)]]) {
      for (const consumerId of ["a", "ledger-1", "x".repeat(64)]) {
        const header = Uint8Array.from({ length: 327 + consumerId.length }, (_, i) => i & 0xff);
        const cp = { ...checkpoint, consumerId };
        expect(toHex(encodeVerifyCheckpointCall({ hubHeight: 99, header, checkpoint: cp, proof: { index: 1, total: 5, siblings } }))).toBe(
          encodeVerifyCheckpoint({ hubHeight: 99, header, checkpoint: cp, index: 1, total: 5, siblings }),
        );
      }
    }
  });

  it("refuse arguments of the wrong size", () => {
    expect(() => encodeSubmitCall({ ...cert, proof: cert.proof.subarray(1) })).toThrow(TypeError);
    expect(() => encodeSubmitCall({ ...cert, prover: new Uint8Array(19) })).toThrow(TypeError);
    expect(() => encodeSubmitCall({ ...cert, blockHash: new Uint8Array(31) })).toThrow(TypeError);
    expect(() => encodeVerifyCheckpointCall({ hubHeight: 1, header: new Uint8Array(0), checkpoint: { ...checkpoint, stateRoot: new Uint8Array(1) }, proof: { index: 0, total: 1, siblings: [] } })).toThrow(TypeError);
    expect(() => encodeWord(-1n)).toThrow(RangeError);
    expect(() => decodeUint256("0x01")).toThrow(RangeError);
  });
});

describe("AegisFinality on the EVM chain", () => {
  let t: Awaited<ReturnType<typeof openTestDb>>;
  let env: EvmEnvironment;
  let root: Uint8Array;
  let height: number;
  let finality: string;
  let nonce: number;
  let deploymentGas: string;

  const send = async (to: string | undefined, data: Uint8Array, time: number, value = 0n) => {
    const tx = signEvmTx(RELAYER, { chainId: CHAIN_ID, nonce: nonce++, to, data, value, gasLimit: 6_000_000 });
    const r = await env.executeBlock(root, [tx], ctxAt(++height, time));
    root = r.stateRoot;
    return r.receipts[0]!;
  };
  const view = async (signature: string, ...args: bigint[]) => {
    const r = (await env.query(root, ["call", finality, hex(concatBytes(computeSelector(signature), ...args.map(encodeWord)))])) as EvmCallJson;
    expect(r.reverted).toBe(false);
    return decodeUint256(r.returnData);
  };
  const state = async () => ({ latest: await view("latestHeight()"), root: await view("validatorSetRoot()"), trustedTime: await view("trustedTime()") });

  beforeEach(async () => {
    t = await openTestDb();
    env = new EvmEnvironment({ consumerId: CONSUMER_ID, genesis: genesisConfig([{ address: evmAddress(RELAYER), balance: (10n * ETHER).toString() }]) });
    await env.open(t.state);
    root = await env.initGenesis();
    height = 0;
    nonce = 0;
    // Deployed by transactions, at the certificate's hub time.
    const vr = await send(undefined, contracts.verifier, cert.time);
    const verifier = (vr.data as EvmReceiptData).contractAddress!;
    const args = encodeFinalityConstructorArgs({ verifier, hubChainId: cert.chainId, validatorSetRoot: cert.validatorSetRoot, trustedHeight: cert.height - 1, trustedTime: cert.time - 3_600_000, trustingPeriodMs: TRUSTING_PERIOD_MS });
    const fr = await send(undefined, concatBytes(contracts.finality, args), cert.time);
    expect([vr.code, fr.code]).toEqual([EVM_RECEIPT_OK, EVM_RECEIPT_OK]);
    finality = (fr.data as EvmReceiptData).contractAddress!;
    deploymentGas = `verifier ${BigInt((vr.data as EvmReceiptData).gasUsed)}, AegisFinality ${BigInt((fr.data as EvmReceiptData).gasUsed)}`;
  });
  afterEach(async () => {
    await t.close();
  });

  it("keeps the trust root it was deployed with", async () => {
    console.log(`deployment gas through EvmEnvironment: ${deploymentGas}`);
    expect(await state()).toEqual({ latest: BigInt(cert.height - 1), root: cert.validatorSetRoot, trustedTime: BigInt(cert.time - 3_600_000) });
    expect(await view("hubChainId()")).toBe(computeZkChainId(cert.chainId));
  });

  it("tampered certificates are included with a failed receipt (InvalidProof) and change nothing", async () => {
    const before = await state();
    const flipped = Uint8Array.from(cert.proof);
    flipped[31]! ^= 1;
    for (const bad of [{ ...cert, proof: flipped }, { ...cert, signers: 0b1111n }, { ...cert, nextValidatorSetRoot: 5n }, { ...cert, prover: new Uint8Array(20).fill(0xee) }]) {
      const r = await send(finality, encodeSubmitCall(bad), cert.time + 1000);
      expect(r).toMatchObject({ code: EVM_RECEIPT_REVERTED, data: { status: "0x0", returnData: hex(computeSelector("InvalidProof()")) } });
    }
    expect(await state()).toEqual(before);
  });

  it("the real certificate is accepted and recorded; AegisFinality then refuses whatever it did not certify", async () => {
    const r = await send(finality, encodeSubmitCall(cert), cert.time + 1000);
    const data = r.data as EvmReceiptData;
    expect(r.code).toBe(EVM_RECEIPT_OK);
    console.log(`AegisFinality.submit through EvmEnvironment: ${BigInt(data.gasUsed)} gas`);
    expect(data.logs).toEqual([
      {
        address: finality,
        topics: [hex(keccak_256(utf8("Finalized(uint64,bytes32,uint64,uint256,uint256,address)"))), hex(encodeWord(cert.height))],
        data: hex(concatBytes(cert.blockHash, encodeWord(cert.time), encodeWord(cert.signers), encodeWord(cert.nextValidatorSetRoot), encodeWord(BigInt(hex(cert.prover))))),
      },
    ]);
    expect(await state()).toEqual({ latest: BigInt(cert.height), root: cert.nextValidatorSetRoot, trustedTime: BigInt(cert.time) });
    expect(await view("finalizedBlockHash(uint64)", BigInt(cert.height))).toBe(BigInt(hex(cert.blockHash)));
    // Again: stale.
    const again = await send(finality, encodeSubmitCall(cert), cert.time + 2000);
    expect(again.code).toBe(EVM_RECEIPT_REVERTED);
    expect((again.data as EvmReceiptData).returnData!.startsWith(hex(computeSelector("StaleHeight(uint64,uint64)")))).toBe(true);
    // The certified height's hash is not any header's we can make; other heights are not final.
    const check = async (hubHeight: number) =>
      (await env.query(root, ["call", finality, hex(encodeVerifyCheckpointCall({ hubHeight, header: new Uint8Array(330), checkpoint, proof: { index: 0, total: 1, siblings: [] } }))])) as EvmCallJson;
    expect((await check(cert.height)).returnData.startsWith(hex(computeSelector("HeaderMismatch(uint64,bytes32,bytes32)")))).toBe(true);
    expect(await check(cert.height + 1)).toMatchObject({ reverted: true, returnData: hex(concatBytes(computeSelector("NotFinalized(uint64)"), encodeWord(cert.height + 1))) });
  });

  it("HubFinalEscrow cannot be released without a certified hub block, and needs a payment", async () => {
    const code = await compileHubFinalEscrow(SOLC_CACHE);
    const args = encodeHubFinalEscrowConstructorArgs({ finality, consumerId: checkpoint.consumerId, height: checkpoint.height, blockHash: checkpoint.blockHash, beneficiary: evmAddress(key(8)) });
    const unpaid = await send(undefined, concatBytes(code, args), cert.time);
    expect(unpaid).toMatchObject({ code: EVM_RECEIPT_REVERTED, data: { returnData: hex(computeSelector("NothingEscrowed()")) } });
    const e = await send(undefined, concatBytes(code, args), cert.time, ETHER);
    const escrow = (e.data as EvmReceiptData).contractAddress!;
    const r = await send(escrow, encodeReleaseCall({ hubHeight: 3, header: new Uint8Array(330), checkpoint, proof: { index: 0, total: 1, siblings: [] } }), cert.time);
    expect(r).toMatchObject({ code: EVM_RECEIPT_REVERTED, data: { returnData: hex(concatBytes(computeSelector("NotFinalized(uint64)"), encodeWord(3))) } });
    expect(await env.query(root, ["accounts", escrow])).toMatchObject({ balance: `0x${ETHER.toString(16)}` });
    await expectCode(env.query(root, ["call", escrow]), "EXECUTION_ERROR_BAD_QUERY");
  });
});
