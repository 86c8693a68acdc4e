/**
 * A real hub fork on the succinct tier, end to end with `aegis hub start` processes on loopback:
 * validators 0 and 1 (60 % of the power, 30/30/30/10) run a second instance of their nodes (a copy of
 * the home: same BLS and attestation keys, same prover config and prover account) on the other side
 * of a network partition. Side X = {0, 1, 2} (90 %), side Y = {twin 0, twin 1, 3} (70 %). The genesis
 * names the quorum4 circuit; node 0 proves (`provers: [0]`), so its twin proves on side Y: each side
 * has exactly one prover, and both make ZK certificates of their own blocks. Nothing in the hub is
 * changed or bypassed for it (test/helpers/forkNetwork.mjs). The split falls right after a commit,
 * before the next height has a proposal (PRE_SPLIT_EMPTY_BLOCK_MS says why).
 * 1. The first height above the split that both sides ZK-certified, for different blocks: each
 *    certificate verifies against the ZK root computed here from the genesis file alone (and the hub's
 *    /zk root of both sides is that root); side X's is signed by 0, 1, 2, side Y's by 0, 1, 3 (each
 *    needs all three: > 2/3); the SDK's assertZkForkGuilt names exactly 0 and 1, the intersection.
 * 2. The two certificates go to side X as MsgSubmitForkEvidence (`zk`) signed by the genesis faucet:
 *    0 and 1 are tombstoned and slashed the double-sign fraction with reason `hub_fork`, the response
 *    names exactly their consensus addresses, 2 and 3 are untouched; the same evidence again (either
 *    way round) is refused (already tombstoned) and changes nothing. Side Y never saw it.
 */
import { jest } from "@jest/globals";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fromBech32, toBech32 } from "@cosmjs/encoding";
import { DirectSecp256k1HdWallet, Registry } from "@cosmjs/proto-signing";
import { defaultRegistryTypes, QueryClient, setupSlashingExtension, setupStakingExtension, SigningStargateClient, type DeliverTxResponse } from "@cosmjs/stargate";
import { connectComet } from "@cosmjs/tendermint-rpc";
import { aegis } from "@aegis/proto";
import {
  assertValidZkCertificate,
  assertZkForkGuilt,
  computeValidatorAddress,
  computeZkValidatorSetRoot,
  decodeCertificateResponseJson,
  decodeCommitsJson,
  decodeHeaderResponseJson,
  decodeValidatorSetJson,
  decodeZkInfoJson,
  fromHex,
  initZkCertificateVerifier,
  toHex,
  type Groth16VerificationKey,
  type ValidatorSet,
  type ZkCertificate,
  type ZkForkEvidence,
} from "@aegis/consumer-sdk";
import { AegisMsgSubmitForkEvidence, MSG_SUBMIT_FORK_EVIDENCE_TYPE_URL } from "@aegis/consumer-sdk/hub-tx";
import { getAttestationPoint, type GenesisFile } from "@aegis/hub";
import { getCircuit, setupCircuit, terminateCurve } from "../../circuits/scripts/build.mjs";
import { createForkNetwork, type ForkNetwork } from "../helpers/forkNetwork.mjs";
import { makeTempDir, removeDir } from "../helpers/e2eUtils.js";

jest.setTimeout(240_000);

const CHAIN_ID = "aegis-fork-zk-1";
const EPOCH = 10;
const CIRCUIT = "quorum4";
const CAPACITY = 4;
const POWERS = [30n, 30n, 30n, 10n];
const TOKENS = POWERS.map((p) => p * 1_000_000n);
const COALITION = [0, 1];
const DEC_ONE = 10n ** 18n;
/**
 * Far longer than the test: only each epoch's last block is attested (attestationSchedule.ts), so the
 * one prover of each side proves one certificate per epoch and never queues behind proofs of heights
 * nobody needs (six nodes and two provers share two slow cores).
 */
const ATTESTATION_INTERVAL_MS = 3_600_000;
/**
 * Empty blocks wait this long before the split and 150 ms after it. The split must not fall between
 * a polka and its commit: a polka's block can then be proposed again only by the validator that
 * built it (the hub refuses a block whose header names another proposer than the round's, even a
 * re-proposal with a POL round: blockRules.ts BLOCK_ERROR_WRONG_PROPOSER), and a side without that
 * validator, its members locked on the block, never commits again (a liveness fault of the hub's,
 * not what this test is about). The test splits right after a commit, while the next proposer waits.
 */
const PRE_SPLIT_EMPTY_BLOCK_MS = 1000;
const POST_SPLIT_EMPTY_BLOCK_MS = 150;
/** How recent the commit every node is at must be when the split starts (well under PRE_SPLIT_EMPTY_BLOCK_MS). */
const FRESH_COMMIT_MS = 300;

let dir: string | undefined;
let net: ForkNetwork | undefined;

afterAll(async () => {
  await net?.stop(5000);
  await terminateCurve();
  await removeDir(dir);
});

const t0 = Date.now();
const timings: string[] = [];
const mark = (what: string) => timings.push(`${what} ${((Date.now() - t0) / 1000).toFixed(1)} s`);

/** The "proved certificate" lines of a node's log: height, signers (binary) and ms. */
function provedOf(log: string): { height: number; signers: string; ms: number }[] {
  const out: { height: number; signers: string; ms: number }[] = [];
  for (const line of log.split("\n")) {
    if (!line.includes('"proved certificate"')) continue;
    try {
      const r = JSON.parse(line) as { height: number; signers: string; ms: number };
      out.push({ height: r.height, signers: r.signers, ms: r.ms });
    } catch {
      /* a line cut by the read */
    }
  }
  return out;
}

test("twins of a coalition fork the hub on the ZK tier; two ZK certificates of one height tombstone exactly the coalition on the honest side", async () => {
  const built = await setupCircuit(await getCircuit(CIRCUIT));
  const verificationKey = built.vkey as unknown as Groth16VerificationKey;
  mark("circuit ready");
  dir = await makeTempDir("hubforkzk");
  const n = await createForkNetwork({
    dir,
    chainId: CHAIN_ID,
    powers: POWERS,
    epochLength: EPOCH,
    consensus: { createEmptyBlocksIntervalMs: PRE_SPLIT_EMPTY_BLOCK_MS, rebroadcastIntervalMs: 500 },
    timeouts: { timeouts: { proposeMs: 2000, proposeDeltaMs: 250, prevoteMs: 500, prevoteDeltaMs: 250, precommitMs: 500, precommitDeltaMs: 250 } },
    // A window far longer than the test: the validators each side misses are not jailed for downtime.
    slashing: { signedBlocksWindow: 10_000 },
    zk: { circuit: CIRCUIT, capacity: CAPACITY, verificationKey, attestationIntervalMs: ATTESTATION_INTERVAL_MS, wasm: built.wasm, zkey: built.zkey, provers: [0] },
  });
  net = n;
  await n.start();
  const zkInfo = async (url: string, h?: number) => decodeZkInfoJson(await n.get(`${url}/zk${h === undefined ? "" : `?height=${h}`}`));
  const height = async (url: string) => (await n.status(url))?.height ?? -1;
  expect(await Promise.all(n.nodes.map(async (m) => (await zkInfo(m.api)).prover))).toEqual([true, false, false, false]);
  // After the split (the nodes read their config when they start): empty blocks every 150 ms.
  for (const m of n.nodes) {
    const path = join(m.home, "config.json");
    const config = JSON.parse(await readFile(path, "utf8")) as { consensus: { createEmptyBlocksIntervalMs: number } };
    config.consensus.createEmptyBlocksIntervalMs = POST_SPLIT_EMPTY_BLOCK_MS;
    await writeFile(path, JSON.stringify(config, null, 2) + "\n");
  }
  // Split right after every node committed one height (>= 3): the next height's proposer waits
  // PRE_SPLIT_EMPTY_BLOCK_MS before it proposes, so no proposal of it, and no polka, exists at the split.
  await n.waitFor(
    async () => {
      const last = await Promise.all(n.nodes.map(async (m) => decodeCommitsJson(await n.get(`${m.api}/commits?limit=1`))[0]));
      const h = last[0]?.height ?? 0;
      return h >= 3 && last.every((c) => c !== undefined && c.height === h && Date.now() - c.time < FRESH_COMMIT_MS);
    },
    60_000,
    `all four nodes at one height >= 3, committed less than ${FRESH_COMMIT_MS} ms ago`,
    50,
  );
  mark("fresh commit at height >= 3");

  const { x, y, heightsBefore } = await n.split({ coalition: COALITION, x: [0, 1, 2], y: [3] });
  const tSplit = Date.now();
  mark("split and restarted");
  expect(n.nodes.filter((m) => m.twin).map((m) => [m.validator, m.side])).toEqual([
    [0, "y"],
    [1, "y"],
  ]);
  // The twin of 0 runs a copy of 0's home, prover config and prover account included: one prover a side.
  const provers = await Promise.all(n.nodes.map(async (m) => ({ node: m.index, validator: m.validator, side: m.side, prover: (await zkInfo(m.api)).prover })));
  expect(provers.filter((p) => p.prover).map((p) => [p.validator, p.side])).toEqual([
    [0, "x"],
    [0, "y"],
  ]);
  const proverNodes = provers.filter((p) => p.prover).map((p) => p.node);
  const common = Math.min(...heightsBefore.map((h) => h ?? 0));
  expect(common).toBeGreaterThanOrEqual(3);

  // Each side read from a node that does not prove (the certificate reached it by gossip): 2 on X, 3 on Y.
  const urlX = x[2]!;
  const urlY = y[0]!;
  expect(n.nodes.find((m) => m.api === urlX)).toMatchObject({ validator: 2, twin: false, side: "x" });
  expect(n.nodes.find((m) => m.api === urlY)).toMatchObject({ validator: 3, twin: false, side: "y" });
  const certificate = async (url: string, h: number) => decodeCertificateResponseJson(await n.get(`${url}/certificates/${h}`), { chainId: CHAIN_ID });
  const blockHash = async (url: string, h: number) => toHex((await decodeHeaderResponseJson(await n.get(`${url}/headers/${h}`))).blockHash);
  const setAt = async (url: string, h: number): Promise<ValidatorSet> => decodeValidatorSetJson(await n.get(`${url}/validators?height=${h}`)).validatorSet;
  const setIndexOf = (set: ValidatorSet, validator: number) => set.validators.findIndex((v) => toHex(v.blsPublicKey) === n.keys[validator]!.blsPublicKey);

  // ---- 1. the first height above the split with a ZK certificate on both sides, for different blocks
  /** ZK certificates found so far, by side and height (a height is asked again until it has one). */
  const found = { x: new Map<number, ZkCertificate>(), y: new Map<number, ZkCertificate>() };
  const sameBlockHeights: number[] = [];
  /** The lowest height above the split with a ZK certificate on both sides for different blocks, or undefined. */
  const findZkFork = async (): Promise<number | undefined> => {
    const [lx, ly] = await Promise.all([zkInfo(urlX), zkInfo(urlY)]);
    const through = Math.min(lx.latestCertifiedHeight ?? 0, ly.latestCertifiedHeight ?? 0);
    for (let h = common + 1; h <= through; h++) {
      for (const [side, url] of [
        ["x", urlX],
        ["y", urlY],
      ] as const) {
        if (found[side].has(h)) continue;
        const zk = (await certificate(url, h)).zk;
        if (zk) found[side].set(h, zk);
      }
      const a = found.x.get(h);
      const b = found.y.get(h);
      if (!a || !b) continue;
      if (toHex(a.blockHash) !== toHex(b.blockHash)) return h;
      // A block both sides have (one the split did not separate): not a fork yet.
      if (!sameBlockHeights.includes(h)) sameBlockHeights.push(h);
    }
    return undefined;
  };
  const forkHeight = await n.waitFor(findZkFork, 150_000, "a height above the split ZK-certified on both sides for different blocks", 500).catch(async (e: Error) => {
    // Where each side got to: its nodes' heights and latest certified heights, and the certified heights found.
    // A WAL replayed at the restart means the split fell after a proposal (see PRE_SPLIT_EMPTY_BLOCK_MS).
    const where = await Promise.all(
      n.nodes.map(async (m) => {
        const replays = (await n.logs(m.index)).split("\n").filter((l) => l.includes('"replaying WAL"')).length;
        return `${m.twin ? "twin " : ""}${m.validator}/${m.side}: height ${await height(m.api)}, zk ${(await n.get(`${m.api}/zk`))?.latestCertifiedHeight}, WAL replays ${replays}`;
      }),
    );
    throw new Error(`${e.message}; ${where.join("; ")}; ZK certified: X ${[...found.x.keys()].join(",")}, Y ${[...found.y.keys()].join(",")}`);
  });
  const tFirstCommon = Date.now();
  mark(`ZK fork at height ${forkHeight}`);
  const a = found.x.get(forkHeight)!;
  const b = found.y.get(forkHeight)!;
  // Each certificate is of the block its side committed at that height.
  expect(toHex(a.blockHash)).toBe(await blockHash(urlX, forkHeight));
  expect(toHex(b.blockHash)).toBe(await blockHash(urlY, forkHeight));
  for (const url of x) expect(await blockHash(url, forkHeight)).toBe(toHex(a.blockHash));
  for (const url of y) expect(await blockHash(url, forkHeight)).toBe(toHex(b.blockHash));
  // Both name node 0's operator account as their prover: the twin proves with a copy of its prover key.
  const prover0 = toHex(fromBech32(n.keys[0]!.operator, 90).data);
  expect([toHex(a.prover), toHex(b.prover)]).toEqual([prover0, prover0]);

  // The trusted root, from the genesis file alone: the attestation keys of the set that signs the
  // height (both sides agree on it: no staking change), in consensus order, with their powers.
  const set = await setAt(urlX, forkHeight);
  expect((await setAt(urlY, forkHeight)).validators.map((v) => [toHex(v.blsPublicKey), v.power])).toEqual(set.validators.map((v) => [toHex(v.blsPublicKey), v.power]));
  expect(set.totalPower).toBe(100n);
  const genesis = JSON.parse(await readFile(n.genesisPath, "utf8")) as GenesisFile;
  const byBls = new Map(genesis.appState!.validators!.map((v) => [v.blsPublicKey, v]));
  const slots = set.validators.map((v) => ({ ...getAttestationPoint(fromHex(byBls.get(toHex(v.blsPublicKey))!.attestationPublicKey)), power: v.power }));
  const root = computeZkValidatorSetRoot(slots, CAPACITY);
  expect((await zkInfo(urlX, forkHeight)).validatorSetRoot).toBe(root);
  expect((await zkInfo(urlY, forkHeight)).validatorSetRoot).toBe(root);
  expect([a.validatorSetRoot, b.validatorSetRoot, a.nextValidatorSetRoot, b.nextValidatorSetRoot]).toEqual([root, root, root, root]);

  await initZkCertificateVerifier();
  const verify = { chainId: CHAIN_ID, verificationKeys: { [CIRCUIT]: verificationKey }, capacities: { [CIRCUIT]: CAPACITY } };
  const idx = (vs: number[]) => vs.map((v) => setIndexOf(set, v)).sort((p, q) => p - q);
  // Side X's certificate is signed by 0, 1, 2 and side Y's by 0, 1, 3 (each needs all three: > 2/3).
  expect(assertValidZkCertificate(a, root, verify).signers).toEqual(idx([0, 1, 2]));
  expect(assertValidZkCertificate(b, root, verify).signers).toEqual(idx([0, 1, 3]));
  const evidence: ZkForkEvidence = { a, b };
  const guilt = assertZkForkGuilt(evidence, { validatorSetRoot: root, powers: set.validators.map((v) => v.power), verify });
  expect(guilt).toEqual({ tier: "zk", height: forkHeight, guilty: idx(COALITION), guiltyPower: 60n, totalPower: 100n });

  // ---- 2. the evidence goes to side X, signed by the genesis faucet
  const comet = await connectComet(urlX);
  const q = QueryClient.withExtensions(comet, setupStakingExtension, setupSlashingExtension);
  const valoper = (v: number) => toBech32("aegisvaloper", fromBech32(n.keys[v]!.operator, 90).data);
  const consAddress = (v: number) => toBech32("aegisvalcons", computeValidatorAddress(fromHex(n.keys[v]!.blsPublicKey)));
  const standing = async () =>
    Promise.all(
      POWERS.map(async (_p, v) => {
        const val = (await q.staking.validator(valoper(v))).validator!;
        const info = (await q.slashing.signingInfo(consAddress(v))).valSigningInfo;
        return { tokens: BigInt(val.tokens), jailed: val.jailed, tombstoned: info?.tombstoned ?? false };
      }),
    );
  const before = await standing();
  expect(before).toEqual(TOKENS.map((tokens) => ({ tokens, jailed: false, tombstoned: false })));
  const slashFraction = BigInt(new TextDecoder().decode((await q.slashing.params()).params.slashFractionDoubleSign));
  expect(slashFraction).toBe(DEC_ONE / 20n); // the default: 5 %

  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(n.faucet!.mnemonic, { prefix: "aegis" });
  const submitter = (await wallet.getAccounts())[0]!.address;
  const registry = new Registry([...defaultRegistryTypes, [MSG_SUBMIT_FORK_EVIDENCE_TYPE_URL, AegisMsgSubmitForkEvidence as never]]);
  const client = await SigningStargateClient.connectWithSigner(urlX, wallet, { registry, broadcastPollIntervalMs: 200, broadcastTimeoutMs: 60_000 });
  const fee = { amount: [{ denom: n.denom, amount: "50000" }], gas: "2000000" };
  const submit = (e: ZkForkEvidence): Promise<DeliverTxResponse> => client.signAndBroadcast(submitter, [{ typeUrl: MSG_SUBMIT_FORK_EVIDENCE_TYPE_URL, value: { submitter, zk: e } }], fee);
  const attrs = (e: { attributes: readonly { key: string; value: string }[] }) => Object.fromEntries(e.attributes.map((x) => [x.key, x.value]));
  let first!: DeliverTxResponse;
  const again: DeliverTxResponse[] = [];
  try {
    first = await submit(evidence);
    expect({ code: first.code, rawLog: first.rawLog }).toEqual({ code: 0, rawLog: expect.anything() });
    mark(`evidence on side X at height ${first.height}`);
    // The response names exactly the coalition's consensus addresses.
    expect(first.msgResponses.map((m) => m.typeUrl)).toEqual(["/aegis.slashing.v1.MsgSubmitForkEvidenceResponse"]);
    const response = aegis.slashing.v1.MsgSubmitForkEvidenceResponse.decode(first.msgResponses[0]!.value);
    expect([...response.slashed].sort()).toEqual(COALITION.map(consAddress).sort());
    // One slash event for each, reason hub_fork at the fork's height; the fork event says ZK tier, 60 %.
    const slashes = first.events.filter((e) => e.type === "slash").map(attrs);
    expect(slashes.map((s) => s.address).sort()).toEqual(COALITION.map(consAddress).sort());
    for (const s of slashes) expect(s).toMatchObject({ reason: "hub_fork", infraction_height: String(forkHeight), jailed: s.address, power: "30" });
    const forkEvents = first.events.filter((e) => e.type === "hub_fork").map(attrs);
    expect(forkEvents).toEqual([expect.objectContaining({ height: String(forkHeight), tier: "zk", guilty: "2", slashed: "2" })]);
    expect(Number(forkEvents[0]!.guilty_power_fraction)).toBeCloseTo(0.6, 12);

    // Exactly 0 and 1 tombstoned and slashed 5 % of what they had at the fork's height; 2 and 3 untouched.
    const after = await standing();
    expect(after).toEqual(
      TOKENS.map((tokens, v) => (COALITION.includes(v) ? { tokens: tokens - (tokens * slashFraction) / DEC_ONE, jailed: true, tombstoned: true } : { tokens, jailed: false, tombstoned: false })),
    );
    // The same evidence again, either way round, is refused and changes nothing but the fee.
    for (const e of [evidence, { a: b, b: a }]) {
      const r = await submit(e);
      again.push(r);
      expect(r.code).not.toBe(0);
      expect(r.rawLog).toMatch(/already tombstoned/);
      expect(r.events.filter((ev) => ev.type === "slash")).toEqual([]);
    }
    expect(await standing()).toEqual(after);
  } finally {
    client.disconnect();
    comet.disconnect();
  }
  // Side Y never saw the evidence: the twins go on as validators there.
  const cometY = await connectComet(urlY);
  try {
    const qy = QueryClient.withExtensions(cometY, setupSlashingExtension);
    for (const v of COALITION) expect((await qy.slashing.signingInfo(consAddress(v))).valSigningInfo?.tombstoned ?? false).toBe(false);
  } finally {
    cometY.disconnect();
  }

  const proved = await Promise.all(proverNodes.map(async (i) => ({ node: i, side: n.nodes[i]!.side, proofs: provedOf(await n.logs(i)) })));
  for (const p of proved) expect(p.proofs.some((r) => r.height === forkHeight)).toBe(true);
  console.log(
    `hub fork (ZK): heights before the split ${heightsBefore.join(",")}, ZK fork height ${forkHeight}` +
      (sameBlockHeights.length ? ` (same block both sides at ${sameBlockHeights.join(",")})` : "") +
      `, signers X ${a.signers.toString(2)} Y ${b.signers.toString(2)} (set order ${[0, 1, 2, 3].map((v) => setIndexOf(set, v)).join(",")} for validators 0-3), ` +
      `split to first common ZK height ${((tFirstCommon - tSplit) / 1000).toFixed(1)} s ` +
      `(its block time: X +${((a.time - tSplit) / 1000).toFixed(1)} s, Y +${((b.time - tSplit) / 1000).toFixed(1)} s after the split); ` +
      `proofs ${proved.map((p) => `${p.side}: ${p.proofs.map((r) => `${r.height} in ${r.ms} ms`).join(", ")}`).join("; ")}; ` +
      `evidence tx at ${first.height}, refused again at ${again.map((r) => r.height).join(",")}; ${timings.join("; ")}`,
  );
});
