// The Solidity side of the succinct certificates, in a real EVM (@ethereumjs/vm): renders snarkjs'
// Groth16 verifier for a verification key, compiles it with consumer-sdk/contracts/AegisFinality.sol
// (solc from npm), deploys both from a funded account and submits certificates as transactions.
// Used by test/evm/aegisFinality.test.ts and the zk benchmark (EVM gas).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ejs from "ejs";
import solc from "solc";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { createBlock } from "@ethereumjs/block";
import { Common, Hardfork, Mainnet } from "@ethereumjs/common";
import { createLegacyTx } from "@ethereumjs/tx";
import { createAccount, createAddressFromPrivateKey, createAddressFromString } from "@ethereumjs/util";
import { createVM, runTx } from "@ethereumjs/vm";

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const CONTRACTS = join(here, "..", "..", "consumer-sdk", "contracts");
const CONTRACT = join(CONTRACTS, "AegisFinality.sol");
const LIBRARY = join(CONTRACTS, "CheckpointInclusion.sol");
const HARNESS = join(here, "AegisFinalityHarness.sol");
const TEMPLATE = join(dirname(dirname(require.resolve("snarkjs"))), "templates", "verifier_groth16.sol.ejs"); // snarkjs exports no package.json

const hex = (b) => Buffer.from(b).toString("hex");
const word = (x) => BigInt(x).toString(16).padStart(64, "0");
export const selector = (signature) => hex(keccak_256(new TextEncoder().encode(signature)).subarray(0, 4));

/** Compiles Solidity sources ({ unitName: content }) with the settings used throughout; the standard-JSON output. */
function compile(sources) {
  const out = JSON.parse(
    solc.compile(
      JSON.stringify({
        language: "Solidity",
        sources: Object.fromEntries(Object.entries(sources).map(([name, content]) => [name, { content }])),
        settings: { optimizer: { enabled: true, runs: 200 }, outputSelection: { "*": { "*": ["evm.bytecode.object"] } } },
      }),
    ),
  );
  const errors = (out.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length) throw new Error(errors.map((e) => e.formattedMessage).join("\n"));
  return out;
}

/** AegisFinality.sol and the library it imports, as source units ("./X.sol" resolves to "X.sol"). */
const finalitySources = () => ({ "AegisFinality.sol": readFileSync(CONTRACT, "utf8"), "CheckpointInclusion.sol": readFileSync(LIBRARY, "utf8") });

/** Compiles the verifier for `vkey` and AegisFinality: { verifier, finality } creation bytecode (hex). */
export function compileFinalityContracts(vkey) {
  const out = compile({ "Groth16Verifier.sol": ejs.render(readFileSync(TEMPLATE, "utf8"), vkey), ...finalitySources() });
  return { verifier: out.contracts["Groth16Verifier.sol"].Groth16Verifier.evm.bytecode.object, finality: out.contracts["AegisFinality.sol"].AegisFinality.evm.bytecode.object };
}

/** Creation bytecode (hex) of test/evm/AegisFinalityHarness.sol: AegisFinality with a test setter of finalizedBlockHash. */
export function compileFinalityHarness() {
  const out = compile({ ...finalitySources(), "AegisFinalityHarness.sol": readFileSync(HARNESS, "utf8") });
  return out.contracts["AegisFinalityHarness.sol"].AegisFinalityHarness.evm.bytecode.object;
}

/** A fresh chain with one funded account; `send` and `call` against it, in a block at `setTime(seconds)` (default 0). */
export async function createFinalityChain() {
  const common = new Common({ chain: Mainnet, hardfork: Hardfork.Cancun });
  const vm = await createVM({ common });
  const key = new Uint8Array(32).fill(0x42);
  const from = createAddressFromPrivateKey(key);
  await vm.stateManager.putAccount(from, createAccount({ nonce: 0n, balance: 10n ** 24n }));
  const reader = createAddressFromString("0x" + "00".repeat(19) + "01"); // calls come from elsewhere: runCall bumps its caller's nonce
  let timestamp = 0n;
  const block = () => createBlock({ header: { timestamp, gasLimit: 30_000_000n } }, { common });
  const setTime = (seconds) => void (timestamp = BigInt(seconds));
  const send = async (to, data) => {
    const nonce = (await vm.stateManager.getAccount(from)).nonce;
    const tx = createLegacyTx({ nonce, gasPrice: 10n, gasLimit: 10_000_000n, to, data: Buffer.from(data, "hex") }, { common }).sign(key);
    const r = await runTx(vm, { tx, block: block(), skipBlockGasLimitValidation: true, skipHardForkValidation: true });
    return {
      gas: r.totalGasSpent,
      reverted: r.execResult.exceptionError !== undefined,
      returnValue: hex(r.execResult.returnValue),
      createdAddress: r.createdAddress?.toString(),
    };
  };
  const run = (to, data) => vm.evm.runCall({ to: createAddressFromString(to), caller: reader, data: Buffer.from(data, "hex"), gasLimit: 10_000_000n, block: block() });
  const call = async (to, data) => hex((await run(to, data)).execResult.returnValue);
  /** A call with its outcome: reverted or not, the return (or revert) data and the execution gas (no intrinsic 21,000 + calldata). */
  const callResult = async (to, data) => {
    const r = await run(to, data);
    return { reverted: r.execResult.exceptionError !== undefined, returnValue: hex(r.execResult.returnValue), gas: r.execResult.executionGasUsed };
  };
  return { send, call, callResult, setTime };
}

/**
 * Deploys the verifier and AegisFinality trusting `root` at `trustedHeight`, signed at hub time
 * `trustedTime` (Unix ms), for `trustingPeriodMs`; returns the chain and the contract address. The
 * chain's clock starts at `now` (seconds; default: trustedTime).
 */
export async function deployFinality(vkey, { hubChainId, root, trustedHeight, trustedTime, trustingPeriodMs, now }) {
  const code = compileFinalityContracts(vkey);
  const chain = await createFinalityChain();
  chain.setTime(now ?? Math.floor(trustedTime / 1000));
  const v = await chain.send(undefined, code.verifier);
  if (v.reverted || !v.createdAddress) throw new Error("verifier deployment failed");
  const f = await chain.send(undefined, code.finality + word(v.createdAddress) + word(hubChainId) + word(root) + word(trustedHeight) + word(trustedTime) + word(trustingPeriodMs));
  if (f.reverted || !f.createdAddress) throw new Error("AegisFinality deployment failed");
  return { chain, address: f.createdAddress };
}

/** Calldata of AegisFinality.submit for an SDK ZkCertificate. */
export function encodeSubmit(cert) {
  const proofWords = [];
  for (let i = 0; i < 8; i++) proofWords.push(hex(cert.proof.subarray(32 * i, 32 * i + 32)));
  return (
    selector("submit(uint64,uint64,bytes32,uint256,uint256,address,uint256[8])") +
    word(cert.height) +
    word(cert.time) +
    hex(cert.blockHash) +
    word(cert.nextValidatorSetRoot) +
    word(cert.signers) +
    hex(cert.prover).padStart(64, "0") +
    proofWords.join("")
  );
}

export const readUint = (returnHex) => BigInt("0x" + (returnHex || "0"));

const padded = (bytes) => hex(bytes) + "00".repeat((32 - (bytes.length % 32)) % 32);
const lengthPrefixed = (bytes) => word(bytes.length) + padded(bytes);

/**
 * Calldata of AegisFinality.verifyCheckpoint(uint64 hubHeight, bytes header,
 * (string consumerId, uint64 height, bytes32 blockHash, bytes32 parentCheckpointHash, bytes32 stateRoot) checkpoint,
 * uint256 index, uint256 total, bytes32[] siblings), ABI-encoded by hand.
 */
export function encodeVerifyCheckpoint({ hubHeight, header, checkpoint, index, total, siblings }) {
  const id = new TextEncoder().encode(checkpoint.consumerId);
  const headerPart = lengthPrefixed(header);
  const checkpointPart = word(5 * 32) + word(checkpoint.height) + hex(checkpoint.blockHash) + hex(checkpoint.parentCheckpointHash) + hex(checkpoint.stateRoot) + lengthPrefixed(id);
  const siblingsPart = word(siblings.length) + siblings.map(hex).join("");
  const head = 6 * 32;
  const headerAt = head;
  const checkpointAt = headerAt + headerPart.length / 2;
  const siblingsAt = checkpointAt + checkpointPart.length / 2;
  return (
    selector("verifyCheckpoint(uint64,bytes,(string,uint64,bytes32,bytes32,bytes32),uint256,uint256,bytes32[])") +
    word(hubHeight) +
    word(headerAt) +
    word(checkpointAt) +
    word(index) +
    word(total) +
    word(siblingsAt) +
    headerPart +
    checkpointPart +
    siblingsPart
  );
}
