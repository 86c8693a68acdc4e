/**
 * A real hub fork across rounds, end to end with `aegis hub start` processes on loopback
 * (test/helpers/forkNetwork.mjs): validators 0 and 1 (60 %, powers 30/30/30/10) run twins on the other
 * side of a partition. Side X = {0, 1, 2}, side Y = {twin 0, twin 1, 3}. A height's round-0 proposer is
 * often on one side only (2 or 3), so the two sides commit it in different rounds: two certificates that
 * name nobody by themselves (decision 52).
 * 1. A height both sides committed with different blocks in different rounds; the evidence is built
 *    from the two sides' /headers and /certificates answers (the SDK's assertBlsCrossRoundFork accepts it).
 * 2. A consumer's EvidenceSubmitter (in process, the genesis faucet's account, one hub node of each side)
 *    gets it: a fork case opens (on both sides: the faucet's sequence is the same there), its status is
 *    "case", and its polka relay posts each side's polkas to the other side's case (the hub nodes post
 *    their own side's polkas themselves, ForkCaseResponder): nothing else can bring them across.
 * 3. On side X, by the deadlines (genesis forkCaseResponseMs = 8 s), exactly validators 0 and 1 are
 *    slashed the double-sign fraction and tombstoned, 2 and 3 never are; GET /fork-cases shows the case
 *    closed with `convicted` = the coalition; the relay stops once no node reports an open case. The
 *    test prints which path convicted them (double prevote, or which obligation went unanswered).
 */
import { jest } from "@jest/globals";
import { StargateClient } from "@cosmjs/stargate";
import {
  assertBlsCrossRoundFork,
  assertValidCommitCertificate,
  bytesEqual,
  computeBlockHash,
  decodeCertificateResponseJson,
  decodeForkCasesJson,
  decodeHeaderResponseJson,
  decodePolkasJson,
  decodeValidatorSetJson,
  FORK_OBLIGATION_EXPIRED,
  FORK_OBLIGATION_OPEN,
  toHex,
  type BlsForkEvidence,
  type ForkCase,
  type ValidatorSet,
} from "@aegis/consumer-sdk";
import { EvidenceSubmitter } from "@aegis/consumer-runtime";
import { createForkNetwork, type ForkNetwork, type ForkNetworkOptions } from "../helpers/forkNetwork.mjs";
import { connectHubQueries } from "../helpers/forkConsumer.mjs";
import { makeTempDir, removeDir } from "../helpers/e2eUtils.js";

jest.setTimeout(180_000);

const CHAIN_ID = "aegis-fork-rounds-1";
const POWERS = [30n, 30n, 30n, 10n];
const TOKENS = POWERS.map((p) => p * 1_000_000n);
const COALITION = [0, 1];
const DEC_ONE = 10n ** 18n;
/** Each obligation of a case is due this long after it opens (genesis appState.slashing.forkCaseResponseMs). */
const RESPONSE_MS = 8000;
/** Heights after the first differing one searched for a pair of different rounds before giving up. */
const MAX_HEIGHTS = 30;

let dir: string | undefined;
let net: ForkNetwork | undefined;
let submitter: EvidenceSubmitter | undefined;
const clients: { disconnect(): void }[] = [];

afterAll(async () => {
  submitter?.stop();
  for (const c of clients) c.disconnect();
  await net?.stop(5000);
  await removeDir(dir);
});

const t0 = Date.now();
const timings: string[] = [];
const mark = (what: string) => timings.push(`${what} ${((Date.now() - t0) / 1000).toFixed(1)} s`);

test("a fork across rounds opens a case; the consumer's submitter relays each side's polkas across; exactly the coalition is convicted on side X", async () => {
  dir = await makeTempDir("hubfork-rounds");
  const n = await createForkNetwork({
    dir,
    chainId: CHAIN_ID,
    powers: POWERS,
    // No epoch boundary during the test: the set that signs every height here is the genesis set.
    epochLength: 1000,
    consensus: { createEmptyBlocksIntervalMs: 150, rebroadcastIntervalMs: 500 },
    timeouts: { timeouts: { proposeMs: 1500, proposeDeltaMs: 250, prevoteMs: 500, prevoteDeltaMs: 250, precommitMs: 500, precommitDeltaMs: 250 } },
    // A window far longer than the test (the validators each side misses are not jailed for downtime);
    // short response periods; an unbonding period far above a case's longest life ((r' - r + 2) periods).
    slashing: { signedBlocksWindow: 10_000, forkCaseResponseMs: RESPONSE_MS } as ForkNetworkOptions["slashing"],
    staking: { unbondingTimeMs: 3_600_000 },
  });
  net = n;
  await n.start();
  const height = async (url: string) => (await n.status(url))?.height ?? -1;
  const heights = (urls: string[]) => Promise.all(urls.map(height));
  await n.waitFor(async () => (await heights(n.nodes.map((m) => m.api))).every((h) => h >= 3), 60_000, "all four nodes at height 3");
  mark("height 3");

  const { x, y, heightsBefore } = await n.split({ coalition: COALITION, x: [0, 1, 2], y: [3] });
  mark("split");
  const common = Math.min(...heightsBefore.map((h) => h ?? 0));
  expect(common).toBeGreaterThanOrEqual(3);
  // The honest node of each side: validator 2's on X, validator 3's on Y.
  const xUrl = n.nodes.find((m) => m.side === "x" && m.validator === 2)!.api;
  const yUrl = n.nodes.find((m) => m.side === "y" && m.validator === 3 && !m.twin)!.api;
  expect(x).toContain(xUrl);
  expect(y).toContain(yUrl);

  const header = async (url: string, h: number) => decodeHeaderResponseJson(await n.get(`${url}/headers/${h}`));
  const certificate = async (url: string, h: number) => decodeCertificateResponseJson(await n.get(`${url}/certificates/${h}`), { chainId: CHAIN_ID });
  const setAt = async (url: string, h: number): Promise<ValidatorSet> => decodeValidatorSetJson(await n.get(`${url}/validators?height=${h}`)).validatorSet;
  const forkCases = async (url: string, h: number): Promise<ForkCase[]> => decodeForkCasesJson(await n.get(`${url}/fork-cases?height=${h}`));
  /** Both sides at h; on a timeout, the error names every node's height and the tail of the log of each node behind. */
  const bothAt = async (h: number) => {
    let last: number[] = [];
    try {
      await n.waitFor(async () => (last = await heights([...x, ...y])).every((t) => t >= h), 60_000, `both sides at height ${h}`);
    } catch (e) {
      const behind = n.nodes.filter((m) => [...x, ...y].indexOf(m.api) >= 0 && last[[...x, ...y].indexOf(m.api)]! < h);
      const tails = await Promise.all(behind.map(async (m) => `--- node ${m.index} (validator ${m.validator}${m.twin ? ", twin" : ""}, side ${m.side}):\n${(await n.logs(m.index)).split("\n").slice(-25).join("\n")}`));
      throw new Error(`${(e as Error).message}; heights X ${JSON.stringify(last.slice(0, x.length))} Y ${JSON.stringify(last.slice(x.length))}\n${tails.join("\n")}`);
    }
  };

  // ---- 1. a height both sides committed with different blocks in different rounds
  const rounds: string[] = [];
  let evidence: BlsForkEvidence | undefined;
  let h = common + 1;
  let firstDiffering: number | undefined;
  for (; !evidence; h++) {
    await bothAt(h);
    const [hx, hy] = await Promise.all([header(xUrl, h), header(yUrl, h)]);
    if (bytesEqual(hx.blockHash, hy.blockHash)) {
      if (firstDiffering !== undefined) throw new Error(`height ${h} is one block on both sides after they differed at ${firstDiffering}`);
      continue;
    }
    firstDiffering ??= h;
    const [cx, cy] = await Promise.all([certificate(xUrl, h), certificate(yUrl, h)]);
    rounds.push(`${h}: ${cx.bls.certificate.round}/${cy.bls.certificate.round}`);
    if (cx.bls.certificate.round !== cy.bls.certificate.round) {
      evidence = { a: { header: hx.header, certificate: cx.bls.certificate }, b: { header: hy.header, certificate: cy.bls.certificate } };
      break;
    }
    if (h - firstDiffering >= MAX_HEIGHTS) {
      throw new Error(`no height committed by both sides in different rounds among ${MAX_HEIGHTS + 1} differing heights (height: X/Y rounds ${rounds.join(", ")})`);
    }
  }
  const forkHeight = h;
  const pair = evidence!;
  mark(`fork across rounds at height ${forkHeight}`);
  const set = await setAt(xUrl, forkHeight);
  expect((await setAt(yUrl, forkHeight)).validators.map((v) => toHex(v.blsPublicKey))).toEqual(set.validators.map((v) => toHex(v.blsPublicKey)));
  for (const s of [pair.a, pair.b]) {
    assertValidCommitCertificate(s.certificate, { chainId: CHAIN_ID, validatorSet: set, expectedHeight: forkHeight, expectedBlockHash: computeBlockHash(s.header) });
  }
  const fork = assertBlsCrossRoundFork(pair, { chainId: CHAIN_ID, validatorSet: set });
  const setIndexOf = (validator: number) => set.validators.findIndex((v) => toHex(v.blsPublicKey) === n.keys[validator]!.blsPublicKey);
  const validatorOf = (index: number) => n.keys.findIndex((k) => k.blsPublicKey === toHex(set.validators[index]!.blsPublicKey));
  const coalitionIndices = COALITION.map(setIndexOf).sort((a, b) => a - b);
  const xRound = pair.a.certificate.round;
  const yRound = pair.b.certificate.round;

  // ---- 2. the consumer's submitter gets the evidence
  const hubX = await connectHubQueries(n, xUrl);
  clients.push({ disconnect: hubX.close });
  const standing = () => hubX.standing();
  expect(await standing()).toEqual(TOKENS.map((tokens) => ({ tokens, jailed: false, tombstoned: false })));
  const slashFraction = await hubX.slashFractionDoubleSign();

  const logLines: string[] = [];
  const record = (level: string) => (msg: string, fields?: Record<string, unknown>) => void logLines.push(`${((Date.now() - t0) / 1000).toFixed(1)} ${level} ${msg} ${JSON.stringify(fields ?? {})}`);
  const logger = { debug() {}, info: record("info"), warn: record("warn"), error: record("error"), child: () => logger };
  submitter = new EvidenceSubmitter(
    { hubChainId: CHAIN_ID, hubRpcUrls: [xUrl, yUrl], mnemonic: n.faucet!.mnemonic, fee: { amount: [{ denom: n.denom, amount: "50000" }], gas: "2000000" }, retryMs: 500 },
    logger as never,
  );
  const sub = submitter;
  await sub.start();
  try {
    await sub.submit({ bls: pair });
    const settled = await n.waitFor(() => (sub.statuses[0]?.state !== "pending" ? sub.statuses[0] : undefined), 30_000, "the evidence on chain");
    mark(`evidence settled (${settled.state}, case ${settled.caseId})`);
    expect(settled).toMatchObject({ tier: "bls", hubHeight: forkHeight, state: "case" });
    // A case on each side (the status names the one of the side whose block it was found in first): the
    // fork as the SDK reads it, each commit's signers owing its polka.
    const [opened, openedY] = await Promise.all(
      [xUrl, yUrl].map((url) => n.waitFor(async () => (await forkCases(url, forkHeight))[0], 20_000, `the case on ${url === xUrl ? "X" : "Y"}`)),
    );
    expect([opened!.id, openedY!.id]).toContain(settled.caseId);
    for (const c of [opened!, openedY!]) {
      expect(c.kind).toBe("rounds");
      expect([c.low.round, c.high.round]).toEqual([fork.low.round, fork.high.round]);
      expect([toHex(c.low.blockHash), toHex(c.high.blockHash)]).toEqual([toHex(fork.low.blockHash), toHex(fork.high.blockHash)]);
    }

    // ---- 3. each side's polka reaches the other side's case through the relay
    const lowOnX = xRound < yRound; // X's commit is the lower round's
    const posted = (url: string, from: string) => sub.statuses[0]!.relay?.posts.filter((p) => p.url === url && p.from === from && p.state === "posted") ?? [];
    await n.waitFor(() => posted(xUrl, yUrl).length > 0 && posted(yUrl, xUrl).length > 0, 30_000, "the relay's polkas on both sides");
    mark("polkas relayed across");
    // What went to X from Y includes Y's commit-round polka, and to Y from X, X's: the polkas the case's
    // honest signers on the other branch (3 on Y, 2 on X) owe, which only the relay can bring.
    expect(posted(xUrl, yUrl).map((p) => [p.round, p.blockHash])).toContainEqual([yRound, toHex(pair.b.certificate.blockHash)]);
    expect(posted(yUrl, xUrl).map((p) => [p.round, p.blockHash])).toContainEqual([xRound, toHex(pair.a.certificate.blockHash)]);
    const yPolkas = decodePolkasJson(await n.get(`${yUrl}/polkas/${forkHeight}`)).polkas;
    expect(yPolkas.some((p) => p.round === yRound && bytesEqual(p.blockHash, pair.b.certificate.blockHash))).toBe(true);

    // ---- 4. the case closes on side X: exactly the coalition convicted
    const closed = await n.waitFor(
      async () => {
        const c = (await forkCases(xUrl, forkHeight)).find((k) => k.id === opened!.id);
        return c && !c.obligations.some((o) => o.status === FORK_OBLIGATION_OPEN) ? c : undefined;
      },
      (Math.abs(yRound - xRound) + 2) * RESPONSE_MS + 20_000,
      "the case on side X closed",
    );
    mark("case closed on side X");
    expect(closed.convicted).toEqual(coalitionIndices);
    const after = await standing();
    expect(after).toEqual(
      TOKENS.map((tokens, v) => (COALITION.includes(v) ? { tokens: tokens - (tokens * slashFraction) / DEC_ONE, jailed: true, tombstoned: true } : { tokens, jailed: false, tombstoned: false })),
    );
    // Which path convicted them: a double prevote (slashed in a MsgPostPolka's transaction) or an
    // obligation left open at its deadline (slashed at that block's end).
    const client = await StargateClient.connect(xUrl);
    clients.push(client);
    const doublePrevotes = await client.searchTx("slash.reason='hub_fork_double_prevote'");
    const blockName = (hash: Uint8Array) => (bytesEqual(hash, closed.high.blockHash) ? `v'(high, round ${closed.high.round})` : `v(low, round ${closed.low.round})`);
    const expired = closed.obligations
      .filter((o) => o.status === FORK_OBLIGATION_EXPIRED)
      .map((o) => `P(j in [${o.minRound}, ${o.maxRound}], ${blockName(o.blockHash)}) owed by validators ${o.owers.map(validatorOf).sort().join(",")}`);
    const path = [
      ...(doublePrevotes.length ? [`double prevote (${doublePrevotes.length} MsgPostPolka transaction(s) slashing)`] : []),
      ...(expired.length ? [`unanswered: ${expired.join("; ")}`] : []),
    ].join(" + ");
    expect(path).not.toBe("");
    // Every expired obligation was owed by coalition members only: nobody honest was left owing.
    for (const o of closed.obligations.filter((k) => k.status === FORK_OBLIGATION_EXPIRED)) for (const i of o.owers) expect(coalitionIndices).toContain(i);

    // The relay stops once no node it knows reports an open case at the height (side Y's closes too).
    await n.waitFor(() => sub.statuses[0]!.relay?.state === "done", (Math.abs(yRound - xRound) + 2) * RESPONSE_MS + 20_000, "the relay done");
    mark("relay done");
    const yCase = (await forkCases(yUrl, forkHeight))[0];
    expect(yCase?.convicted).toEqual(coalitionIndices);
    const posts = sub.statuses[0]!.relay!.posts;
    console.log(
      `hub fork across rounds at height ${forkHeight} (X round ${xRound}, Y round ${yRound}; X holds the ${lowOnX ? "lower" : "higher"} round's commit), ` +
        `rounds of differing heights (X/Y) ${rounds.join(", ")}; case ${closed.id} on X convicted validators ${closed.convicted.map(validatorOf).sort().join(",")} by ${path}; ` +
        `relay posts: ${posts.map((p) => `${p.url === xUrl ? "X" : "Y"}<-${p.from === xUrl ? "X" : "Y"} P(${p.round}) ${p.state}`).join(", ")}; ` +
        `evidence attempts ${settled.attempts}; ${timings.join("; ")}`,
    );
  } catch (e) {
    console.log(`submitter log:\n${logLines.slice(-60).join("\n")}`);
    throw e;
  } finally {
    sub.stop();
  }
});
