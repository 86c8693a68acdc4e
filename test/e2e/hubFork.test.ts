/**
 * A real hub fork, end to end with `aegis hub start` processes on loopback, made the way validators
 * double-sign in practice: validators 0 and 1 (60 % of the power, 30/30/30/10) run a second instance
 * of their nodes (a copy of the home: same keys, its own copy of the signer guard) on the other side
 * of a network partition. Side X = {0, 1, 2} (90 %), side Y = {twin 0, twin 1, 3} (70 %): both keep
 * committing from the same last common height, each with certificates that verify against the set
 * that signs the height. Nothing in the hub is changed or bypassed for it (test/helpers/forkNetwork.mjs).
 * 1. A height committed on both sides with different blocks, in one round: each side's header and
 *    BLS certificate verify against that set, and the SDK names exactly 0 and 1 guilty.
 * 2. The evidence, built from the two sides' API answers, is sent to side X as MsgSubmitForkEvidence
 *    signed by the genesis faucet: 0 and 1 are tombstoned and slashed the double-sign fraction, 2 and
 *    3 are not; the same evidence again is refused (already tombstoned) and changes nothing.
 * 3. At the next epoch boundary side X's set no longer holds 0 and 1: validator 2 alone holds 75 % of
 *    it and side X keeps committing.
 */
import { jest } from "@jest/globals";
import { fromBech32, toBech32 } from "@cosmjs/encoding";
import { DirectSecp256k1HdWallet, Registry } from "@cosmjs/proto-signing";
import { defaultRegistryTypes, QueryClient, setupSlashingExtension, setupStakingExtension, SigningStargateClient, type DeliverTxResponse } from "@cosmjs/stargate";
import { connectComet } from "@cosmjs/tendermint-rpc";
import {
  assertBlsForkGuilt,
  assertValidCommitCertificate,
  computeBlockHash,
  computeValidatorAddress,
  decodeCertificateResponseJson,
  decodeHeaderResponseJson,
  decodeValidatorSetJson,
  fromHex,
  getSignerIndices,
  toHex,
  type BlsForkEvidence,
  type ValidatorSet,
} from "@aegis/consumer-sdk";
import { AegisMsgSubmitForkEvidence, MSG_SUBMIT_FORK_EVIDENCE_TYPE_URL } from "@aegis/consumer-sdk/hub-tx";
import { createForkNetwork, type ForkNetwork } from "../helpers/forkNetwork.mjs";
import { makeTempDir, removeDir } from "../helpers/e2eUtils.js";

jest.setTimeout(180_000);

const CHAIN_ID = "aegis-fork-1";
const EPOCH = 10;
const POWERS = [30n, 30n, 30n, 10n];
const TOKENS = POWERS.map((p) => p * 1_000_000n);
const COALITION = [0, 1];
const DEC_ONE = 10n ** 18n;

let dir: string | undefined;
let net: ForkNetwork | undefined;

afterAll(async () => {
  await net?.stop(5000);
  await removeDir(dir);
});

const t0 = Date.now();
const timings: string[] = [];
const mark = (what: string) => timings.push(`${what} ${((Date.now() - t0) / 1000).toFixed(1)} s`);

test("a coalition's twins fork the hub; the fork's evidence tombstones exactly the coalition on the honest side, which drops it at the epoch boundary", async () => {
  dir = await makeTempDir("hubfork");
  const n = await createForkNetwork({
    dir,
    chainId: CHAIN_ID,
    powers: POWERS,
    epochLength: EPOCH,
    consensus: { createEmptyBlocksIntervalMs: 150, rebroadcastIntervalMs: 500 },
    timeouts: { timeouts: { proposeMs: 1500, proposeDeltaMs: 250, prevoteMs: 500, prevoteDeltaMs: 250, precommitMs: 500, precommitDeltaMs: 250 } },
    // A window far longer than the test: the validators each side misses are not jailed for downtime.
    slashing: { signedBlocksWindow: 10_000 },
  });
  net = n;
  await n.start();
  const height = async (url: string) => (await n.status(url))?.height ?? -1;
  const heights = (urls: string[]) => Promise.all(urls.map(height));
  await n.waitFor(async () => (await heights(n.nodes.map((m) => m.api))).every((h) => h >= 3), 60_000, "all four nodes at height 3");
  mark("height 3");

  const { x, y, heightsBefore } = await n.split({ coalition: COALITION, x: [0, 1, 2], y: [3] });
  mark("split and restarted");
  expect(x).toHaveLength(3);
  expect(y).toHaveLength(3);
  expect(n.nodes.filter((m) => m.twin).map((m) => [m.validator, m.side])).toEqual([
    [0, "y"],
    [1, "y"],
  ]);
  // Every block at or below the lowest height before the split was on every node: one chain.
  const common = Math.min(...heightsBefore.map((h) => h ?? 0));
  expect(common).toBeGreaterThanOrEqual(3);

  const header = async (url: string, h: number) => decodeHeaderResponseJson(await n.get(`${url}/headers/${h}`));
  const certificate = async (url: string, h: number) => decodeCertificateResponseJson(await n.get(`${url}/certificates/${h}`), { chainId: CHAIN_ID });
  const setAt = async (url: string, h: number): Promise<ValidatorSet> => decodeValidatorSetJson(await n.get(`${url}/validators?height=${h}`)).validatorSet;
  const setIndexOf = (set: ValidatorSet, validator: number) => set.validators.findIndex((v) => toHex(v.blsPublicKey) === n.keys[validator]!.blsPublicKey);
  /** The block hash every node of a side has at h (throws when they disagree). */
  const sideHash = async (urls: string[], h: number) => {
    const hashes = await Promise.all(urls.map(async (u) => toHex((await header(u, h)).blockHash)));
    expect(new Set(hashes).size).toBe(1);
    return hashes[0]!;
  };

  // ---- 1. both sides commit; the first height where they differ is above the common height
  const bothAt = (h: number) => n.waitFor(async () => (await heights([...x, ...y])).every((t) => t >= h), 60_000, `both sides at height ${h}`);
  await bothAt(common + 3);
  mark("both sides committing");
  let fork = common + 1;
  while ((await sideHash(x, fork)) === (await sideHash(y, fork))) await bothAt(++fork);
  expect(fork).toBeGreaterThan(common);
  for (let h = 1; h < fork; h++) expect(await sideHash(x, h)).toBe(await sideHash(y, h));

  // A height both sides committed, with certificates of one round (the normal case: the proposer
  // of round 0 is a coalition member, and its original and its twin each propose a block).
  const rounds: { h: number; x: number; y: number }[] = [];
  let evidence: BlsForkEvidence | undefined;
  let forkHeight = 0;
  let forkSet: ValidatorSet | undefined;
  for (let h = fork; !evidence; h++) {
    await bothAt(h);
    expect(await sideHash(x, h)).not.toBe(await sideHash(y, h));
    const sides = await Promise.all(
      [x[0]!, y[0]!].map(async (url) => {
        const hd = await header(url, h);
        const cert = await certificate(url, h);
        return { header: hd.header, certificate: cert.bls.certificate };
      }),
    );
    // Both sides agree on the set that signs h; each block's certificate verifies against it.
    const set = await setAt(x[0]!, h);
    expect((await setAt(y[0]!, h)).validators.map((v) => [toHex(v.blsPublicKey), v.power])).toEqual(set.validators.map((v) => [toHex(v.blsPublicKey), v.power]));
    for (const s of sides) {
      assertValidCommitCertificate(s.certificate, { chainId: CHAIN_ID, validatorSet: set, expectedHeight: h, expectedBlockHash: computeBlockHash(s.header) });
    }
    rounds.push({ h, x: sides[0]!.certificate.round, y: sides[1]!.certificate.round });
    if (sides[0]!.certificate.round === sides[1]!.certificate.round) {
      evidence = { a: sides[0]!, b: sides[1]! };
      forkHeight = h;
      forkSet = set;
    }
    if (!evidence && rounds.length >= 20) {
      throw new Error(`the two sides' certificates were of different rounds at 20 heights in a row (${JSON.stringify(rounds)}): one round is the normal case`);
    }
  }
  mark(`fork evidence at height ${forkHeight}`);
  const set = forkSet!;
  const guilt = assertBlsForkGuilt(evidence!, { chainId: CHAIN_ID, validatorSet: set });
  expect(guilt.guilty).toEqual(COALITION.map((v) => setIndexOf(set, v)).sort((a, b) => a - b));
  expect(guilt.guiltyPower).toBe(60n);
  // Side X's certificate is signed by 0, 1, 2 and side Y's by 0, 1, 3 (each needs all three: > 2/3).
  expect(getSignerIndices(evidence!.a.certificate.signers)).toEqual([0, 1, 2].map((v) => setIndexOf(set, v)).sort((a, b) => a - b));
  expect(getSignerIndices(evidence!.b.certificate.signers)).toEqual([0, 1, 3].map((v) => setIndexOf(set, v)).sort((a, b) => a - b));

  // ---- 2. the evidence goes to side X, signed by the genesis faucet
  const comet = await connectComet(x[2]!);
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
  const client = await SigningStargateClient.connectWithSigner(x[2]!, wallet, { registry, broadcastPollIntervalMs: 200, broadcastTimeoutMs: 60_000 });
  const fee = { amount: [{ denom: n.denom, amount: "50000" }], gas: "2000000" };
  const submit = (e: BlsForkEvidence): Promise<DeliverTxResponse> => client.signAndBroadcast(submitter, [{ typeUrl: MSG_SUBMIT_FORK_EVIDENCE_TYPE_URL, value: { submitter, bls: e } }], fee);
  let first!: DeliverTxResponse;
  let again!: DeliverTxResponse;
  try {
    first = await submit(evidence!);
    expect(first.code).toBe(0);
    mark(`evidence on side X at height ${first.height}`);
    // ---- 3. exactly 0 and 1 tombstoned and slashed 5 % of what they had at the fork's height
    const after = await standing();
    expect(after).toEqual(
      TOKENS.map((tokens, v) => (COALITION.includes(v) ? { tokens: tokens - (tokens * slashFraction) / DEC_ONE, jailed: true, tombstoned: true } : { tokens, jailed: false, tombstoned: false })),
    );
    // The same evidence again (the other way round) is refused and changes nothing but the fee.
    again = await submit({ a: evidence!.b, b: evidence!.a });
    expect(again.code).not.toBe(0);
    expect(again.rawLog).toMatch(/already tombstoned/);
    expect(await standing()).toEqual(after);
  } finally {
    client.disconnect();
    comet.disconnect();
  }
  // Side Y never saw the evidence: its twins go on as validators there.
  const cometY = await connectComet(y[0]!);
  try {
    const qy = QueryClient.withExtensions(cometY, setupSlashingExtension);
    expect((await qy.slashing.signingInfo(consAddress(0))).valSigningInfo?.tombstoned ?? false).toBe(false);
  } finally {
    cometY.disconnect();
  }

  // ---- 4. at the next epoch boundary side X drops 0 and 1; validator 2 alone holds 75 % and commits
  const boundary = Math.ceil(first.height / EPOCH) * EPOCH;
  await n.waitFor(async () => (await heights(x)).every((h) => h >= boundary + 3), 60_000, `side X 3 blocks past the boundary ${boundary}`);
  mark(`side X past the boundary ${boundary}`);
  expect((await setAt(x[0]!, boundary)).validators).toHaveLength(4);
  const next = await setAt(x[0]!, boundary + 1);
  expect(next.validators.map((v) => toHex(v.blsPublicKey)).sort()).toEqual([n.keys[2]!.blsPublicKey, n.keys[3]!.blsPublicKey].sort());
  expect(next.totalPower).toBe(40n);
  expect(next.validators[setIndexOf(next, 2)]!.power * 4n).toBe(next.totalPower * 3n);
  for (let h = boundary + 1; h <= boundary + 3; h++) {
    const hd = await header(x[0]!, h);
    const cert = (await certificate(x[0]!, h)).bls.certificate;
    assertValidCommitCertificate(cert, { chainId: CHAIN_ID, validatorSet: next, expectedHeight: h, expectedBlockHash: hd.blockHash });
    expect(getSignerIndices(cert.signers)).toEqual([setIndexOf(next, 2)]);
    await sideHash(x, h);
  }
  console.log(
    `hub fork: heights before the split ${heightsBefore.join(",")}, first differing height ${fork}, ` +
      `rounds (height: X/Y) ${rounds.map((r) => `${r.h}: ${r.x}/${r.y}`).join(", ")}, evidence tx at ${first.height}, refused again at ${again.height}; ${timings.join("; ")}`,
  );
});
