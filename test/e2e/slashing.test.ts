/**
 * Slashing end to end: four in-process validators running the application over libp2p on loopback,
 * epochs of 5 blocks, a liveness window of 10 blocks. Everything is read back with cosmjs' staking and
 * slashing query extensions, as a wallet or explorer would.
 * 1. A stopped validator misses its precommits (the certificates blocks carry say so): jailed and
 *    slashed for downtime, and it leaves the consensus set at the next epoch boundary.
 * 2. A test harness makes a running validator sign two conflicting prevotes (with its own key,
 *    bypassing its double-sign guard): the consensus engine turns them into evidence, a proposer puts
 *    it in a block, the application slashes 5 % and tombstones; the validator leaves the set at the
 *    next boundary and cannot unjail.
 */
import { readFile } from "node:fs/promises";
import { jest } from "@jest/globals";
import { fromBech32, toBech32 } from "@cosmjs/encoding";
import { DirectSecp256k1HdWallet, Registry } from "@cosmjs/proto-signing";
import { MsgUnjail } from "cosmjs-types/cosmos/slashing/v1beta1/tx";
import { defaultRegistryTypes, GasPrice, QueryClient, setupSlashingExtension, setupStakingExtension, SigningStargateClient } from "@cosmjs/stargate";
import { connectComet, type CometClient } from "@cosmjs/tendermint-rpc";
import {
  assertValidCommitCertificate,
  blsSign,
  computeBlockHash,
  computeVoteSignBytes,
  fromHex,
  getSignerIndices,
  sha256,
  toHex,
  VoteType,
} from "@aegis/consumer-sdk";
import { encodeVote, getHomePaths, initHomes, startNodeFromHome, type DuplicateVoteEvidence, type InitializedNode, type RunningNode } from "@aegis/hub";
import { HOST, makeTempDir, removeDir, reservePortRange, waitFor } from "../helpers/e2eUtils.js";

jest.setTimeout(120_000);

const EPOCH = 5;
const WINDOW = 10;
const CHAIN_ID = "aegis-slashing-1";
const TOKENS = 100_000_000n; // power 100 each
let dir: string | undefined;
const running: (RunningNode | null)[] = [];
let comet: CometClient | undefined;
let nodesInfo: InitializedNode[] = [];

afterAll(async () => {
  comet?.disconnect();
  for (const r of [...running].reverse()) await r?.stop().catch(() => {});
  await removeDir(dir);
});

async function operatorOf(i: number): Promise<{ account: string; valoper: string; mnemonic: string }> {
  const op = JSON.parse(await readFile(`${nodesInfo[i]!.home}/keys/operator.json`, "utf8")) as { mnemonic: string; address: string };
  return { account: op.address, valoper: toBech32("aegisvaloper", fromBech32(op.address, 90).data), mnemonic: op.mnemonic };
}

async function blsKeyOf(i: number): Promise<{ secretKey: Uint8Array; publicKey: Uint8Array }> {
  const k = JSON.parse(await readFile(getHomePaths(nodesInfo[i]!.home).validatorKey, "utf8")) as { blsSecretKey: string; blsPublicKey: string };
  return { secretKey: fromHex(k.blsSecretKey), publicKey: fromHex(k.blsPublicKey) };
}

const live = () => running.filter((r): r is RunningNode => r !== null);

test("downtime jails a stopped validator; a double sign is slashed and tombstoned; both leave the set at the epoch boundary", async () => {
  dir = await makeTempDir("slashing");
  const res = await initHomes({
    home: dir,
    validators: 4,
    chainId: CHAIN_ID,
    host: HOST,
    p2pBasePort: await reservePortRange(4),
    apiBasePort: 1,
    epochLength: EPOCH,
    slashing: { signedBlocksWindow: WINDOW, minSignedPerWindow: "0.5", downtimeJailDurationMs: 600_000 },
    consensus: { createEmptyBlocksIntervalMs: 100, rebroadcastIntervalMs: 500 },
    timeouts: { timeouts: { proposeMs: 800, proposeDeltaMs: 100, prevoteMs: 300, prevoteDeltaMs: 100, precommitMs: 300, precommitDeltaMs: 100 } },
  });
  nodesInfo = res.nodes;
  for (const n of res.nodes) running.push(await startNodeFromHome(n.home, { config: (c) => ({ ...c, api: { host: HOST, port: 0 } }) }));
  const n0 = running[0]!.node;
  await waitFor(() => live().every((r) => r.node.engine.height >= 3), 30_000, "first blocks");

  // Blocks carry the previous height's certificate. A certificate forms at the third precommit (3 of
  // 4 is > 2/3); the fourth, arriving later, joins it before the next proposal, so with everyone up
  // most last commits name all four (none would without that).
  await waitFor(() => n0.engine.height >= 8, 30_000, "height 8");
  let full = 0;
  for (let h = 2; h <= 8; h++) {
    const b = (await n0.db.blocks.getBlock(h))!;
    assertValidCommitCertificate(b.lastCommit!, { chainId: CHAIN_ID, validatorSet: n0.engine.getValidatorSet(h - 1), expectedHeight: h - 1, expectedBlockHash: b.header.parentHash });
    if (getSignerIndices(b.lastCommit!.signers).length === 4) full++;
  }
  expect(full).toBeGreaterThanOrEqual(4);
  expect((await n0.db.blocks.getBlock(1))!.lastCommit).toBeNull();

  comet = await connectComet(running[0]!.api.url);
  const q = QueryClient.withExtensions(comet, setupStakingExtension, setupSlashingExtension);
  const consAddress = (pub: Uint8Array) => toBech32("aegisvalcons", sha256(pub).slice(0, 20));

  // ---- 1. downtime: stop validator 3
  const down = await operatorOf(3);
  const downKey = await blsKeyOf(3);
  await running[3]!.stop();
  running[3] = null;
  const stoppedAt = n0.engine.height;
  const jailed = await waitFor(
    async () => {
      const v = (await q.staking.validator(down.valoper)).validator;
      return v?.jailed ? v : undefined;
    },
    60_000,
    "validator 3 jailed for downtime",
    250,
  );
  // Slashed slashFractionDowntime (0.01 %) of its 100 000 000 tokens.
  expect(BigInt(jailed.tokens)).toBe(TOKENS - TOKENS / 10_000n);
  const info = (await q.slashing.signingInfo(consAddress(downKey.publicKey))).valSigningInfo!;
  expect(info.tombstoned).toBe(false);
  expect(Number(info.jailedUntil!.seconds)).toBeGreaterThan(Date.now() / 1000 + 500);
  // Jailed at a height at least a window after its start, with more than half of the window missed.
  const jailHeight = n0.engine.height;
  expect(jailHeight).toBeGreaterThanOrEqual(Math.max(WINDOW, stoppedAt + WINDOW / 2));
  // It leaves the consensus set at the next boundary; the others keep finalizing.
  const boundary1 = Math.ceil((jailHeight + 1) / EPOCH) * EPOCH;
  await waitFor(() => live().every((r) => r.node.engine.height >= boundary1 + 2), 60_000, `past boundary ${boundary1}`);
  for (const r of live()) {
    const set = r.node.engine.getValidatorSet(boundary1 + 1);
    expect(set.validators.map((v) => toHex(v.blsPublicKey))).not.toContain(toHex(downKey.publicKey));
    expect(set.validators).toHaveLength(3);
  }

  // ---- 2. double sign: validator 2 signs two prevotes for different blocks at one height and round
  const cheat = await operatorOf(2);
  const cheatKey = await blsKeyOf(2);
  const cheatedAt = await waitFor(
    async () => {
      const h = n0.engine.height + 1;
      const set = n0.engine.getValidatorSet(h);
      const index = set.validators.findIndex((v) => toHex(v.blsPublicKey) === toHex(cheatKey.publicKey));
      const sign = (blockHash: Uint8Array) => {
        const vote = { type: VoteType.Prevote, height: h, round: 0, blockHash };
        return { ...vote, validatorIndex: index, signature: blsSign(cheatKey.secretKey, computeVoteSignBytes({ chainId: CHAIN_ID, ...vote })) };
      };
      // Delivered like gossip: validated by node 0, then handed to its engine.
      for (const v of [sign(sha256(Uint8Array.of(1, h))), sign(sha256(Uint8Array.of(2, h)))]) {
        const vote = await n0.gossip.validateVote(encodeVote(v));
        n0.engine.submitVote(vote);
      }
      await n0.engine.whenIdle();
      return (await n0.db.evidence.list({ fromHeight: h })).length > 0 ? h : undefined;
    },
    30_000,
    "evidence of the double sign",
    50,
  );
  const tombstoned = await waitFor(
    async () => {
      const si = (await q.slashing.signingInfo(consAddress(cheatKey.publicKey))).valSigningInfo;
      return si?.tombstoned ? si : undefined;
    },
    30_000,
    "validator 2 tombstoned",
    250,
  );
  expect(tombstoned.tombstoned).toBe(true);
  const v2 = (await q.staking.validator(cheat.valoper)).validator!;
  expect(v2.jailed).toBe(true);
  // 5 % of the tokens it had (it signed every block: no downtime slash before).
  expect(BigInt(v2.tokens)).toBe(TOKENS - TOKENS / 20n);
  // The evidence reached a block (the one at the height of the votes when its proposer had not
  // proposed yet, else a later one), and every node executed the same block.
  let evidenceHeight = 0;
  for (let h = cheatedAt; h <= n0.engine.height && evidenceHeight === 0; h++) {
    const b = (await n0.db.blocks.getBlock(h))!;
    if (b.evidence.length > 0) {
      expect((b.evidence[0] as DuplicateVoteEvidence).voteA.height).toBe(cheatedAt);
      evidenceHeight = h;
    }
  }
  expect(evidenceHeight).toBeGreaterThanOrEqual(cheatedAt);
  const hashes = await Promise.all(live().map(async (r) => toHex(computeBlockHash((await waitFor(() => r.node.db.blocks.getBlock(evidenceHeight), 10_000, "block"))!.header))));
  expect(new Set(hashes).size).toBe(1);

  // A tombstoned validator cannot unjail (code from the slashing module, nothing changes).
  const cheatWallet = await DirectSecp256k1HdWallet.fromMnemonic(cheat.mnemonic, { prefix: "aegis" });
  const registry = new Registry([...defaultRegistryTypes, [MsgUnjail.typeUrl, MsgUnjail]]);
  const client = await SigningStargateClient.connectWithSigner(running[1]!.api.url, cheatWallet, { registry, gasPrice: GasPrice.fromString("0.025uaeg"), broadcastPollIntervalMs: 200 });
  const unjail = await client.signAndBroadcast(cheat.account, [{ typeUrl: MsgUnjail.typeUrl, value: { validatorAddr: cheat.valoper } }], {
    amount: [{ denom: "uaeg", amount: "5000" }],
    gas: "200000",
  });
  client.disconnect();
  expect(unjail.code).not.toBe(0);
  expect(unjail.rawLog).toMatch(/tombstoned/);
  expect((await q.staking.validator(cheat.valoper)).validator!.jailed).toBe(true);

  // At the next boundary it leaves too: validators 0 and 1 hold the whole set and keep finalizing.
  const boundary2 = Math.ceil((n0.engine.height + 1) / EPOCH) * EPOCH;
  await waitFor(() => live().every((r) => r.node.engine.height >= boundary2 + 2), 60_000, `past boundary ${boundary2}`);
  const set2 = n0.engine.getValidatorSet(boundary2 + 1);
  expect(set2.validators).toHaveLength(2);
  expect(set2.validators.map((v) => toHex(v.blsPublicKey))).not.toContain(toHex(cheatKey.publicKey));
  const last = (await n0.db.blocks.getCertified(boundary2 + 2))!;
  assertValidCommitCertificate(last.certificate, { chainId: CHAIN_ID, validatorSet: set2, expectedHeight: boundary2 + 2, expectedBlockHash: computeBlockHash(last.block.header) });
  expect(getSignerIndices(last.certificate.signers)).toEqual([0, 1]);
});
