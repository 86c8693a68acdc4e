// The EVM reference chain over a real level DB: the genesis (checked field by field; its root is
// Ethereum's state root), transfers and contracts (receipts, logs, reverts, the block's context),
// reorgs by re-execution from older roots (and after reopening the DB), every kind of bad input with
// its typed code and nothing written, buildBlock's choices, and eth_call leaving no trace.
import { keccak_256 } from "@noble/hashes/sha3.js";
import { RLP } from "@ethereumjs/rlp";
import { MerkleStateManager } from "@ethereumjs/statemanager";
import { createFeeMarket1559Tx, createLegacyTx } from "@ethereumjs/tx";
import { Account, bigIntToUnpaddedBytes, bytesToBigInt, createAddressFromPrivateKey, createAddressFromString, createContractAddress } from "@ethereumjs/util";
import { fromHex, toHex } from "@aegis/consumer-sdk";
import { EMPTY_STATE_ROOT, StateDb, type BlockContext } from "@aegis/consumer-runtime";
import {
  compileSolidity,
  computeEvmTxHash,
  computeSelector,
  createEvmCommon,
  createEvmKey,
  encodeWord,
  EVM_BASE_FEE_PER_GAS,
  EVM_CALL_SENDER,
  EVM_RECEIPT_FAILED,
  EVM_RECEIPT_OK,
  EVM_RECEIPT_REVERTED,
  EvmEnvironment,
  evmAddress,
  GenesisError,
  parseEvmGenesis,
  signEvmTx,
  type EvmAccountJson,
  type EvmCallJson,
  type EvmReceiptData,
  type EvmStorageJson,
} from "../src/evm/index.js";
import { ALICE, BOB, CAROL, CHAIN_ID, CONSUMER_ID, ctxAt, ETHER, expectCode, genesisConfig, key, openTestDb, SOLC_CACHE } from "./evmHelpers.js";

const PROBE = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
contract Probe {
    uint256 public count;
    event Bumped(address indexed by, uint256 count);
    error TooMany(uint256 count);
    function bump() external {
        if (count >= 3) revert TooMany(count);
        count += 1;
        emit Bumped(msg.sender, count);
    }
    function spin() external { while (true) { count += 1; } }
    function record() external {
        assembly {
            sstore(1, number()) sstore(2, timestamp()) sstore(3, coinbase()) sstore(4, basefee()) sstore(5, chainid()) sstore(6, blockhash(sub(number(), 1)))
        }
    }
    function context() external view returns (uint256, uint256, uint256, bytes32) { return (block.number, block.timestamp, block.chainid, blockhash(block.number - 1)); }
    function who() external view returns (address, uint256) { return (msg.sender, msg.sender.balance); }
    function write() external returns (uint256) { count = 777; return count; }
}`;

const A = evmAddress(ALICE);
const B = evmAddress(BOB);
const C = evmAddress(CAROL);
const hex = (b: Uint8Array) => `0x${toHex(b)}`;
const call = (signature: string, ...words: bigint[]) => hex(Uint8Array.from([...computeSelector(signature), ...words.flatMap((w) => [...encodeWord(w)])]));
const transfer = (from: Uint8Array, to: string, value: bigint, nonce: number, extra: Partial<Parameters<typeof signEvmTx>[1]> = {}) =>
  signEvmTx(from, { chainId: CHAIN_ID, nonce, to, value, ...extra });
const dataOf = (r: { data?: unknown }) => r.data as EvmReceiptData;

let probeCode: Uint8Array;
beforeAll(async () => {
  probeCode = (await compileSolidity({ "Probe.sol": PROBE }, SOLC_CACHE)).Probe!;
}, 60_000);

describe("EvmEnvironment", () => {
  let t: Awaited<ReturnType<typeof openTestDb>>;
  let env: EvmEnvironment;
  let genesis: Uint8Array;
  const account = async (root: Uint8Array, address: string) => (await env.query(root, ["accounts", address])) as EvmAccountJson | undefined;
  const balance = async (root: Uint8Array, address: string) => BigInt((await account(root, address))?.balance ?? 0);
  const storage = async (root: Uint8Array, address: string, slot: bigint) => BigInt(((await env.query(root, ["storage", address, `0x${slot.toString(16)}`])) as EvmStorageJson).value);
  const ethCall = async (root: Uint8Array, to: string, data: string) => (await env.query(root, ["call", to, data])) as EvmCallJson;

  beforeEach(async () => {
    t = await openTestDb();
    env = new EvmEnvironment({ consumerId: CONSUMER_ID, genesis: genesisConfig() });
    await env.open(t.state);
    genesis = await env.initGenesis();
  });
  afterEach(async () => {
    await t.close();
  });

  /** Deploys Probe from Alice at `nonce` in a block on `root`; its address and the new root. */
  async function deployProbe(root: Uint8Array, nonce = 0, height = 1) {
    const r = await env.executeBlock(root, [signEvmTx(ALICE, { chainId: CHAIN_ID, nonce, data: probeCode, gasLimit: 1_000_000 })], ctxAt(height));
    expect(r.receipts[0]).toMatchObject({ code: EVM_RECEIPT_OK });
    const address = dataOf(r.receipts[0]!).contractAddress!;
    expect(address).toBe(createContractAddress(createAddressFromPrivateKey(ALICE), BigInt(nonce)).toString());
    return { address, root: r.stateRoot };
  }

  describe("genesis", () => {
    it("is Ethereum's state root of the allocation, the same on every node; code, storage and nonces are set", async () => {
      const alloc = [{ address: C, balance: "7", code: "0x600160005500", storage: { "0x01": "0x2a", "0x02": "0x00" } }];
      const other = await openTestDb();
      try {
        const e1 = new EvmEnvironment({ consumerId: CONSUMER_ID, genesis: genesisConfig(alloc) });
        const e2 = new EvmEnvironment({ consumerId: "another-chain", genesis: genesisConfig(alloc) });
        await e1.open(t.state);
        await e2.open(other.state);
        const root = await e1.initGenesis();
        expect(toHex(await e2.initGenesis())).toBe(toHex(root));
        // The same accounts in @ethereumjs' default in-memory state (secure trie, keccak keys): the same root.
        const reference = new MerkleStateManager({ common: createEvmCommon(CHAIN_ID) });
        for (const a of parseEvmGenesis(genesisConfig(alloc)).alloc) {
          const address = createAddressFromString(hex(a.address));
          await reference.putAccount(address, new Account(a.nonce, a.balance));
          if (a.code.length) await reference.putCode(address, a.code);
          for (const s of a.storage) await reference.putStorage(address, s.slot, s.value);
        }
        expect(toHex(await reference.getStateRoot())).toBe(toHex(root));
        expect(await e1.query(root, ["accounts", C.toUpperCase().replace("0X", "0x")])).toEqual({ address: C, nonce: "0x1", balance: "0x7", codeHash: expect.stringMatching(/^0x[0-9a-f]{64}$/) });
        expect(await e1.query(root, ["code", C])).toMatchObject({ address: C, code: "0x600160005500" });
        expect(await e1.query(root, ["storage", C, "0x1"])).toEqual({ address: C, slot: hex(encodeWord(1)), value: hex(encodeWord(42)) });
        expect(((await e1.query(root, ["storage", C, "0x02"])) as EvmStorageJson).value).toBe(hex(encodeWord(0)));
        expect(await e1.query(root, ["accounts", A])).toEqual({ address: A, nonce: "0x0", balance: `0x${(1000n * ETHER).toString(16)}`, codeHash: expect.any(String) });
        expect(await e1.query(root, ["accounts", evmAddress(key(9))])).toBeUndefined();
        expect(await e1.query(root, ["code", evmAddress(key(9))])).toBeUndefined();
        expect(await e1.query(root, ["storage", evmAddress(key(9)), "0x0"])).toBeUndefined();
      } finally {
        await other.close();
      }
      const empty = new EvmEnvironment({ consumerId: CONSUMER_ID, genesis: { chainId: 1, alloc: [] } });
      await empty.open(t.state);
      expect(toHex(await empty.initGenesis())).toBe(toHex(EMPTY_STATE_ROOT));
    });

    it("refuses a bad configuration with GENESIS_ERROR_INVALID_FIELD naming the field", () => {
      const acct = { address: A, balance: "1" };
      const cases: [unknown, string][] = [
        [null, ""],
        [{ chainId: 1, alloc: [], extra: 1 }, "extra"],
        [{ alloc: [] }, "chainId"],
        [{ chainId: 0, alloc: [] }, "chainId"],
        [{ chainId: 1.5, alloc: [] }, "chainId"],
        [{ chainId: "1", alloc: [] }, "chainId"],
        [{ chainId: 2 ** 53, alloc: [] }, "chainId"],
        [{ chainId: 1 }, "alloc"],
        [{ chainId: 1, alloc: {} }, "alloc"],
        [{ chainId: 1, alloc: [null] }, "alloc[0]"],
        [{ chainId: 1, alloc: [{ ...acct, x: 1 }] }, "alloc[0].x"],
        [{ chainId: 1, alloc: [{ ...acct, address: A.slice(0, -1) }] }, "alloc[0].address"],
        [{ chainId: 1, alloc: [{ ...acct, address: A.slice(2) }] }, "alloc[0].address"],
        [{ chainId: 1, alloc: [acct, { ...acct, address: A.toUpperCase().replace("0X", "0x") }] }, "alloc[1].address"],
        [{ chainId: 1, alloc: [{ address: A }] }, "alloc[0].balance"],
        [{ chainId: 1, alloc: [{ ...acct, balance: "-1" }] }, "alloc[0].balance"],
        [{ chainId: 1, alloc: [{ ...acct, balance: "01" }] }, "alloc[0].balance"],
        [{ chainId: 1, alloc: [{ ...acct, balance: "0x" }] }, "alloc[0].balance"],
        [{ chainId: 1, alloc: [{ ...acct, balance: 1.5 }] }, "alloc[0].balance"],
        [{ chainId: 1, alloc: [{ ...acct, balance: (1n << 256n).toString() }] }, "alloc[0].balance"],
        [{ chainId: 1, alloc: [{ ...acct, balance: (1n << 255n).toString() }, { address: B, balance: (1n << 255n).toString() }] }, "alloc[1].balance"],
        [{ chainId: 1, alloc: [{ ...acct, code: "0x1" }] }, "alloc[0].code"],
        [{ chainId: 1, alloc: [{ ...acct, code: "0x" + "00".repeat(24_577) }] }, "alloc[0].code"],
        [{ chainId: 1, alloc: [{ ...acct, storage: [] }] }, "alloc[0].storage"],
        [{ chainId: 1, alloc: [{ ...acct, storage: { ["0x" + "1".repeat(65)]: "0x1" } }] }, `alloc[0].storage["0x${"1".repeat(65)}"]`],
        [{ chainId: 1, alloc: [{ ...acct, storage: { "0x1": 1 } }] }, 'alloc[0].storage["0x1"]'],
        [{ chainId: 1, alloc: [{ ...acct, storage: { "0x1": "0x1", "0x01": "0x2" } }] }, 'alloc[0].storage["0x01"]'],
        [{ chainId: 1, alloc: [{ ...acct, nonce: -1 }] }, "alloc[0].nonce"],
      ];
      for (const [genesis, field] of cases) {
        let err: unknown;
        try {
          new EvmEnvironment({ consumerId: CONSUMER_ID, genesis });
        } catch (e) {
          err = e;
        }
        expect({ genesis, err: err instanceof GenesisError ? err.type : err }).toEqual({ genesis, err: { code: "GENESIS_ERROR_INVALID_FIELD", field, reason: expect.any(String) } });
      }
      expect(() => new EvmEnvironment({ consumerId: "Not A Consumer", genesis: genesisConfig() })).toThrow(GenesisError);
      expect(parseEvmGenesis({ chainId: 1, alloc: [{ address: A, balance: 5, nonce: 3 }] }).alloc[0]).toMatchObject({ balance: 5n, nonce: 3n });
    });
  });

  it("transfers (EIP-1559 and legacy) change the root; receipts, balances, nonces and the burned fee", async () => {
    const txs = [transfer(ALICE, B, 2n * ETHER, 0), transfer(ALICE, C, ETHER, 1, { type: "legacy" }), transfer(BOB, A, 1n, 0, { maxFeePerGas: 3n * EVM_BASE_FEE_PER_GAS, maxPriorityFeePerGas: 5n })];
    for (const tx of txs.slice(0, 2)) await env.checkTx(genesis, tx);
    const r = await env.executeBlock(genesis, txs, ctxAt(1));
    expect(toHex(r.stateRoot)).not.toBe(toHex(genesis));
    expect(r.receipts).toEqual(txs.map((tx) => ({ code: EVM_RECEIPT_OK, log: "", data: { hash: computeEvmTxHash(tx), status: "0x1", gasUsed: "0x5208", logs: [] } })));
    const fee = 21_000n * EVM_BASE_FEE_PER_GAS;
    expect(await balance(r.stateRoot, A)).toBe(1000n * ETHER - 3n * ETHER - 2n * fee + 1n);
    expect(await balance(r.stateRoot, B)).toBe(12n * ETHER - 1n - fee - 21_000n * 5n); // Bob's 5 wei tip too
    expect(await balance(r.stateRoot, C)).toBe(ETHER);
    expect((await account(r.stateRoot, A))?.nonce).toBe("0x2");
    // The tips went to the zero coinbase.
    expect(await balance(r.stateRoot, "0x" + "00".repeat(20))).toBe(21_000n * 5n);
    // The parent's state is still there, unchanged.
    expect(await balance(genesis, B)).toBe(10n * ETHER);
    // The same block on another node (the same DB here) gives the same root.
    expect(toHex((await env.executeBlock(genesis, txs, ctxAt(1))).stateRoot)).toBe(toHex(r.stateRoot));
    // An empty block keeps the root.
    expect(toHex((await env.executeBlock(r.stateRoot, [], ctxAt(2))).stateRoot)).toBe(toHex(r.stateRoot));
  });

  it("a contract deployment changes the root; calls emit logs; a revert and an out-of-gas are included with a failed receipt", async () => {
    const { address, root } = await deployProbe(genesis);
    expect(toHex(root)).not.toBe(toHex(genesis));
    const code = (await env.query(root, ["code", address])) as { code: string; codeHash: string };
    expect(code.code.length).toBeGreaterThan(100);
    expect((await account(root, address))?.nonce).toBe("0x1");

    const bump = (nonce: number, gasLimit = 200_000) => signEvmTx(ALICE, { chainId: CHAIN_ID, nonce, to: address, data: call("bump()"), gasLimit });
    const r = await env.executeBlock(root, [bump(1), bump(2), bump(3), bump(4), signEvmTx(ALICE, { chainId: CHAIN_ID, nonce: 5, to: address, data: call("spin()"), gasLimit: 100_000 })], ctxAt(2));
    expect(r.receipts.map((x) => x.code)).toEqual([EVM_RECEIPT_OK, EVM_RECEIPT_OK, EVM_RECEIPT_OK, EVM_RECEIPT_REVERTED, EVM_RECEIPT_FAILED]);
    expect(dataOf(r.receipts[0]!).logs).toEqual([
      { address, topics: [hex(computeSelectorFull("Bumped(address,uint256)")), hex(Uint8Array.from([...new Uint8Array(12), ...fromHex(A)]))], data: hex(encodeWord(1)) },
    ]);
    expect(r.receipts[3]).toEqual({
      code: EVM_RECEIPT_REVERTED,
      log: "execution reverted",
      data: { hash: computeEvmTxHash(bump(4)), status: "0x0", gasUsed: expect.any(String), logs: [], returnData: hex(Uint8Array.from([...computeSelector("TooMany(uint256)"), ...encodeWord(3)])) },
    });
    expect(r.receipts[4]).toMatchObject({ code: EVM_RECEIPT_FAILED, log: "execution failed: out of gas", data: { status: "0x0", gasUsed: "0x186a0", logs: [] } });
    expect(await storage(r.stateRoot, address, 0n)).toBe(3n);
    // The failed transactions still used their nonces and paid for their gas.
    expect((await account(r.stateRoot, A))?.nonce).toBe("0x6");
    const paid = r.receipts.reduce((s, x) => s + BigInt(dataOf(x).gasUsed), 0n) * EVM_BASE_FEE_PER_GAS;
    expect(await balance(root, A) - (await balance(r.stateRoot, A))).toBe(paid);
  });

  it("a transaction sees the block's context: number, timestamp, zero coinbase, base fee, chain id, the parent's hash", async () => {
    const { address, root } = await deployProbe(genesis);
    const ctx: BlockContext = { consumerId: CONSUMER_ID, height: 7, time: 1_767_225_612_345, parentHash: new Uint8Array(32).fill(0xab) };
    const r = await env.executeBlock(root, [signEvmTx(ALICE, { chainId: CHAIN_ID, nonce: 1, to: address, data: call("record()"), gasLimit: 300_000 })], ctx);
    expect(r.receipts[0]!.code).toBe(EVM_RECEIPT_OK);
    const slots = await Promise.all([1n, 2n, 3n, 4n, 5n, 6n].map((s) => storage(r.stateRoot, address, s)));
    expect(slots).toEqual([7n, 1_767_225_612n, 0n, EVM_BASE_FEE_PER_GAS, BigInt(CHAIN_ID), bytesToBigInt(ctx.parentHash)]);
    // eth_call at that root runs in the same block context.
    const c = await ethCall(r.stateRoot, address, call("context()"));
    expect(c.returnData).toBe(hex(Uint8Array.from([...encodeWord(7), ...encodeWord(1_767_225_612n), ...encodeWord(CHAIN_ID), ...ctx.parentHash])));
  });

  it("re-executing from an older root reproduces the same roots (a reorg); every recorded root stays readable, also after reopening", async () => {
    const a1 = [transfer(ALICE, B, ETHER, 0)];
    const a2 = [transfer(ALICE, B, ETHER, 1), transfer(BOB, C, 3n, 0)];
    const b1 = [transfer(ALICE, C, 5n * ETHER, 0)];
    const rootA1 = (await env.executeBlock(genesis, a1, ctxAt(1))).stateRoot;
    const rootA2 = (await env.executeBlock(rootA1, a2, ctxAt(2))).stateRoot;
    // The other branch, from genesis.
    const rootB1 = (await env.executeBlock(genesis, b1, ctxAt(1, undefined, new Uint8Array(32).fill(0xbb)))).stateRoot;
    expect(new Set([rootA1, rootA2, rootB1, genesis].map(toHex)).size).toBe(4);
    const rootB2 = (await env.executeBlock(rootB1, [transfer(ALICE, C, 1n, 1)], ctxAt(2))).stateRoot;
    // Back to the first branch: the same roots.
    expect(toHex((await env.executeBlock(genesis, a1, ctxAt(1))).stateRoot)).toBe(toHex(rootA1));
    expect(toHex((await env.executeBlock(rootA1, a2, ctxAt(2))).stateRoot)).toBe(toHex(rootA2));
    const view = async () => ({
      a1: await balance(rootA1, B),
      a2: await balance(rootA2, C),
      b1: await balance(rootB1, C),
      b2: await balance(rootB2, C),
      g: await balance(genesis, C),
    });
    const expected = { a1: 11n * ETHER, a2: 3n, b1: 5n * ETHER, b2: 5n * ETHER + 1n, g: 0n };
    expect(await view()).toEqual(expected);
    // Reopened (another process): the same state at every root.
    await t.db.close();
    await t.db.open();
    const reopened = new EvmEnvironment({ consumerId: CONSUMER_ID, genesis: genesisConfig() });
    await reopened.open(new StateDb(t.db.sublevel<Uint8Array, Uint8Array>("state", { keyEncoding: "view", valueEncoding: "view" })));
    env = reopened;
    expect(await view()).toEqual(expected);
    expect(toHex((await env.executeBlock(rootA1, a2, ctxAt(2))).stateRoot)).toBe(toHex(rootA2));
  });

  it("an unknown root is EXECUTION_ERROR_MISSING_STATE everywhere", async () => {
    const unknown = new Uint8Array(32).fill(7);
    await expectCode(env.executeBlock(unknown, [], ctxAt(1)), "EXECUTION_ERROR_MISSING_STATE");
    await expectCode(env.buildBlock(unknown, [], ctxAt(1)), "EXECUTION_ERROR_MISSING_STATE");
    await expectCode(env.checkTx(unknown, transfer(ALICE, B, 1n, 0)), "EXECUTION_ERROR_MISSING_STATE");
    await expectCode(env.query(unknown, ["accounts", A]), "EXECUTION_ERROR_MISSING_STATE");
  });

  describe("bad input: its typed code, and nothing written", () => {
    const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const signed1559 = () => transfer(ALICE, B, 1n, 0);
    /** The fields of a signed EIP-1559 transaction, changed and encoded again (the signature no longer matches them). */
    const reencode = (raw: Uint8Array, change: (v: Uint8Array[]) => void) => {
      const v = RLP.decode(raw.subarray(1)) as Uint8Array[];
      change(v);
      return Uint8Array.from([2, ...RLP.encode(v)]);
    };
    const legacyWithV = (v: bigint) => Uint8Array.from(RLP.encode([new Uint8Array(0), bigIntToUnpaddedBytes(EVM_BASE_FEE_PER_GAS), bigIntToUnpaddedBytes(21_000n), fromHex(B), bigIntToUnpaddedBytes(1n), new Uint8Array(0), bigIntToUnpaddedBytes(v), new Uint8Array(32).fill(1), new Uint8Array(32).fill(2)]));

    const cases: [string, () => Uint8Array[], string][] = [
      ["empty bytes", () => [new Uint8Array(0)], "EXECUTION_ERROR_MALFORMED_TX"],
      ["garbage", () => [Uint8Array.from([0xde, 0xad, 0xbe, 0xef])], "EXECUTION_ERROR_MALFORMED_TX"],
      ["an RLP list of 3 items", () => [RLP.encode([1, 2, 3])], "EXECUTION_ERROR_MALFORMED_TX"],
      ["an EIP-2930 transaction (type 1)", () => [Uint8Array.from([1, ...signed1559().subarray(1)])], "EXECUTION_ERROR_MALFORMED_TX"],
      ["a blob transaction (type 3)", () => [Uint8Array.from([3, ...signed1559().subarray(1)])], "EXECUTION_ERROR_MALFORMED_TX"],
      ["a set-code transaction (type 4)", () => [Uint8Array.from([4, ...signed1559().subarray(1)])], "EXECUTION_ERROR_MALFORMED_TX"],
      ["a trailing byte", () => [Uint8Array.from([...signed1559(), 0])], "EXECUTION_ERROR_MALFORMED_TX"],
      ["a truncated transaction", () => [signed1559().subarray(0, 40)], "EXECUTION_ERROR_MALFORMED_TX"],
      ["larger than 128 KiB", () => [signEvmTx(ALICE, { chainId: CHAIN_ID, nonce: 0, to: B, data: new Uint8Array(140_000).fill(1), gasLimit: 29_000_000 })], "EXECUTION_ERROR_MALFORMED_TX"],
      [
        "init code above EIP-3860's limit",
        () => [createFeeMarket1559Tx({ chainId: CHAIN_ID, nonce: 0, data: new Uint8Array(49_153).fill(1), gasLimit: 20_000_000, maxFeePerGas: EVM_BASE_FEE_PER_GAS }, { common: createEvmCommon(CHAIN_ID), allowUnlimitedInitCodeSize: true }).sign(ALICE).serialize()],
        "EXECUTION_ERROR_MALFORMED_TX",
      ],
      ["a nonce with a leading zero", () => [reencode(signed1559(), (v) => void (v[1] = Uint8Array.of(0, 1)))], "EXECUTION_ERROR_MALFORMED_TX"],
      ["fields of the wrong kind", () => [reencode(signed1559(), (v) => void ((v as unknown[])[8] = new Uint8Array(1)))], "EXECUTION_ERROR_MALFORMED_TX"],
      ["signed for another chain (EIP-1559)", () => [signEvmTx(ALICE, { chainId: 1, nonce: 0, to: B, value: 1n })], "EXECUTION_ERROR_UNAUTHORIZED"],
      ["signed for another chain (legacy)", () => [signEvmTx(ALICE, { chainId: CHAIN_ID + 1, nonce: 0, to: B, value: 1n, type: "legacy" })], "EXECUTION_ERROR_UNAUTHORIZED"],
      ["a legacy signature without replay protection (v = 27)", () => [legacyWithV(27n)], "EXECUTION_ERROR_UNAUTHORIZED"],
      ["a legacy v that is no signature (v = 30)", () => [legacyWithV(30n)], "EXECUTION_ERROR_UNAUTHORIZED"],
      ["no signature (zero r, s)", () => [reencode(signed1559(), (v) => void (v[10] = v[11] = new Uint8Array(0)))], "EXECUTION_ERROR_UNAUTHORIZED"],
      ["a y parity of 2", () => [reencode(signed1559(), (v) => void (v[9] = Uint8Array.of(2)))], "EXECUTION_ERROR_UNAUTHORIZED"],
      [
        "a high-s signature (EIP-2)",
        () => [reencode(signed1559(), (v) => ((v[11] = bigIntToUnpaddedBytes(N - bytesToBigInt(v[11]!))), (v[9] = bytesToBigInt(v[9]!) === 0n ? Uint8Array.of(1) : new Uint8Array(0))))],
        "EXECUTION_ERROR_UNAUTHORIZED",
      ],
      ["a replayed transaction (nonce too low)", () => [signed1559(), signed1559()], "EXECUTION_ERROR_INVALID_TX"],
      ["a nonce ahead of the account's", () => [transfer(ALICE, B, 1n, 1)], "EXECUTION_ERROR_INVALID_TX"],
      ["more value than the balance", () => [transfer(BOB, A, 10n * ETHER, 0)], "EXECUTION_ERROR_INVALID_TX"],
      ["a balance short of gas × fee cap", () => [transfer(BOB, A, 10n * ETHER - 21_000n * EVM_BASE_FEE_PER_GAS + 1n, 0)], "EXECUTION_ERROR_INVALID_TX"],
      ["a sender without an account", () => [transfer(createEvmKey(), A, 0n, 0)], "EXECUTION_ERROR_INVALID_TX"],
      ["fields changed after signing (another, empty, sender)", () => [reencode(signed1559(), (v) => void (v[6] = bigIntToUnpaddedBytes(2n)))], "EXECUTION_ERROR_INVALID_TX"],
      ["a fee cap below the base fee", () => [transfer(ALICE, B, 1n, 0, { maxFeePerGas: EVM_BASE_FEE_PER_GAS - 1n })], "EXECUTION_ERROR_INVALID_TX"],
      ["a legacy gas price below the base fee", () => [transfer(ALICE, B, 1n, 0, { type: "legacy", gasPrice: 1n })], "EXECUTION_ERROR_INVALID_TX"],
      ["a gas limit below the intrinsic gas", () => [transfer(ALICE, B, 1n, 0, { gasLimit: 20_999 })], "EXECUTION_ERROR_INVALID_TX"],
      ["a gas limit above the block's", () => [transfer(ALICE, B, 1n, 0, { gasLimit: 30_000_001 })], "EXECUTION_ERROR_INVALID_TX"],
      // The gas the earlier transactions used (21,000 each) counts, as in Ethereum, not their limits.
      ["more gas than the block has left", () => [transfer(ALICE, B, 1n, 0, { gasLimit: 20_000_000 }), transfer(ALICE, B, 1n, 1, { gasLimit: 30_000_000 - 21_000 + 1 })], "EXECUTION_ERROR_INVALID_TX"],
    ];

    it.each(cases)("%s", async (_name, make, code) => {
      const txs = make();
      const before = await t.countKeys();
      // After a valid transaction: the block is refused as a whole.
      await expectCode(env.executeBlock(genesis, [transfer(BOB, C, 1n, 0), ...txs], ctxAt(1)), code);
      await expectCode(env.executeBlock(genesis, txs, ctxAt(1)), code);
      expect(await t.countKeys()).toBe(before);
      expect(await balance(genesis, A)).toBe(1000n * ETHER);
      // The mempool refuses the same (a nonce a little ahead is fine there; a block needs them in order).
      const last = txs[txs.length - 1]!;
      if (_name === "a nonce ahead of the account's" || txs.length > 1) await env.checkTx(genesis, last);
      else await expectCode(env.checkTx(genesis, last), code);
      // The producer leaves it out, typed.
      const built = await env.buildBlock(genesis, txs, ctxAt(1));
      expect(await t.countKeys()).toBeGreaterThanOrEqual(before);
      if (_name === "a nonce ahead of the account's" || _name === "more gas than the block has left") {
        expect(built.rejected).toEqual([]);
      } else {
        expect(built.rejected.map((r) => r.error.code)).toEqual([code]);
      }
    });

    it("a sender with code (EIP-3607) is refused; a nonce far ahead is refused by the mempool", async () => {
      const e = new EvmEnvironment({ consumerId: CONSUMER_ID, genesis: genesisConfig([{ address: C, balance: ETHER.toString(), code: "0x00" }]) });
      await e.open(t.state);
      const g = await e.initGenesis();
      await expectCode(e.executeBlock(g, [transfer(CAROL, A, 1n, 1)], ctxAt(1)), "EXECUTION_ERROR_INVALID_TX");
      await expectCode(e.checkTx(g, transfer(CAROL, A, 1n, 1)), "EXECUTION_ERROR_INVALID_TX");
      await e.checkTx(g, transfer(ALICE, B, 1n, 16));
      await expectCode(e.checkTx(g, transfer(ALICE, B, 1n, 17)), "EXECUTION_ERROR_INVALID_TX");
    });
  });

  it("buildBlock includes the valid candidates in order, rejects the invalid ones and keeps a nonce gap for later; every node gets its root", async () => {
    const good = [transfer(ALICE, B, 1n, 0), transfer(BOB, C, 2n, 0), transfer(ALICE, C, 3n, 1)];
    const garbage = Uint8Array.of(0xc0);
    const otherChain = signEvmTx(ALICE, { chainId: 5, nonce: 1, to: B });
    const gap = transfer(ALICE, B, 1n, 9);
    const poor = transfer(CAROL, A, 1n, 0);
    const built = await env.buildBlock(genesis, [good[0]!, garbage, gap, good[1]!, otherChain, poor, good[2]!], ctxAt(1));
    expect(built.txs).toEqual(good);
    expect(built.rejected.map((r) => [r.tx, r.error.code])).toEqual([
      [garbage, "EXECUTION_ERROR_MALFORMED_TX"],
      [otherChain, "EXECUTION_ERROR_UNAUTHORIZED"],
      [poor, "EXECUTION_ERROR_INVALID_TX"],
    ]);
    const executed = await env.executeBlock(genesis, built.txs, ctxAt(1));
    expect(toHex(executed.stateRoot)).toBe(toHex(built.stateRoot));
    expect(executed.receipts).toEqual(built.receipts);
  });

  it("eth_call answers without changing anything: same root, no key written, a zero-balance caller", async () => {
    env = new EvmEnvironment({ consumerId: CONSUMER_ID, genesis: genesisConfig([{ address: EVM_CALL_SENDER, balance: "5", nonce: 3 }]) });
    await env.open(t.state);
    const { address, root } = await deployProbe(await env.initGenesis());
    const bump = (nonce: number) => signEvmTx(ALICE, { chainId: CHAIN_ID, nonce, to: address, data: call("bump()"), gasLimit: 200_000 });
    const r = await env.executeBlock(root, [bump(1)], ctxAt(2));
    const keys = await t.countKeys();
    const snapshot = () => Promise.all([storage(r.stateRoot, address, 0n), account(r.stateRoot, EVM_CALL_SENDER), account(r.stateRoot, A)]);
    const before = await snapshot();
    expect(before[1]).toMatchObject({ nonce: "0x3", balance: "0x5" });
    // A call that writes storage: the written value is returned, and nothing is kept.
    expect(await ethCall(r.stateRoot, address, call("write()"))).toEqual({ returnData: hex(encodeWord(777)), reverted: false, gasUsed: expect.stringMatching(/^0x[0-9a-f]+$/) });
    expect(await ethCall(r.stateRoot, address, call("count()"))).toMatchObject({ returnData: hex(encodeWord(1)) });
    for (let i = 0; i < 3; i++) expect((await ethCall(r.stateRoot, address, call("bump()"))).reverted).toBe(false); // count stays 1
    // The caller: a fixed address, its balance zero whatever the state says.
    expect((await ethCall(r.stateRoot, address, call("who()"))).returnData).toBe(hex(Uint8Array.from([...new Uint8Array(12), ...fromHex(EVM_CALL_SENDER), ...encodeWord(0)])));
    // An account without code.
    expect(await ethCall(r.stateRoot, evmAddress(key(9)), "0x")).toEqual({ returnData: "0x", reverted: false, gasUsed: "0x0" });
    expect(await t.countKeys()).toBe(keys);
    expect(await snapshot()).toEqual(before);
    // A revert, with its data.
    const r3 = await env.executeBlock(r.stateRoot, [bump(2), bump(3)], ctxAt(3));
    expect(await ethCall(r3.stateRoot, address, call("bump()"))).toMatchObject({ reverted: true, returnData: hex(Uint8Array.from([...computeSelector("TooMany(uint256)"), ...encodeWord(3)])) });
  });

  it("a malformed query is EXECUTION_ERROR_BAD_QUERY", async () => {
    const bad: string[][] = [
      [],
      ["nope"],
      ["accounts"],
      ["accounts", "0x12"],
      ["accounts", A.slice(2)],
      ["accounts", A, "extra"],
      ["storage", A],
      ["storage", A, "0x" + "1".repeat(65)],
      ["storage", A, "12"],
      ["code", "0x" + "g".repeat(40)],
      ["call", A],
      ["call", A, "0x1"],
      ["call", A, "zz"],
      ["call", A, "0x" + "00".repeat(128 * 1024 + 1)],
    ];
    for (const path of bad) await expectCode(env.query(genesis, path), "EXECUTION_ERROR_BAD_QUERY");
  });

  it("signEvmTx makes standard transactions: deterministic, decodable by @ethereumjs/tx, the sender's address", () => {
    const raw = transfer(ALICE, B, 5n, 3, { type: "legacy" });
    expect(toHex(transfer(ALICE, B, 5n, 3, { type: "legacy" }))).toBe(toHex(raw));
    const legacy = createLegacyTx({ nonce: 3n, gasPrice: EVM_BASE_FEE_PER_GAS, gasLimit: 21_000n, to: fromHex(B), value: 5n }, { common: createEvmCommon(CHAIN_ID) }).sign(ALICE, false);
    expect(toHex(legacy.serialize())).toBe(toHex(raw));
    expect(legacy.getSenderAddress().toString()).toBe(A);
    expect(evmAddress(createEvmKey())).toMatch(/^0x[0-9a-f]{40}$/);
  });
});

/** The full keccak256 of an event signature (its topic 0). */
function computeSelectorFull(signature: string): Uint8Array {
  return keccak_256(new TextEncoder().encode(signature));
}
