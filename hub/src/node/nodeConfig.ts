import { readFile, writeFile, rename, mkdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { AegisError, blsPublicKeyFromSecret, createBlsProofOfPossession, fromHex, isValidBlsProofOfPossession, toHex } from "@aegis/consumer-sdk";
import { parseGenesis, type Genesis } from "../genesis.js";
import { createAttestationKeyPair, createAttestationProofOfPossession, isValidAttestationProofOfPossession, type AttestationKeyPair } from "../attestation/index.js";
import { ACCOUNT_ADDRESS_PREFIX, fromBech32, toBech32, TxError } from "../tx/index.js";
import { DEFAULT_HTTP_SERVER_LIMITS, type HttpServerLimits } from "../api/httpServerLimits.js";

/** config.json in a node's home folder. */
export interface NodeConfig {
  moniker: string;
  /**
   * `denyPeersFile` (optional, a path; relative paths are the home's): a JSON array of peer ids this
   * node refuses to be connected to, re-read when it changes (about every 200 ms); connections to a
   * peer added to it are closed, and one removed from it is dialled again. A missing file denies
   * nobody; a malformed one is logged and the previous list kept. For cutting links between nodes on
   * one host (the chaos bench); absent by default.
   */
  p2p: { listen: string[]; bootstrap: string[]; denyPeersFile?: string };
  /**
   * `limits` (optional): any of the HTTP server's bounds (hub/src/api/httpServerLimits.ts: timeouts,
   * body size, connections per client, stream subscribers), each a positive integer; the rest keep
   * their defaults.
   */
  api: { host: string; port: number; limits?: Partial<HttpServerLimits> };
  /**
   * `polkaRetentionHeights`: the polkas (more than 2/3 of the prevotes for one block in one round) this
   * node stored are kept for this many heights up to its last committed one; older ones are pruned at
   * each commit. 0 (the default) keeps every polka. A fork case across rounds (decision 52) asks a
   * validator for the polkas behind its votes for as long as the stake that cast them can be slashed:
   * a value other than 0 must cover at least the unbonding period's worth of heights (the staking
   * `unbondingTimeMs` divided by the shortest block interval, with a margin).
   */
  consensus: { createEmptyBlocksIntervalMs: number; rebroadcastIntervalMs: number; maxBlockTxs: number; maxBlockBytes: number; polkaRetentionHeights: number };
  /** Mempool admission: minimum gas prices, e.g. ["0.025uaeg"] (a node's own policy). */
  app: { minGasPrices: string[] };
  /**
   * Pending transactions this node keeps at most (CometBFT's default too): beyond it, submissions are
   * refused with code 20 ("mempool is full") until blocks make room. Every commit re-checks every
   * pending transaction, so the bound is also what a commit's re-check can cost.
   */
  mempool: { maxTxs: number };
  /**
   * Succinct certificates (when the genesis has a `zk` section): `prover` makes this node prove
   * quorums of attestations with the circuit's artifacts `wasm` and `zkey` (paths; any node may prove).
   */
  zk: { prover: boolean; wasm: string; zkey: string };
  logLevel: "debug" | "info" | "warn" | "error";
}

export const DEFAULT_NODE_CONFIG: NodeConfig = {
  moniker: "node",
  p2p: { listen: ["/ip4/127.0.0.1/tcp/26656"], bootstrap: [] },
  api: { host: "127.0.0.1", port: 26757 },
  consensus: { createEmptyBlocksIntervalMs: 1000, rebroadcastIntervalMs: 1000, maxBlockTxs: 1000, maxBlockBytes: 4 * 1024 * 1024, polkaRetentionHeights: 0 },
  app: { minGasPrices: [] },
  mempool: { maxTxs: 5000 },
  zk: { prover: false, wasm: "", zkey: "" },
  logLevel: "info",
};

export type ConfigErrorType =
  | { code: "CONFIG_ERROR_MISSING_FILE"; path: string }
  | { code: "CONFIG_ERROR_INVALID"; path: string; field: string; reason: string };
export class ConfigError extends AegisError<ConfigErrorType> {}

/** The files of a node's home folder. */
export function getHomePaths(home: string) {
  return {
    config: join(home, "config.json"),
    genesis: join(home, "genesis.json"),
    validatorKey: join(home, "keys", "priv_validator_key.json"),
    nodeKey: join(home, "keys", "node_key.json"),
    /** { mnemonic, address } of the account a prover claims certificate rewards with. */
    proverKey: join(home, "keys", "prover.json"),
    /** { mnemonic, address } of the validator's operator account: the node signs its defence in a fork case with it (decision 52). */
    operatorKey: join(home, "keys", "operator.json"),
    data: join(home, "data"),
  };
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new ConfigError({ code: "CONFIG_ERROR_MISSING_FILE", path }, `missing ${path}`);
    throw e;
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ConfigError({ code: "CONFIG_ERROR_INVALID", path, field: "", reason: (e as Error).message }, `${path}: ${(e as Error).message}`);
  }
}

/** Writes a file atomically (temp file + rename), so a crash never leaves half a config or key. */
export async function writeFileAtomic(path: string, data: string, mode = 0o644): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, data, { mode });
  await rename(tmp, path);
}

export async function loadNodeConfig(home: string): Promise<NodeConfig> {
  const path = getHomePaths(home).config;
  const raw = (await readJson(path)) as Partial<NodeConfig>;
  const bad = (field: string, reason: string) => new ConfigError({ code: "CONFIG_ERROR_INVALID", path, field, reason }, `${path}: ${field} ${reason}`);
  const c: NodeConfig = {
    moniker: raw.moniker ?? DEFAULT_NODE_CONFIG.moniker,
    p2p: { ...DEFAULT_NODE_CONFIG.p2p, ...(raw.p2p ?? {}) },
    api: { ...DEFAULT_NODE_CONFIG.api, ...(raw.api ?? {}) },
    consensus: { ...DEFAULT_NODE_CONFIG.consensus, ...(raw.consensus ?? {}) },
    app: { ...DEFAULT_NODE_CONFIG.app, ...(raw.app ?? {}) },
    mempool: { ...DEFAULT_NODE_CONFIG.mempool, ...(raw.mempool ?? {}) },
    zk: { ...DEFAULT_NODE_CONFIG.zk, ...(raw.zk ?? {}) },
    logLevel: raw.logLevel ?? DEFAULT_NODE_CONFIG.logLevel,
  };
  if (!Array.isArray(c.app.minGasPrices) || !c.app.minGasPrices.every((p) => typeof p === "string" && /^[0-9]+(\.[0-9]{1,6})?[a-zA-Z][a-zA-Z0-9/:._-]{2,127}$/.test(p))) {
    throw bad("app.minGasPrices", 'must be a list like ["0.025uaeg"]');
  }
  if (typeof c.moniker !== "string" || c.moniker.length === 0) throw bad("moniker", "must be a non-empty string");
  if (!Array.isArray(c.p2p.listen) || !c.p2p.listen.every((a) => typeof a === "string")) throw bad("p2p.listen", "must be a list of multiaddrs");
  if (!Array.isArray(c.p2p.bootstrap) || !c.p2p.bootstrap.every((a) => typeof a === "string")) throw bad("p2p.bootstrap", "must be a list of multiaddrs");
  if (c.p2p.denyPeersFile !== undefined && (typeof c.p2p.denyPeersFile !== "string" || c.p2p.denyPeersFile.length === 0)) throw bad("p2p.denyPeersFile", "must be a path (a non-empty string)");
  if (!Number.isInteger(c.api.port) || c.api.port < 0 || c.api.port > 65535) throw bad("api.port", "must be a port number");
  if (c.api.limits !== undefined) {
    if (typeof c.api.limits !== "object" || c.api.limits === null || Array.isArray(c.api.limits)) throw bad("api.limits", "must be an object of limits");
    for (const [k, v] of Object.entries(c.api.limits)) {
      if (!Object.hasOwn(DEFAULT_HTTP_SERVER_LIMITS, k)) throw bad(`api.limits.${k}`, `is not a limit (one of ${Object.keys(DEFAULT_HTTP_SERVER_LIMITS).join(", ")})`);
      if (!Number.isSafeInteger(v) || (v as number) < 1) throw bad(`api.limits.${k}`, "must be a positive integer");
    }
  }
  for (const [k, v] of Object.entries(c.consensus)) if (!Number.isSafeInteger(v) || v < 0) throw bad(`consensus.${k}`, "must be a non-negative integer");
  if (!Number.isSafeInteger(c.mempool.maxTxs) || c.mempool.maxTxs < 1) throw bad("mempool.maxTxs", "must be a positive integer");
  if (typeof c.zk.prover !== "boolean") throw bad("zk.prover", "must be true or false");
  if (typeof c.zk.wasm !== "string" || typeof c.zk.zkey !== "string") throw bad("zk", "wasm and zkey must be paths (strings)");
  if (c.zk.prover && (!c.zk.wasm || !c.zk.zkey)) throw bad("zk", "a prover needs zk.wasm and zk.zkey (the circuit's artifacts)");
  if (!["debug", "info", "warn", "error"].includes(c.logLevel)) throw bad("logLevel", "must be debug, info, warn or error");
  // Relative paths (artifacts, the deny list) are the home's, not the working folder's: a home can be moved as a whole.
  if (c.p2p.denyPeersFile !== undefined) c.p2p.denyPeersFile = resolve(home, c.p2p.denyPeersFile);
  if (c.zk.wasm) c.zk.wasm = resolve(home, c.zk.wasm);
  if (c.zk.zkey) c.zk.zkey = resolve(home, c.zk.zkey);
  return c;
}

export async function loadGenesis(home: string): Promise<Genesis> {
  return parseGenesis(await readJson(getHomePaths(home).genesis));
}

/** keys/priv_validator_key.json: a validator's signing keys (hex). */
export interface ValidatorKeyFile {
  blsSecretKey: string;
  blsPublicKey: string;
  /** BabyJubJub EdDSA-Poseidon key of the succinct certificates (absent in files made before it). */
  attestationSecretKey?: string;
  attestationPublicKey?: string;
  /**
   * The operator's account (aegis1…) the keys are for: both proofs of possession below are bound to
   * it, and `aegis tx staking create-validator` refuses to use the file for another operator
   * (absent in files made before proofs were bound to the operator).
   */
  operator?: string;
  /** BLS proof of possession for `operator` (hex; SDK createBlsProofOfPossession). */
  blsProofOfPossession?: string;
  /** Attestation key's proof of possession for `operator` (hex). */
  attestationProofOfPossession?: string;
}

export interface ValidatorKeys {
  blsSecretKey: Uint8Array;
  blsPublicKey: Uint8Array;
  attestation: AttestationKeyPair | null;
  /** The operator (20 bytes) the file's proofs of possession are for; null in files made before. */
  operator: Uint8Array | null;
}

/**
 * A validator key file's text for these keys (written with mode 0600), with their proofs of
 * possession for `operator` (the operator account's 20 bytes).
 */
export function encodeValidatorKeyFile(k: { blsSecretKey: Uint8Array; attestation: AttestationKeyPair; operator: Uint8Array }): string {
  const file: ValidatorKeyFile = {
    blsSecretKey: toHex(k.blsSecretKey),
    blsPublicKey: toHex(blsPublicKeyFromSecret(k.blsSecretKey)),
    attestationSecretKey: toHex(k.attestation.secretKey),
    attestationPublicKey: toHex(k.attestation.publicKey),
    operator: toBech32(ACCOUNT_ADDRESS_PREFIX, k.operator),
    blsProofOfPossession: toHex(createBlsProofOfPossession(k.blsSecretKey, k.operator)),
    attestationProofOfPossession: toHex(createAttestationProofOfPossession(k.attestation.secretKey, k.operator)),
  };
  return JSON.stringify(file, null, 2) + "\n";
}

/**
 * Reads and checks a validator key file: each public key must be the one of its secret key, and
 * each proof of possession must be for the file's operator (`attestation: false`: the BLS key only;
 * `attestation` is then null). Throws CONFIG_ERROR_MISSING_FILE when there is none.
 */
export async function readValidatorKeyFile(path: string, opts: { attestation?: boolean } = {}): Promise<ValidatorKeys> {
  const raw = (await readJson(path)) as ValidatorKeyFile;
  const sk = fromHex(String(raw.blsSecretKey), "blsSecretKey", 32);
  const pk = blsPublicKeyFromSecret(sk);
  if (raw.blsPublicKey && toHex(pk) !== raw.blsPublicKey.replace(/^0x/, "")) {
    throw new ConfigError({ code: "CONFIG_ERROR_INVALID", path, field: "blsPublicKey", reason: "does not match the secret key" });
  }
  let operator: Uint8Array | null = null;
  if (raw.operator !== undefined) {
    try {
      operator = fromBech32(String(raw.operator), ACCOUNT_ADDRESS_PREFIX, { lengths: [20] });
    } catch (e) {
      if (e instanceof TxError) throw new ConfigError({ code: "CONFIG_ERROR_INVALID", path, field: "operator", reason: e.log }, `${path}: operator ${e.log}`);
      throw e;
    }
  }
  const invalidProof = (field: string) => {
    const reason = operator ? `is not a proof of possession of the key for operator ${raw.operator}` : "needs the operator it is for (operator)";
    return new ConfigError({ code: "CONFIG_ERROR_INVALID", path, field, reason }, `${path}: ${field} ${reason}`);
  };
  if (raw.blsProofOfPossession !== undefined && !(operator && isValidBlsProofOfPossession(pk, operator, fromHex(String(raw.blsProofOfPossession), "blsProofOfPossession")))) {
    throw invalidProof("blsProofOfPossession");
  }
  let attestation: AttestationKeyPair | null = null;
  if (raw.attestationSecretKey !== undefined && opts.attestation !== false) {
    attestation = createAttestationKeyPair(fromHex(String(raw.attestationSecretKey), "attestationSecretKey", 32));
    if (raw.attestationPublicKey && toHex(attestation.publicKey) !== raw.attestationPublicKey.replace(/^0x/, "")) {
      throw new ConfigError({ code: "CONFIG_ERROR_INVALID", path, field: "attestationPublicKey", reason: "does not match the secret key" });
    }
    const proof = raw.attestationProofOfPossession;
    if (proof !== undefined && !(operator && isValidAttestationProofOfPossession(attestation.publicKey, operator, fromHex(String(proof), "attestationProofOfPossession")))) {
      throw invalidProof("attestationProofOfPossession");
    }
  }
  return { blsSecretKey: sk, blsPublicKey: pk, attestation, operator };
}

/** The validator's keys with its attestation key (null when the file has none), or null when there is no key file. */
export async function loadValidatorKeys(home: string): Promise<ValidatorKeys | null> {
  try {
    return await readValidatorKeyFile(getHomePaths(home).validatorKey);
  } catch (e) {
    if (e instanceof ConfigError && e.code === "CONFIG_ERROR_MISSING_FILE") return null;
    throw e;
  }
}

/** The validator's BLS secret key, or null when the node has none (a non-voting full node). */
export async function loadValidatorKey(home: string): Promise<Uint8Array | null> {
  try {
    // BLS only: checking the attestation key would build the BabyJubJub tables a node may not need.
    return (await readValidatorKeyFile(getHomePaths(home).validatorKey, { attestation: false })).blsSecretKey;
  } catch (e) {
    if (e instanceof ConfigError && e.code === "CONFIG_ERROR_MISSING_FILE") return null;
    throw e;
  }
}

export async function loadNodeKey(home: string): Promise<Uint8Array | undefined> {
  const path = getHomePaths(home).nodeKey;
  try {
    const raw = (await readJson(path)) as { privateKey: string };
    return new Uint8Array(Buffer.from(String(raw.privateKey), "base64"));
  } catch (e) {
    if (e instanceof ConfigError && e.code === "CONFIG_ERROR_MISSING_FILE") return undefined;
    throw e;
  }
}

/** The prover account's mnemonic (keys/prover.json), or undefined when the node has none. */
export function loadProverMnemonic(home: string): Promise<string | undefined> {
  return loadAccountMnemonic(getHomePaths(home).proverKey);
}

/** The validator's operator account mnemonic (keys/operator.json), or undefined when the node has none. */
export function loadOperatorMnemonic(home: string): Promise<string | undefined> {
  return loadAccountMnemonic(getHomePaths(home).operatorKey);
}

/** The mnemonic of an account file ({ mnemonic, address }), or undefined when there is no such file. */
async function loadAccountMnemonic(path: string): Promise<string | undefined> {
  try {
    const raw = (await readJson(path)) as { mnemonic?: unknown };
    if (typeof raw.mnemonic !== "string" || raw.mnemonic.split(/\s+/).length < 12) {
      throw new ConfigError({ code: "CONFIG_ERROR_INVALID", path, field: "mnemonic", reason: "must be a BIP-39 mnemonic of 12 or 24 words" });
    }
    return raw.mnemonic;
  } catch (e) {
    if (e instanceof ConfigError && e.code === "CONFIG_ERROR_MISSING_FILE") return undefined;
    throw e;
  }
}
