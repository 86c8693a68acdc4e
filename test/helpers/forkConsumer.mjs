/**
 * A consumer chain on a hub that is about to fork (test/helpers/forkNetwork.mjs), run in this process
 * with the consumer runtime: a producer that follows and checkpoints into the hub through the nodes it
 * is given, and a full node that follows through its own list of hub nodes (one of each side of the
 * coming split: its detector) and submits fork evidence with an account of its own. Plain ESM so that
 * the jest e2e (test/e2e/consumerFork.test.ts) and the bench (bench/forks.mjs) share it; types in
 * forkConsumer.d.mts. Also the hub-side reads and writes both need: each validator's standing on a
 * side (staking tokens, jailed, tombstoned), a same-round fork pair built from the two sides' API
 * answers, and MsgSubmitForkEvidence sent with cosmjs.
 * And what a fork run needs around net.split: splitAtRest (split right after a commit, the producer
 * paused), startTraffic (bank sends that keep one side committing at consensus speed) and describeHub
 * (heights and WRONG_PROPOSER refusals, for a wait that timed out).
 *
 *   const fc = await startForkConsumer({ net, dir, consumerId: "kv-fork", env: () => new KvEnvironment(),
 *     producerApis: [api0, api1, api2], checkpointApi: api2, fullApis: [api2, api3] });
 *   fc.producer, fc.full (ConsumerNode), fc.restartFull({ resumeFrom }), fc.stop()
 *
 * Accounts: the genesis faucet funds two fresh accounts first (one for the producer's checkpoints, one
 * for the full node's evidence) and then registers the consumer, so no two senders ever share an
 * account's sequence.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { fromBech32, toBech32 } from "@cosmjs/encoding";
import { DirectSecp256k1HdWallet, Registry } from "@cosmjs/proto-signing";
import { defaultRegistryTypes, QueryClient, setupSlashingExtension, setupStakingExtension, SigningStargateClient } from "@cosmjs/stargate";
import { connectComet } from "@cosmjs/tendermint-rpc";
import {
  computeValidatorAddress,
  decodeCertificateResponseJson,
  decodeHeaderResponseJson,
  decodeValidatorSetJson,
  encodeHubTrustRootJson,
  fromHex,
  toHex,
} from "@aegis/consumer-sdk";
import { AegisMsgSubmitForkEvidence, MSG_SUBMIT_FORK_EVIDENCE_TYPE_URL } from "@aegis/consumer-sdk/hub-tx";
import { ConsumerNode, parseConsumerNodeConfig, registerConsumer } from "@aegis/consumer-runtime";
import { computeHubTrustRoot, loadGenesis } from "@aegis/hub";

const HOST = "127.0.0.1";
const PRODUCER_SK = new Uint8Array(32).fill(9);
const FUND = "100000000";

export const DEC_ONE = 10n ** 18n;

/** Fee of one checkpoint transaction, and of one fork-evidence transaction (two BLS certificate checks). */
export const checkpointFee = (denom) => ({ amount: [{ denom, amount: "10000" }], gas: "400000" });
export const evidenceFee = (denom) => ({ amount: [{ denom, amount: "50000" }], gas: "2000000" });

/** The producer and full node of one consumer on `net` (see the header). */
export async function startForkConsumer({
  net,
  dir,
  consumerId,
  env,
  vm = "kv",
  producerApis,
  checkpointApi,
  fullApis,
  producerLogger,
  fullLogger,
  followIntervalMs = 200,
  evidenceRetryMs = 1000,
  producerEmptyBlockIntervalMs = 400,
}) {
  const genesis = await loadGenesis(net.nodes[0].home);
  const trust = encodeHubTrustRootJson(computeHubTrustRoot(genesis));
  const denom = net.denom;

  // Two fresh accounts funded by the faucet, one send after the other (one sender, one sequence).
  const checkpointWallet = await DirectSecp256k1HdWallet.generate(24, { prefix: "aegis" });
  const evidenceWallet = await DirectSecp256k1HdWallet.generate(24, { prefix: "aegis" });
  const faucetWallet = await DirectSecp256k1HdWallet.fromMnemonic(net.faucet.mnemonic, { prefix: "aegis" });
  const faucetClient = await SigningStargateClient.connectWithSigner(checkpointApi, faucetWallet, { broadcastPollIntervalMs: 200 });
  try {
    for (const w of [checkpointWallet, evidenceWallet]) {
      const to = (await w.getAccounts())[0].address;
      const r = await faucetClient.sendTokens(net.faucet.address, to, [{ denom, amount: FUND }], checkpointFee(denom));
      if (r.code !== 0) throw new Error(`funding ${to} failed (code ${r.code}): ${r.rawLog ?? ""}`);
    }
  } finally {
    faucetClient.disconnect();
  }

  const base = {
    consumerId,
    vm,
    genesisTime: 1_700_000_000_000,
    producerKeys: [toHex(ed25519.getPublicKey(PRODUCER_SK))],
    genesis: {},
    api: { host: HOST, port: 0 },
  };
  const producerConfig = {
    ...base,
    p2p: { listen: [`/ip4/${HOST}/tcp/0`], bootstrap: [] },
    producer: { index: 0, secretKey: toHex(PRODUCER_SK), blockIntervalMs: 100, emptyBlockIntervalMs: producerEmptyBlockIntervalMs },
    hub: {
      apiUrls: producerApis,
      trust,
      followIntervalMs,
      checkpoints: { rpcUrl: checkpointApi, mnemonic: checkpointWallet.mnemonic, fee: checkpointFee(denom), intervalMs: 200 },
    },
  };
  const producer = await ConsumerNode.start(parseConsumerNodeConfig(producerConfig), env(), `${dir}/producer`, producerLogger ? { logger: producerLogger } : {});
  let full;
  try {
    await registerConsumer({
      hubRpcUrl: checkpointApi,
      mnemonic: net.faucet.mnemonic,
      consumerId,
      vm,
      genesisHash: producer.chain.genesisHash,
      producerKeys: [ed25519.getPublicKey(PRODUCER_SK)],
      bond: { denom, amount: "10000000" },
      fee: checkpointFee(denom),
    });
    const fullConfig = {
      ...base,
      p2p: { listen: [`/ip4/${HOST}/tcp/0`], bootstrap: producer.network.p2p.multiaddrs.map(String) },
      hub: { apiUrls: fullApis, trust, followIntervalMs, evidence: { mnemonic: evidenceWallet.mnemonic, fee: evidenceFee(denom), retryMs: evidenceRetryMs } },
    };
    const startFull = (hub = {}) =>
      ConsumerNode.start(parseConsumerNodeConfig({ ...fullConfig, hub: { ...fullConfig.hub, ...hub } }), env(), `${dir}/full`, fullLogger ? { logger: fullLogger } : {});
    full = await startFull();
    const fc = {
      producer,
      full,
      trust,
      evidenceAddress: (await evidenceWallet.getAccounts())[0].address,
      checkpointAddress: (await checkpointWallet.getAccounts())[0].address,
      /** Stops the full node and starts it again on the same home, with `hub` merged into its hub config. */
      async restartFull(hub = {}) {
        await fc.full.stop();
        fc.full = await startFull(hub);
        return fc.full;
      },
      async stop() {
        await fc.full?.stop().catch(() => {});
        await producer.stop().catch(() => {});
      },
    };
    return fc;
  } catch (e) {
    await full?.stop().catch(() => {});
    await producer.stop().catch(() => {});
    throw e;
  }
}

/** Reads of one hub node (its CometBFT RPC through cosmjs): each validator's standing, the double-sign slash fraction. */
export async function connectHubQueries(net, url) {
  const comet = await connectComet(url);
  const q = QueryClient.withExtensions(comet, setupStakingExtension, setupSlashingExtension);
  const valoper = (v) => toBech32("aegisvaloper", fromBech32(net.keys[v].operator, 90).data);
  const consAddress = (v) => toBech32("aegisvalcons", computeValidatorAddress(fromHex(net.keys[v].blsPublicKey)));
  return {
    /** [{ tokens, jailed, tombstoned }] by validator. */
    async standing() {
      return Promise.all(
        net.keys.map(async (_k, v) => {
          const val = (await q.staking.validator(valoper(v))).validator;
          const info = (await q.slashing.signingInfo(consAddress(v))).valSigningInfo;
          return { tokens: BigInt(val.tokens), jailed: val.jailed, tombstoned: info?.tombstoned ?? false };
        }),
      );
    },
    async slashFractionDoubleSign() {
      return BigInt(new TextDecoder().decode((await q.slashing.params()).params.slashFractionDoubleSign));
    },
    close: () => comet.disconnect(),
  };
}

/** Header, certificate and signing set of height `h` as `url` serves them (undefined while it has not committed h). */
export async function getCertifiedBlock(net, url, h) {
  const hj = await net.get(`${url}/headers/${h}`);
  const cj = await net.get(`${url}/certificates/${h}`);
  const sj = await net.get(`${url}/validators?height=${h}`);
  if (!hj || !cj || !sj) return undefined;
  const header = decodeHeaderResponseJson(hj);
  const cert = decodeCertificateResponseJson(cj, { chainId: net.chainId });
  return { header: header.header, blockHash: header.blockHash, certificate: cert.bls.certificate, set: decodeValidatorSetJson(sj).validatorSet };
}

/**
 * The first height from `from` (both sides waited for, up to `maxHeights` heights) where the two sides
 * committed different blocks with certificates of one round: the BLS fork evidence { a: side X, b: side Y }.
 * `rounds` lists each height looked at (height, round on X, round on Y, whether the blocks differ).
 */
export async function findSameRoundFork(net, xUrl, yUrl, from, { maxHeights = 30, timeoutMs = 60_000 } = {}) {
  const rounds = [];
  for (let h = from; h < from + maxHeights; h++) {
    const [a, b] = await net.waitFor(
      async () => {
        const both = await Promise.all([getCertifiedBlock(net, xUrl, h), getCertifiedBlock(net, yUrl, h)]);
        return both.every(Boolean) ? both : undefined;
      },
      timeoutMs,
      `height ${h} on both sides`,
    );
    const differ = toHex(a.blockHash) !== toHex(b.blockHash);
    rounds.push({ height: h, x: a.certificate.round, y: b.certificate.round, differ });
    if (differ && a.certificate.round === b.certificate.round) {
      return { height: h, set: a.set, evidence: { a: { header: a.header, certificate: a.certificate }, b: { header: b.header, certificate: b.certificate } }, rounds };
    }
  }
  throw new Error(`no same-round fork pair in ${maxHeights} heights from ${from}: ${JSON.stringify(rounds)}`);
}

/** Sends BLS fork evidence to `url` as MsgSubmitForkEvidence signed by `mnemonic`; the DeliverTxResponse. */
export async function submitForkEvidence(net, url, evidence, mnemonic) {
  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(mnemonic, { prefix: "aegis" });
  const submitter = (await wallet.getAccounts())[0].address;
  const registry = new Registry([...defaultRegistryTypes, [MSG_SUBMIT_FORK_EVIDENCE_TYPE_URL, AegisMsgSubmitForkEvidence]]);
  const client = await SigningStargateClient.connectWithSigner(url, wallet, { registry, broadcastPollIntervalMs: 200, broadcastTimeoutMs: 60_000 });
  try {
    return await client.signAndBroadcast(submitter, [{ typeUrl: MSG_SUBMIT_FORK_EVIDENCE_TYPE_URL, value: { submitter, bls: evidence } }], evidenceFee(net.denom));
  } finally {
    client.disconnect();
  }
}

/** Index of validator `v` (by its BLS key) in `set`, -1 when it is not in it. */
export function setIndexOf(net, set, v) {
  return set.validators.findIndex((x) => toHex(x.blsPublicKey) === net.keys[v].blsPublicKey);
}

/**
 * net.split(opts) at a moment when no hub height is being decided, so that no validator restarts
 * holding a polka (a valid block) of a round that did not commit: a hub restarted in that state can
 * stall for good (a re-proposed valid block is refused as BLOCK_ERROR_WRONG_PROPOSER by
 * hub/src/consensus/consensusEngine.ts proposalEvent; see the report of test/e2e/consumerFork.test.ts).
 * The producer stops making blocks, its last head is checkpointed, and the split starts right after a
 * height committed on every node (the next empty block is createEmptyBlocksIntervalMs away: give the
 * network one of ~1 s). The producer starts again after the split. Returns split()'s answer.
 */
export async function splitAtRest(net, fc, consumerId, opts, { timeoutMs = 30_000 } = {}) {
  fc.producer.producer.stop();
  const apis = net.nodes.map((m) => m.api);
  await net.waitFor(
    async () => {
      const head = fc.producer.chain.head.header.height;
      const claims = await Promise.all(apis.map((u) => net.get(`${u}/consumers/${consumerId}`)));
      return claims.every((c) => c && c.latestHeight >= head) ? true : undefined;
    },
    timeoutMs,
    "the producer's head checkpointed on every hub node",
  );
  // The time each height was first seen on some node (the first sample's height does not count).
  const firstSeen = new Map();
  let first = true;
  await net.waitFor(
    async () => {
      const hs = await Promise.all(apis.map(async (u) => (await net.status(u))?.height ?? -1));
      const max = Math.max(...hs);
      if (first) firstSeen.set(max, -Infinity);
      first = false;
      if (!firstSeen.has(max)) firstSeen.set(max, Date.now());
      return hs.every((h) => h === max) && Date.now() - firstSeen.get(max) < 300 ? true : undefined;
    },
    timeoutMs,
    "a height just committed on every hub node",
    20,
  );
  const r = await net.split(opts);
  fc.producer.producer.start();
  return r;
}

/**
 * Each hub process's height and how many proposals it refused as BLOCK_ERROR_WRONG_PROPOSER (the mark
 * of a height stalled on a re-proposed valid block): for the message of a wait that timed out.
 */
export async function describeHub(net) {
  const rows = await Promise.all(
    net.nodes.map(async (m) => {
      const height = (await net.status(m.api))?.height ?? "down";
      const wrongProposer = ((await net.logs(m.index)).match(/BLOCK_ERROR_WRONG_PROPOSER/g) ?? []).length;
      return `${m.twin ? `twin${m.validator}` : `node${m.validator}`}(${m.side ?? "-"}): height ${height}, WRONG_PROPOSER ${wrongProposer}`;
    }),
  );
  return rows.join("; ");
}

/**
 * Keeps a hub side busy: bank sends (1 unit to itself) from `mnemonic` through `url`, one after the
 * other (each waits for its block), so that side commits at consensus speed instead of one empty block
 * per createEmptyBlocksIntervalMs. Failures (the side stalled, a sequence race) are counted and retried
 * after a pause. Returns { stop(), stats: { sent, failed } }.
 */
export function startTraffic(net, url, mnemonic) {
  const stats = { sent: 0, failed: 0 };
  let running = true;
  const done = (async () => {
    const wallet = await DirectSecp256k1HdWallet.fromMnemonic(mnemonic, { prefix: "aegis" });
    const from = (await wallet.getAccounts())[0].address;
    let client;
    while (running) {
      try {
        client ??= await SigningStargateClient.connectWithSigner(url, wallet, { broadcastPollIntervalMs: 100, broadcastTimeoutMs: 10_000 });
        const r = await client.sendTokens(from, from, [{ denom: net.denom, amount: "1" }], checkpointFee(net.denom));
        if (r.code === 0) stats.sent++;
        else stats.failed++;
      } catch {
        stats.failed++;
        client?.disconnect();
        client = undefined;
        if (running) await new Promise((r) => setTimeout(r, 500));
      }
    }
    client?.disconnect();
  })();
  return {
    stats,
    async stop() {
      running = false;
      await done;
    },
  };
}
