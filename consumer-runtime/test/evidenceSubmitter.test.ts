// EvidenceSubmitter keeps each piece of evidence on disk before it sends it: a restarted node (a new
// submitter on the same folder) has the pending evidence again, BLS and ZK alike, the same evidence
// is kept once, and an unreadable file is left alone and logged. Sending against real hub nodes is in
// test/e2e/consumers.test.ts.
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { computeBlockHash, type HubForkEvidence } from "@aegis/consumer-sdk";
import { EvidenceSubmitter } from "../src/index.js";
import { buildHubChain, fill, hubKeys, makeValidatorSet } from "../../consumer-sdk/test/helpers/hubChain.js";
import { readZkVector, zkCertificateOfVector } from "../../consumer-sdk/test/helpers/zkVectors.js";

const CHAIN = "aegis-evidence-1";
const set = makeValidatorSet(hubKeys.slice(0, 4), [10n, 10n, 10n, 10n]);
const chain = buildHubChain({ chainId: CHAIN, genesisTime: 1_750_000_000_000, setAt: () => set }, 3);
const forked = chain.makeHeader(3, chain.hashOf(2), { stateRoot: fill(0xfe) });
const bls: HubForkEvidence = { bls: { a: { header: chain.headers[3]!, certificate: chain.certs[3]! }, b: { header: forked, certificate: chain.sign(set, 3, computeBlockHash(forked)) } } };
const v = readZkVector("zkFork.json");
const zk: HubForkEvidence = { zk: { a: zkCertificateOfVector(v.a, CHAIN), b: zkCertificateOfVector(v.b, CHAIN) } };

let dir: string;
let mnemonic: string;
beforeAll(async () => {
  mnemonic = (await DirectSecp256k1HdWallet.generate(12, { prefix: "aegis" })).mnemonic;
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "aegis-evidence-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function submitter(errors: string[] = []) {
  const log = { debug() {}, info() {}, warn() {}, error: (m: string) => errors.push(m), child: () => log };
  // No hub node answers (port 1): sending fails and is retried; only what is kept matters here.
  return new EvidenceSubmitter({ hubChainId: CHAIN, hubRpcUrls: ["http://127.0.0.1:1"], mnemonic, fee: { amount: [{ denom: "uaeg", amount: "1" }], gas: "1" }, retryMs: 600_000, dir }, log as never);
}

test("evidence is on disk before it is sent; a restarted submitter has it pending again, once", async () => {
  const first = submitter();
  await first.start();
  await first.submit(bls);
  await first.submit(zk);
  await first.submit(bls); // kept once
  first.stop();
  expect((await readdir(dir)).filter((f) => f.endsWith(".json"))).toHaveLength(2);
  const again = submitter();
  await again.start();
  again.stop();
  expect(again.statuses.map((s) => [s.tier, s.hubHeight, s.state]).sort()).toEqual([
    ["bls", 3, "pending"],
    ["zk", 42, "pending"],
  ]);
  // What was read back is the same evidence, field for field; submitting it again adds nothing.
  const byTier = (t: "bls" | "zk") => again.evidence.find((e) => (t === "bls" ? e.bls : e.zk));
  expect(byTier("bls")).toEqual(bls);
  expect(byTier("zk")).toEqual(zk);
  await again.submit(bls);
  await again.submit(zk);
  expect(again.statuses).toHaveLength(2);
});

test("an unreadable file is left as it is and logged; the rest is read", async () => {
  const first = submitter();
  await first.start();
  await first.submit(bls);
  first.stop();
  await writeFile(join(dir, "broken.json"), "{ not json");
  await writeFile(join(dir, "other.json"), JSON.stringify({ version: 1, evidence: { bls: { a: {} } }, status: {}, sent: [] }));
  const errors: string[] = [];
  const again = submitter(errors);
  await again.start();
  again.stop();
  expect(again.statuses.map((s) => s.tier)).toEqual(["bls"]);
  expect(errors.filter((e) => e.includes("unreadable"))).toHaveLength(2);
  expect((await readdir(dir)).sort()).toEqual(expect.arrayContaining(["broken.json", "other.json"]));
});
