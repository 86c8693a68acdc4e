/**
 * A running one-validator hub for the fuzz suites: homes made by initHomes in a temporary folder, the
 * node and its API started by startNodeFromHome on loopback (as hub/test/api/apiServer.test.ts does),
 * blocks every 50 ms. `zk`: with the genesis zk section of the committed vectors, so /zk and
 * /zk/activation answer. Also what a fuzz case compares before and after a refused input: the
 * mempool's size and the faucet's balance and sequence, read by cosmjs over the node's JSON-RPC.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { StargateClient } from "@cosmjs/stargate";
import { nullLogger } from "../../src/logger.js";
import { initHomes, type FaucetInfo } from "../../src/node/initHomes.js";
import { startNodeFromHome, type RunningNode } from "../../src/node/runNode.js";
import { signWithClient, msgSend, RECIPIENT } from "../tx/txFixtures.js";

const here = dirname(fileURLToPath(import.meta.url));

export interface FuzzHub {
  running: RunningNode;
  /** http://127.0.0.1:<port> */
  base: string;
  chainId: string;
  faucet: FaucetInfo;
  /** A cosmjs client over the node's JSON-RPC. */
  client: StargateClient;
  /** What refused input must not change. */
  snapshot(): Promise<HubSnapshot>;
  /** A transaction from the faucet that CheckTx accepts (sequence: the faucet's current one), not sent. */
  validTx(memo?: string): Promise<Uint8Array>;
  stop(): Promise<void>;
}

export interface HubSnapshot {
  mempoolSize: number;
  balance: string;
  sequence: number;
}

export async function startFuzzHub(chainId: string, opts: { zk?: boolean; minHeight?: number } = {}): Promise<FuzzHub> {
  const dir = await mkdtemp(join(tmpdir(), "aegis-fuzz-"));
  let running: RunningNode | undefined;
  try {
    const zkVectors = opts.zk ? JSON.parse(readFileSync(join(here, "..", "..", "..", "test", "vectors", "zkCertificates.json"), "utf8")) : undefined;
    const zk = zkVectors
      ? (() => {
          const { vk_alphabeta_12: _unused, ...verificationKey } = zkVectors.verificationKey;
          return { circuit: "quorum4", capacity: 4, verificationKey, attestationIntervalMs: 1000, proverReward: "1000000", wasm: "", zkey: "", provers: [] };
        })()
      : undefined;
    const res = await initHomes({ home: dir, validators: 1, chainId, consensus: { createEmptyBlocksIntervalMs: 50, rebroadcastIntervalMs: 500 }, ...(zk ? { zk } : {}) });
    const r = await startNodeFromHome(res.nodes[0]!.home, {
      logger: nullLogger,
      config: (c) => ({ ...c, api: { host: "127.0.0.1", port: 0 }, p2p: { listen: ["/ip4/127.0.0.1/tcp/0"], bootstrap: [] } }),
    });
    running = r;
    const deadline = Date.now() + 30_000;
    while (r.node.engine.height < (opts.minHeight ?? 3)) {
      if (Date.now() > deadline) throw new Error(`the node did not reach height ${opts.minHeight ?? 3} (at ${r.node.engine.height})`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const base = r.api.url;
    const faucet = res.faucet!;
    const client = await StargateClient.connect(base);
    const wallet = await DirectSecp256k1HdWallet.fromMnemonic(faucet.mnemonic, { prefix: "aegis" });
    const [account] = await wallet.getAccounts();
    const signer = { wallet, address: account!.address, pubkey: account!.pubkey };
    const accountNumber = Number((await client.getAccount(faucet.address))!.accountNumber);
    return {
      running: r,
      base,
      chainId,
      faucet,
      client,
      async snapshot() {
        const [balance, acc] = await Promise.all([client.getBalance(faucet.address, "uaeg"), client.getAccount(faucet.address)]);
        return { mempoolSize: r.node.mempool.size, balance: balance.amount, sequence: acc!.sequence };
      },
      async validTx(memo = "") {
        const sequence = (await client.getAccount(faucet.address))!.sequence;
        const { bytes } = await signWithClient({ signer, messages: [msgSend(signer.address, RECIPIENT, [{ denom: "uaeg", amount: "1" }])], memo, sequence, accountNumber, chainId });
        return bytes;
      },
      async stop() {
        client.disconnect();
        await r.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await running?.stop().catch(() => {});
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}
