/**
 * The reference consumer chains as a user runs them: `devnet --consumers 3` (real processes: four hub
 * validators, a prover process proving ZK certificates on quorum4 — a key the faucet activates after
 * the chain started, `--zk-activation later` (decision 58) — a producer and a full node per chain),
 * transactions of each chain signed with the keys devnet.json lists, hub finality on every node (both
 * tiers), the EVM chain's relayer feeding AegisFinality with the hub's ZK certificates, and kill -9 of
 * consumer nodes at random moments: every node comes back (the devnet restarts it), nothing hub-final
 * is lost, and the chains go on.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { jest } from "@jest/globals";
import { fromHex } from "@aegis/consumer-sdk";
import {
  computeEvmChainId,
  computeSelector,
  createEvmKey,
  createLedgerKey,
  createUtxoKey,
  decodeUint256,
  evmAddress,
  ledgerAddress,
  signEvmTx,
  signLedgerTransfer,
  signUtxoTx,
  utxoGenesisTxHash,
} from "@aegis/consumer-chains";
import { ensureStopped, exitWithin, makeTempDir, removeDir, reservePortRange, spawnLogged, tryGetJson, waitFor, type SpawnedProcess } from "../helpers/e2eUtils.js";

jest.setTimeout(300_000);

const DEVNET_CLI = fileURLToPath(new URL("../../devnet/dist/cli.js", import.meta.url));

interface DevnetFile {
  consumers: { id: string; vm: string; api: string; nodes: { role: string; api: string; home: string }[]; faucet: { secretKey: string; address: string } }[];
}
interface Finality {
  height: number;
  hubFinalHeight: number;
  hubFinalBlockHash: string | null;
  tier: string | null;
  zkFinalHeight: number | null;
  misbehaviour: string | null;
}

let dir: string;
let home: string;
let devnet: SpawnedProcess;
let file: DevnetFile;

const finality = (api: string) => tryGetJson<Finality>(`${api}/finality`);
const post = async (api: string, tx: Uint8Array) => {
  const r = await fetch(`${api}/txs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ tx: Buffer.from(tx).toString("base64") }) });
  return { status: r.status, body: (await r.json()) as { hash?: string; error?: { code: string } } };
};

/** Pids of live `aegis-consumer start` processes whose --home is `nodeHome`. */
function consumerPid(nodeHome: string): number | undefined {
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0");
      if (cmd.some((a) => a.endsWith("aegis-consumer.js")) && cmd.includes(nodeHome)) return Number(name);
    } catch {
      /* gone */
    }
  }
  return undefined;
}

beforeAll(async () => {
  if (!existsSync(DEVNET_CLI)) throw new Error("devnet/dist/cli.js is missing: run `npm run build` first");
  dir = await makeTempDir("consumer-chains");
  home = join(dir, "home");
  const p2p = await reservePortRange(5);
  const api = await reservePortRange(5);
  const consumerApi = await reservePortRange(6);
  const consumerP2p = await reservePortRange(6);
  const ports = ["--p2p-port", String(p2p), "--api-port", String(api), "--consumer-api-port", String(consumerApi), "--consumer-p2p-port", String(consumerP2p)];
  devnet = spawnLogged([DEVNET_CLI, "--validators", "4", "--home", home, ...ports, "--zk-circuit", "quorum4", "--zk-interval", "6000", "--zk-activation", "later", "--consumers", "3", "--no-dashboard"], join(dir, "devnet.log"));
  await waitFor(() => /is running/.test(devnet.stdout()) || devnet.proc.exitCode !== null, 240_000, "devnet says it is running");
  if (devnet.proc.exitCode !== null) throw new Error(`the devnet exited (${devnet.proc.exitCode}):\n${devnet.stdout().slice(-2000)}\n${devnet.stderr().slice(-2000)}`);
  file = JSON.parse(await readFile(join(home, "devnet.json"), "utf8")) as DevnetFile;
});

afterAll(async () => {
  if (devnet) {
    devnet.proc.kill("SIGTERM");
    await exitWithin(devnet, 20_000);
    await ensureStopped(devnet, 5_000);
  }
  await removeDir(dir);
});

test("devnet.json lists the chains; their transactions become hub-final on the full nodes", async () => {
  expect(file.consumers.map((c) => [c.id, c.vm, c.nodes.map((n) => n.role)])).toEqual([
    ["ledger-1", "ledger", ["producer", "full"]],
    ["utxo-1", "utxo", ["producer", "full"]],
    ["evm-1", "evm", ["producer", "full"]],
  ]);
  const [ledger, utxo, evm] = file.consumers as [DevnetFile["consumers"][0], DevnetFile["consumers"][0], DevnetFile["consumers"][0]];
  // A ledger transfer sent to the full node.
  const to = ledgerAddress(createLedgerKey().publicKey);
  const transfer = signLedgerTransfer({ chainId: ledger.id, to, amount: 1234n, fee: 1n, nonce: 0 }, fromHex(ledger.faucet.secretKey));
  const sent = await post(ledger.nodes[1]!.api, transfer);
  expect(sent.status).toBe(202);
  // A UTXO spend of the genesis output.
  const recipient = createUtxoKey();
  const spend = signUtxoTx({ chainId: utxo.id, inputs: [{ txHash: utxoGenesisTxHash(utxo.id), index: 0 }], outputs: [{ owner: recipient.address, amount: 500n }] }, [fromHex(utxo.faucet.secretKey)]);
  expect((await post(utxo.nodes[1]!.api, spend)).status).toBe(202);
  // Both final on the full nodes (generous waits: under a full test run this devnet, 11 processes,
  // shares two cores with other suites).
  const ledgerTx = await waitFor(async () => {
    const t = await tryGetJson<{ height: number; final: boolean }>(`${ledger.nodes[1]!.api}/txs/${sent.body.hash}`);
    return t?.final ? t : undefined;
  }, 120_000, "the ledger transfer hub-final on the full node");
  expect(ledgerTx.height).toBeGreaterThan(0);
  expect(await tryGetJson(`${ledger.nodes[1]!.api}/query/accounts/${to}`)).toMatchObject({ balance: "1234" });
  await waitFor(async () => {
    const b = await tryGetJson<{ amount: string }>(`${utxo.nodes[1]!.api}/query/balances/${recipient.address}`);
    return b?.amount === "500" ? b : undefined;
  }, 120_000, "the UTXO output on the full node");
  // The same transfer again (replayed nonce) is refused with a typed error.
  const again = await post(ledger.nodes[1]!.api, transfer);
  expect(again.status).toBe(422);
  // An EVM transfer, hub-final on the full node.
  const evmTo = evmAddress(createEvmKey());
  const evmTx = signEvmTx(fromHex(evm.faucet.secretKey), { chainId: computeEvmChainId(evm.id), nonce: 0, to: evmTo, value: 777n });
  const evmSent = await post(evm.nodes[1]!.api, evmTx);
  expect(evmSent.status).toBe(202);
  await waitFor(async () => (await tryGetJson<{ final: boolean }>(`${evm.nodes[1]!.api}/txs/${evmSent.body.hash}`))?.final || undefined, 120_000, "the EVM transfer hub-final");
  expect(await tryGetJson(`${evm.nodes[1]!.api}/query/accounts/${evmTo}`)).toMatchObject({ balance: "0x309" });
  // The succinct tier started after genesis (decision 58): the faucet activated the key once the
  // devnet ran; the consumers adopted it from the hub's certified state, the relayer deployed then.
  const zkFrom = await waitFor(async () => (await tryGetJson<{ fromHeight: number | null }>(`${file.nodes[0]!.api}/zk`))?.fromHeight ?? undefined, 120_000, "the hub's ZK key activated");
  expect(zkFrom).toBeGreaterThan(1);
  // Both tiers on every node; the EVM chain's AegisFinality follows the hub's ZK certificates.
  for (const c of file.consumers) {
    for (const n of c.nodes) {
      const f = await waitFor(async () => {
        const x = await finality(n.api);
        return x && (x.zkFinalHeight ?? 0) > 0 ? x : undefined;
      }, 120_000, `${c.id}/${n.role} ZK-final`);
      expect(f).toMatchObject({ misbehaviour: null });
      expect(f.hubFinalHeight).toBeGreaterThanOrEqual(f.zkFinalHeight!);
    }
  }
  const statePath = join(evm.nodes[0]!.home, "relayer-state.json");
  await waitFor(() => existsSync(statePath) || undefined, 120_000, "AegisFinality deployed by the relayer");
  const finalityAddress = (JSON.parse(readFileSync(statePath, "utf8")) as { finalityAddress: string }).finalityAddress;
  const latestHeightCall = `0x${Buffer.from(computeSelector("latestHeight()")).toString("hex")}`;
  const hubHeightOnEvm = await waitFor(async () => {
    const r = await tryGetJson<{ returnData: string; reverted: boolean }>(`${evm.nodes[1]!.api}/query/call/${finalityAddress}/${latestHeightCall}`);
    return r && !r.reverted && decodeUint256(r.returnData) > 0n ? decodeUint256(r.returnData) : undefined;
  }, 120_000, "AegisFinality on the EVM chain at a certified hub height");
  expect(hubHeightOnEvm).toBeGreaterThan(0n);
});

test("kill -9 of consumer nodes at random moments loses nothing hub-final", async () => {
  const rnd = (a: number, b: number) => a + Math.floor(Math.random() * (b - a));
  const targets = file.consumers.flatMap((c) => c.nodes.map((n) => ({ id: c.id, ...n })));
  for (let round = 0; round < 4; round++) {
    const t = targets[rnd(0, targets.length)]!;
    const before = (await waitFor(() => finality(t.api), 30_000, `${t.id}/${t.role} answering`))!;
    await new Promise((r) => setTimeout(r, rnd(100, 2000)));
    const pid = consumerPid(t.home);
    expect(pid).toBeDefined();
    process.kill(pid!, "SIGKILL");
    // The devnet restarts it; it answers with at least what it had final, the same block at that height.
    const after = await waitFor(
      async () => {
        const f = await finality(t.api);
        return f && f.hubFinalHeight >= before.hubFinalHeight && f.height >= before.hubFinalHeight ? f : undefined;
      },
      60_000,
      `${t.id}/${t.role} back after kill -9`,
    );
    if (before.hubFinalHeight > 0) {
      const block = await waitFor(() => tryGetJson<{ hash: string; final: boolean }>(`${t.api}/blocks/${before.hubFinalHeight}`), 30_000, `${t.id}/${t.role} block ${before.hubFinalHeight}`);
      expect(block).toMatchObject({ hash: before.hubFinalBlockHash, final: true });
    }
    expect(after.misbehaviour).toBeNull();
  }
  // Every chain still progresses and stays final on both nodes.
  for (const c of file.consumers) {
    const start = (await finality(c.nodes[1]!.api))!.hubFinalHeight;
    await waitFor(async () => ((await finality(c.nodes[1]!.api))?.hubFinalHeight ?? 0) > start || undefined, 60_000, `${c.id} progressing`);
    const [p, f] = await Promise.all(c.nodes.map((n) => finality(n.api)));
    const h = Math.min(p!.hubFinalHeight, f!.hubFinalHeight);
    // Retried: under a full test run a node can take longer than one request's 3 s to answer.
    const [bp, bf] = await Promise.all(c.nodes.map((n) => waitFor(() => tryGetJson<{ hash: string }>(`${n.api}/blocks/${h}`), 30_000, `${c.id}/${n.role} block ${h}`)));
    expect(bp!.hash).toBe(bf!.hash);
  }
});
