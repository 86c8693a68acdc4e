import {
  AegisError,
  createHubLightClient,
  decodeHubTrustRootJson,
  LightClientError,
  fromHex,
  isConsumerId,
  isValidCheckpointProducerKey,
  readArray,
  readInt,
  readObject,
  readString,
  HubApiError,
  type HubTrustRoot,
  type HubTrustRootJson,
} from "@aegis/consumer-sdk";
import type { StdFee } from "@cosmjs/stargate";

/**
 * A consumer node's configuration file (`consumer.json` in its home), as JSON. `producer` only on the
 * producer; `hub` on every node that follows hub finality (all of them, normally); `hub.checkpoints`
 * only where checkpoints are sent (the producer: it holds the producer key).
 */
export interface ConsumerNodeConfigJson {
  consumerId: string;
  /** The execution-environment label ("ledger", "utxo", "evm"). */
  vm: string;
  /** The genesis block's time, Unix ms. */
  genesisTime: number;
  /** Hex ed25519 keys, as registered on the hub. */
  producerKeys: string[];
  /** The environment's genesis configuration (its own format). */
  genesis: unknown;
  p2p: { listen: string[]; bootstrap: string[] };
  api: { host: string; port: number };
  producer?: { index: number; secretKey: string; blockIntervalMs?: number; emptyBlockIntervalMs?: number };
  hub?: {
    apiUrls: string[];
    trust: HubTrustRootJson;
    followIntervalMs?: number;
    checkpoints?: { rpcUrl: string; mnemonic: string; fee: StdFee; intervalMs?: number };
    /** A funded hub account that submits hub-fork evidence to every hub node in apiUrls (decision 50); absent: the node only reports a fork. */
    evidence?: { mnemonic: string; fee: StdFee; retryMs?: number };
    /**
     * A hub block the operator trusts, { height, hash (hex) }: a node halted by a hub fork below it
     * resumes from there (decision 51). Take it from a source you trust, not from the node that forked.
     */
    resumeFrom?: { height: number; hash: string };
  };
}

export interface ConsumerNodeConfig {
  consumerId: string;
  vm: string;
  genesisTime: number;
  producerKeys: Uint8Array[];
  genesis: unknown;
  p2p: { listen: string[]; bootstrap: string[] };
  api: { host: string; port: number };
  producer?: { index: number; secretKey: Uint8Array; blockIntervalMs?: number; emptyBlockIntervalMs?: number };
  hub?: {
    apiUrls: string[];
    trust: HubTrustRoot;
    followIntervalMs?: number;
    checkpoints?: { rpcUrl: string; mnemonic: string; fee: StdFee; intervalMs?: number };
    evidence?: { mnemonic: string; fee: StdFee; retryMs?: number };
    resumeFrom?: { height: number; hash: Uint8Array };
  };
}

export type ConfigErrorType = { code: "CONSUMER_CONFIG_ERROR_INVALID"; field: string; reason: string };
export class ConsumerConfigError extends AegisError<ConfigErrorType> {}

const invalid = (field: string, reason: string) => new ConsumerConfigError({ code: "CONSUMER_CONFIG_ERROR_INVALID", field, reason }, `consumer config ${field}: ${reason}`);

function wrap<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof HubApiError) {
      const t = e.type as { path?: string; field?: string; reason?: string };
      throw invalid(t.path ?? t.field ?? "$", t.reason ?? e.message);
    }
    throw e;
  }
}

const optInt = (v: unknown, path: string, min: number) => (v === undefined ? undefined : readInt(v, path, min));
const hexKey = (v: unknown, path: string, length: number) => {
  try {
    return fromHex(readString(v, path, length * 2, length * 2), path, length);
  } catch (e) {
    if (e instanceof HubApiError) throw e;
    throw invalid(path, `${length * 2} hex characters`);
  }
};

/** Parses and checks a consumer node configuration; throws ConsumerConfigError naming the field. */
export function parseConsumerNodeConfig(json: unknown): ConsumerNodeConfig {
  return wrap(() => {
    const o = readObject(json, "$", ["consumerId", "vm", "genesisTime", "producerKeys", "genesis", "p2p", "api"], ["producer", "hub"]);
    const consumerId = readString(o.consumerId, "$.consumerId", 64, 1);
    if (!isConsumerId(consumerId)) throw invalid("$.consumerId", "1-64 characters of a-z 0-9 - _ .");
    const producerKeys = readArray(o.producerKeys, "$.producerKeys", 16, (x, p) => {
      const k = hexKey(x, p, 32);
      if (!isValidCheckpointProducerKey(k)) throw invalid(p, "not a usable ed25519 public key");
      return k;
    }, 1);
    const p2p = readObject(o.p2p, "$.p2p", ["listen", "bootstrap"]);
    const api = readObject(o.api, "$.api", ["host", "port"]);
    const cfg: ConsumerNodeConfig = {
      consumerId,
      vm: readString(o.vm, "$.vm", 32, 1),
      genesisTime: readInt(o.genesisTime, "$.genesisTime", 0),
      producerKeys,
      genesis: o.genesis,
      p2p: {
        listen: readArray(p2p.listen, "$.p2p.listen", 16, (x, p) => readString(x, p, 256, 1)),
        bootstrap: readArray(p2p.bootstrap, "$.p2p.bootstrap", 64, (x, p) => readString(x, p, 512, 1)),
      },
      api: { host: readString(api.host, "$.api.host", 255, 1), port: readInt(api.port, "$.api.port", 0, 65535) },
    };
    if (o.producer !== undefined) {
      const p = readObject(o.producer, "$.producer", ["index", "secretKey"], ["blockIntervalMs", "emptyBlockIntervalMs"]);
      const index = readInt(p.index, "$.producer.index", 0, producerKeys.length - 1);
      const secretKey = hexKey(p.secretKey, "$.producer.secretKey", 32);
      const blockIntervalMs = optInt(p.blockIntervalMs, "$.producer.blockIntervalMs", 10);
      const emptyBlockIntervalMs = optInt(p.emptyBlockIntervalMs, "$.producer.emptyBlockIntervalMs", 0);
      cfg.producer = { index, secretKey, ...(blockIntervalMs !== undefined ? { blockIntervalMs } : {}), ...(emptyBlockIntervalMs !== undefined ? { emptyBlockIntervalMs } : {}) };
    }
    if (o.hub !== undefined) {
      const h = readObject(o.hub, "$.hub", ["apiUrls", "trust"], ["followIntervalMs", "checkpoints", "evidence", "resumeFrom"]);
      const apiUrls = readArray(h.apiUrls, "$.hub.apiUrls", 32, (x, p) => readString(x, p, 512, 1), 1);
      const trust = decodeHubTrustRootJson(h.trust, "$.hub.trust");
      // The light client rebuilds the set (BLS keys, order, power) and checks the ZK keys: a bad trust root is a config error, not a crash at start.
      try {
        createHubLightClient(
          { bls: { genesisTime: trust.genesisTime, validatorSet: trust.validatorSet }, ...(trust.zk ? { zk: { height: 0, time: trust.genesisTime, nextValidatorSetRoot: trust.zk.genesisValidatorSetRoot } } : {}) },
          { chainId: trust.chainId, trustingPeriodMs: trust.trustingPeriodMs, unbondingPeriodMs: trust.unbondingPeriodMs, ...(trust.zk ? { zk: { verificationKeys: trust.zk.verificationKeys, capacities: trust.zk.capacities } } : {}) },
          trust.genesisTime,
        );
      } catch (e) {
        if (e instanceof LightClientError) throw invalid("$.hub.trust", e.message);
        throw e;
      }
      const followIntervalMs = optInt(h.followIntervalMs, "$.hub.followIntervalMs", 10);
      cfg.hub = { apiUrls, trust, ...(followIntervalMs !== undefined ? { followIntervalMs } : {}) };
      if (h.checkpoints !== undefined) {
        const c = readObject(h.checkpoints, "$.hub.checkpoints", ["rpcUrl", "mnemonic", "fee"], ["intervalMs"]);
        const intervalMs = optInt(c.intervalMs, "$.hub.checkpoints.intervalMs", 10);
        cfg.hub.checkpoints = {
          rpcUrl: readString(c.rpcUrl, "$.hub.checkpoints.rpcUrl", 512, 1),
          mnemonic: readString(c.mnemonic, "$.hub.checkpoints.mnemonic", 1024, 1),
          fee: readFee(c.fee, "$.hub.checkpoints.fee"),
          ...(intervalMs !== undefined ? { intervalMs } : {}),
        };
        if (!cfg.producer) throw invalid("$.hub.checkpoints", "only a producer sends checkpoints (it signs them with its producer key)");
      }
      if (h.evidence !== undefined) {
        const e = readObject(h.evidence, "$.hub.evidence", ["mnemonic", "fee"], ["retryMs"]);
        const retryMs = optInt(e.retryMs, "$.hub.evidence.retryMs", 100);
        cfg.hub.evidence = { mnemonic: readString(e.mnemonic, "$.hub.evidence.mnemonic", 1024, 1), fee: readFee(e.fee, "$.hub.evidence.fee"), ...(retryMs !== undefined ? { retryMs } : {}) };
      }
      if (h.resumeFrom !== undefined) {
        const r = readObject(h.resumeFrom, "$.hub.resumeFrom", ["height", "hash"]);
        cfg.hub.resumeFrom = { height: readInt(r.height, "$.hub.resumeFrom.height", 1), hash: hexKey(r.hash, "$.hub.resumeFrom.hash", 32) };
      }
    }
    return cfg;
  });
}

/** A cosmjs StdFee: { amount: [{ denom, amount }] (up to 4), gas }. */
function readFee(x: unknown, path: string): StdFee {
  const fee = readObject(x, path, ["amount", "gas"]);
  return {
    amount: readArray(fee.amount, `${path}.amount`, 4, (y, p) => {
      const a = readObject(y, p, ["denom", "amount"]);
      return { denom: readString(a.denom, `${p}.denom`, 128, 1), amount: readString(a.amount, `${p}.amount`, 40, 1) };
    }),
    gas: readString(fee.gas, `${path}.gas`, 20, 1),
  };
}

