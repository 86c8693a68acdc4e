// parseConsumerNodeConfig: the consumer.json of a node. Every malformed field is refused with
// CONSUMER_CONFIG_ERROR_INVALID naming it; the configuration of the end-to-end test is accepted.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ed25519 } from "@noble/curves/ed25519.js";
import { encodeHubTrustRootJson, isValidCheckpointProducerKey, toHex, type HubTrustRootJson } from "@aegis/consumer-sdk";
import { ConsumerConfigError, parseConsumerNodeConfig, type ConsumerNodeConfigJson } from "../src/index.js";
import { trustRoot } from "./helpers/fakeHub.js";

const here = dirname(fileURLToPath(import.meta.url));
const zv = JSON.parse(readFileSync(join(here, "..", "..", "test", "vectors", "zkCertificates.json"), "utf8"));
const { vk_alphabeta_12: _unused, ...verificationKey } = zv.verificationKey;

const PRODUCER_SK = new Uint8Array(32).fill(7);
const PRODUCER_PK = ed25519.getPublicKey(PRODUCER_SK);
const FEE = { amount: [{ denom: "uaeg", amount: "10000" }], gas: "400000" };
const MNEMONIC = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
const URLS = ["http://127.0.0.1:26657", "http://127.0.0.1:26658", "http://127.0.0.1:26659", "http://127.0.0.1:26660"];
/** A hub trust root as `computeHubTrustRoot` gives it, with the succinct tier (the e2e hub makes ZK certificates). */
const TRUST: HubTrustRootJson = {
  ...encodeHubTrustRootJson(trustRoot),
  zk: { circuit: "quorum4", capacity: 4, verificationKey, genesisValidatorSetRoot: "12345678901234567890" },
};

/** The e2e test's nodeConfig (test/e2e/consumerRuntime.test.ts), field for field. */
function nodeConfig(extra: Partial<ConsumerNodeConfigJson>, hubUrls: string[], trust: unknown): ConsumerNodeConfigJson {
  return {
    consumerId: "kv-test",
    vm: "kv",
    genesisTime: 1_700_000_000_000,
    producerKeys: [toHex(PRODUCER_PK)],
    genesis: {},
    p2p: { listen: ["/ip4/127.0.0.1/tcp/0"], bootstrap: [] },
    api: { host: "127.0.0.1", port: 0 },
    hub: { apiUrls: hubUrls, trust: trust as never, followIntervalMs: 200 },
    ...extra,
  };
}
/** The e2e producer: follows two hub nodes, checkpoints through the first. */
const producerConfig = (): ConsumerNodeConfigJson =>
  nodeConfig(
    {
      producer: { index: 0, secretKey: toHex(PRODUCER_SK), blockIntervalMs: 100, emptyBlockIntervalMs: 400 },
      hub: { apiUrls: [URLS[0]!, URLS[1]!], trust: TRUST, followIntervalMs: 200, checkpoints: { rpcUrl: URLS[0]!, mnemonic: MNEMONIC, fee: FEE, intervalMs: 200 }, evidence: { mnemonic: MNEMONIC, fee: FEE, retryMs: 1000 }, resumeFrom: { height: 120, hash: "ab".repeat(32) } },
    },
    URLS,
    TRUST,
  );
/** The e2e full node: bootstraps to the producer, follows two other hub nodes. */
const fullConfig = (): ConsumerNodeConfigJson =>
  nodeConfig({ p2p: { listen: ["/ip4/127.0.0.1/tcp/0"], bootstrap: ["/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo"] } }, [URLS[3]!, URLS[2]!], TRUST);

/** What a node reads: the JSON text of the file, parsed. */
const parse = (cfg: unknown) => parseConsumerNodeConfig(JSON.parse(JSON.stringify(cfg)));

describe("accepted", () => {
  test("the end-to-end test's producer configuration", () => {
    const c = parse(producerConfig());
    expect(c).toMatchObject({ consumerId: "kv-test", vm: "kv", genesisTime: 1_700_000_000_000, genesis: {}, api: { host: "127.0.0.1", port: 0 } });
    expect(c.producerKeys).toEqual([PRODUCER_PK]);
    expect(c.producer).toEqual({ index: 0, secretKey: PRODUCER_SK, blockIntervalMs: 100, emptyBlockIntervalMs: 400 });
    expect(c.hub!.apiUrls).toEqual([URLS[0], URLS[1]]);
    expect(c.hub!.followIntervalMs).toBe(200);
    expect(c.hub!.checkpoints).toEqual({ rpcUrl: URLS[0], mnemonic: MNEMONIC, fee: FEE, intervalMs: 200 });
    expect(c.hub!.evidence).toEqual({ mnemonic: MNEMONIC, fee: FEE, retryMs: 1000 });
    expect(c.hub!.resumeFrom).toEqual({ height: 120, hash: new Uint8Array(32).fill(0xab) });
    const t = c.hub!.trust;
    expect(t).toMatchObject({ chainId: trustRoot.chainId, genesisTime: trustRoot.genesisTime, epochLength: 4, unbondingPeriodMs: trustRoot.unbondingPeriodMs, trustingPeriodMs: trustRoot.trustingPeriodMs });
    expect(t.validatorSet.validators.map((v) => toHex(v.blsPublicKey))).toEqual(trustRoot.validatorSet.validators.map((v) => toHex(v.blsPublicKey)));
    expect(t.zk).toMatchObject({ capacities: { quorum4: 4 }, genesisValidatorSetRoot: 12345678901234567890n });
  });

  test("the end-to-end test's full node configuration, and a node without a hub", () => {
    const c = parse(fullConfig());
    expect(c.producer).toBeUndefined();
    expect(c.hub!.checkpoints).toBeUndefined();
    expect(c.hub!.evidence).toBeUndefined();
    expect(c.hub!.resumeFrom).toBeUndefined();
    expect(c.p2p.bootstrap).toHaveLength(1);
    const { hub: _hub, ...noHub } = fullConfig();
    expect(parse(noHub).hub).toBeUndefined();
  });
});

type Json = any;
const cases: [string, (c: Json) => void, string][] = [
  // unknown fields
  ["an unknown top-level field", (c) => (c.producerKey = "00"), "$.producerKey"],
  ["an unknown field in p2p", (c) => (c.p2p.nat = true), "$.p2p.nat"],
  ["an unknown field in api", (c) => (c.api.tls = true), "$.api.tls"],
  ["an unknown field in producer", (c) => (c.producer.key = "00"), "$.producer.key"],
  ["an unknown field in hub", (c) => (c.hub.url = URLS[0]), "$.hub.url"],
  ["an unknown field in hub.trust", (c) => (c.hub.trust.extra = 1), "$.hub.trust.extra"],
  ["an unknown field in hub.checkpoints", (c) => (c.hub.checkpoints.gasPrice = "0.1uaeg"), "$.hub.checkpoints.gasPrice"],
  // missing fields
  ...["consumerId", "vm", "genesisTime", "producerKeys", "genesis", "p2p", "api"].map((k): [string, (c: Json) => void, string] => [`missing ${k}`, (c) => delete c[k], `$.${k}`]),
  ["missing api.port", (c) => delete c.api.port, "$.api.port"],
  ["missing p2p.bootstrap", (c) => delete c.p2p.bootstrap, "$.p2p.bootstrap"],
  ["missing producer.secretKey", (c) => delete c.producer.secretKey, "$.producer.secretKey"],
  ["missing hub.trust", (c) => delete c.hub.trust, "$.hub.trust"],
  ["missing hub.trust.trustingPeriodMs", (c) => delete c.hub.trust.trustingPeriodMs, "$.hub.trust.trustingPeriodMs"],
  ["missing hub.checkpoints.mnemonic", (c) => delete c.hub.checkpoints.mnemonic, "$.hub.checkpoints.mnemonic"],
  // consumer id
  ...["Kv-Test", "", "kv test", "kv/test", "k".repeat(65), "kv-tést"].map((id): [string, (c: Json) => void, string] => [`consumer id ${JSON.stringify(id.slice(0, 12))}`, (c) => (c.consumerId = id), "$.consumerId"]),
  ["consumer id a number", (c) => (c.consumerId = 7), "$.consumerId"],
  // producer keys
  ["a producer key of small order (all zeros)", (c) => (c.producerKeys = ["00".repeat(32)]), "$.producerKeys[0]"],
  ["a producer key that is the identity point", (c) => (c.producerKeys = ["01" + "00".repeat(31)]), "$.producerKeys[0]"],
  ["a producer key that is not a canonical encoding", (c) => (c.producerKeys = ["ff".repeat(32)]), "$.producerKeys[0]"],
  ["a producer key of 31 bytes", (c) => (c.producerKeys = ["ab".repeat(31)]), "$.producerKeys[0]"],
  ["a producer key that is not hex", (c) => (c.producerKeys = ["zz".repeat(32)]), "$.producerKeys[0]"],
  ["a producer key with a 0x prefix", (c) => (c.producerKeys = ["0x" + toHex(PRODUCER_PK).slice(2)]), "$.producerKeys[0]"],
  ["the second producer key bad", (c) => c.producerKeys.push("00".repeat(32)), "$.producerKeys[1]"],
  ["no producer key", (c) => (c.producerKeys = []), "$.producerKeys"],
  ["17 producer keys", (c) => (c.producerKeys = Array(17).fill(toHex(PRODUCER_PK))), "$.producerKeys"],
  // producer index and secret
  ["producer index beyond the keys", (c) => (c.producer.index = 1), "$.producer.index"],
  ["producer index negative", (c) => (c.producer.index = -1), "$.producer.index"],
  ["producer index fractional", (c) => (c.producer.index = 0.5), "$.producer.index"],
  ["producer index a string", (c) => (c.producer.index = "0"), "$.producer.index"],
  ["secret key not hex", (c) => (c.producer.secretKey = "x".repeat(64)), "$.producer.secretKey"],
  ["secret key too short", (c) => (c.producer.secretKey = "07".repeat(31)), "$.producer.secretKey"],
  ["secret key too long", (c) => (c.producer.secretKey = "07".repeat(33)), "$.producer.secretKey"],
  ["secret key a number", (c) => (c.producer.secretKey = 7), "$.producer.secretKey"],
  ["block interval below 10 ms", (c) => (c.producer.blockIntervalMs = 1), "$.producer.blockIntervalMs"],
  // api, p2p, the rest
  ["port 65536", (c) => (c.api.port = 65536), "$.api.port"],
  ["port -1", (c) => (c.api.port = -1), "$.api.port"],
  ["port fractional", (c) => (c.api.port = 80.5), "$.api.port"],
  ["port a string", (c) => (c.api.port = "8080"), "$.api.port"],
  ["an empty api host", (c) => (c.api.host = ""), "$.api.host"],
  ["p2p.listen not a list", (c) => (c.p2p.listen = "/ip4/127.0.0.1/tcp/0"), "$.p2p.listen"],
  ["an empty listen address", (c) => (c.p2p.listen = [""]), "$.p2p.listen[0]"],
  ["a negative genesis time", (c) => (c.genesisTime = -1), "$.genesisTime"],
  ["an empty vm", (c) => (c.vm = ""), "$.vm"],
  // hub
  ["no hub API URL", (c) => (c.hub.apiUrls = []), "$.hub.apiUrls"],
  ["a follow interval below 10 ms", (c) => (c.hub.followIntervalMs = 5), "$.hub.followIntervalMs"],
  ["a trusting period equal to the unbonding period", (c) => (c.hub.trust.trustingPeriodMs = c.hub.trust.unbondingPeriodMs), "$.hub.trust.trustingPeriodMs"],
  ["a trusting period longer than the unbonding period", (c) => (c.hub.trust.trustingPeriodMs = c.hub.trust.unbondingPeriodMs + 1), "$.hub.trust.trustingPeriodMs"],
  ["a trust root of another chain id form", (c) => (c.hub.trust.chainId = "a chain"), "$.hub.trust.chainId"],
  ["a trust root set whose total is not its sum", (c) => (c.hub.trust.validators.totalPower = "1"), "$.hub.trust.validators.totalPower"],
  ["an epoch length of 0", (c) => (c.hub.trust.epochLength = 0), "$.hub.trust.epochLength"],
  ["a ZK root that is not a decimal", (c) => (c.hub.trust.zk.genesisValidatorSetRoot = "0x12"), "$.hub.trust.zk.genesisValidatorSetRoot"],
  [
    "a trust root BLS key that is not a curve point (a one-validator set, its address made to match)",
    (c) => {
      const v = c.hub.trust.validators.validators[0];
      v.blsPublicKey = "11".repeat(48);
      v.address = createHash("sha256").update(Buffer.from(v.blsPublicKey, "hex")).digest("hex").slice(0, 40);
      c.hub.trust.validators = { totalPower: v.power, validators: [v] };
    },
    "$.hub.trust",
  ],
  ["a trust root ZK key that is degenerate", (c) => (c.hub.trust.zk.verificationKey.vk_gamma_2 = c.hub.trust.zk.verificationKey.vk_delta_2), "$.hub.trust"],
  ["a fee without a denom", (c) => delete c.hub.checkpoints.fee.amount[0].denom, "$.hub.checkpoints.fee.amount[0].denom"],
  ["checkpoints without a producer", (c) => delete c.producer, "$.hub.checkpoints"],
  ["an unknown field in hub.evidence", (c) => (c.hub.evidence.rpcUrl = "http://x"), "$.hub.evidence.rpcUrl"],
  ["missing hub.evidence.mnemonic", (c) => delete c.hub.evidence.mnemonic, "$.hub.evidence.mnemonic"],
  ["an empty hub.evidence.mnemonic", (c) => (c.hub.evidence.mnemonic = ""), "$.hub.evidence.mnemonic"],
  ["hub.evidence.fee without gas", (c) => delete c.hub.evidence.fee.gas, "$.hub.evidence.fee.gas"],
  ["hub.evidence.retryMs below 100", (c) => (c.hub.evidence.retryMs = 50), "$.hub.evidence.retryMs"],
  ["hub.evidence not an object", (c) => (c.hub.evidence = "yes"), "$.hub.evidence"],
  ["hub.resumeFrom without a hash", (c) => delete c.hub.resumeFrom.hash, "$.hub.resumeFrom.hash"],
  ["hub.resumeFrom.hash of 31 bytes", (c) => (c.hub.resumeFrom.hash = "ab".repeat(31)), "$.hub.resumeFrom.hash"],
  ["hub.resumeFrom.height 0", (c) => (c.hub.resumeFrom.height = 0), "$.hub.resumeFrom.height"],
  ["an unknown field in hub.resumeFrom", (c) => (c.hub.resumeFrom.round = 1), "$.hub.resumeFrom.round"],
];

describe("refused with CONSUMER_CONFIG_ERROR_INVALID naming the field", () => {
  test.each(cases.map(([name, mutate, field]) => ({ name, mutate, field })))("$name → $field", ({ mutate, field }) => {
    const cfg: Json = JSON.parse(JSON.stringify(producerConfig()));
    mutate(cfg);
    let err: unknown;
    try {
      parse(cfg);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConsumerConfigError);
    const e = err as ConsumerConfigError;
    expect({ code: e.code, field: e.type.field }).toEqual({ code: "CONSUMER_CONFIG_ERROR_INVALID", field });
    expect(e.message).toContain(`consumer config ${field}: `);
    expect(e.type.reason.length).toBeGreaterThan(0);
  });

  test("the producer keys used above are really unusable ed25519 keys, and the real one is usable", () => {
    for (const hex of ["00".repeat(32), "01" + "00".repeat(31), "ff".repeat(32)]) expect(isValidCheckpointProducerKey(Uint8Array.from(Buffer.from(hex, "hex")))).toBe(false);
    expect(isValidCheckpointProducerKey(PRODUCER_PK)).toBe(true);
  });

  test.each([null, 7, "consumer.json", []])("a file that is %p, not an object", (json) => {
    expect(() => parseConsumerNodeConfig(json)).toThrow(expect.objectContaining({ code: "CONSUMER_CONFIG_ERROR_INVALID", type: expect.objectContaining({ field: "$" }) }));
  });
});
