/**
 * Joining a running hub as a new validator, in an order that cannot get it jailed:
 *
 * 1. `prepareJoiningHome` makes the node's home once: the hub's genesis, a config that dials the
 *    given peers, a node key (its peer id stays the same across restarts), the validator's BLS and
 *    attestation keys with proofs of possession bound to the operator, and the operator's key (the
 *    node defends its validator in a fork case with it).
 * 2. The node starts and syncs like any full node.
 * 3. `createValidatorWhenSynced` waits until the node has caught up with the chain (its height is
 *    the hub's and it commits new blocks itself), and only then sends MsgCreateValidator. The set
 *    changes at the next epoch boundary, so the validator is in the set only once its node signs.
 *    When the operator already runs a validator, nothing is sent (a restart of the command is safe).
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { DirectSecp256k1HdWallet, Registry } from "@cosmjs/proto-signing";
import { defaultRegistryTypes, GasPrice, QueryClient, SigningStargateClient, setupStakingExtension } from "@cosmjs/stargate";
import { connectComet } from "@cosmjs/tendermint-rpc";
import { createBlsKeyPair, createBlsProofOfPossession } from "@aegis/consumer-sdk";
import { createAttestationKeyPair, createAttestationProofOfPossession } from "../attestation/index.js";
import { AegisMsgCreateValidator } from "../app/modules/staking/index.js";
import { parseGenesis } from "../genesis.js";
import { createPeerPrivateKey, peerIdFromPrivateKey } from "../network/index.js";
import { ACCOUNT_ADDRESS_PREFIX, fromBech32, toBech32, VALIDATOR_OPERATOR_ADDRESS_PREFIX } from "../tx/index.js";
import { DEFAULT_MIN_GAS_PRICE } from "./initHomes.js";
import { DEFAULT_NODE_CONFIG, encodeValidatorKeyFile, getHomePaths, readValidatorKeyFile, writeFileAtomic, type NodeConfig } from "./nodeConfig.js";

export interface FullNodeHomeOpts {
  home: string;
  /** The hub's genesis file, as text (byte for byte the one its nodes run). */
  genesisJson: string;
  /** Multiaddrs (with /p2p/<peer id>) of hub nodes to dial. */
  peers: string[];
  moniker: string;
  host: string;
  p2pPort: number;
  apiPort: number;
  /** Circuit artifacts, when the chain makes ZK certificates and this node proves them. */
  zk?: { wasm: string; zkey: string; prover: boolean };
  /** { mnemonic } of the account a prover claims certificate rewards with (keys/prover.json). */
  proverMnemonic?: string;
}

export interface FullNodeHome {
  home: string;
  peerId: string;
  /** False when the home existed already (a rerun): nothing was written. */
  created: boolean;
}

/**
 * Makes the home of a hub node that is not (yet) a validator: the hub's genesis, a config that dials
 * `peers`, a node key (its peer id stays the same across restarts) and, for a prover, its reward
 * account. The config is written last: a home with a config is complete, and is kept as it is.
 */
export async function prepareFullNodeHome(o: FullNodeHomeOpts, extraKeys?: () => Promise<void>): Promise<FullNodeHome> {
  const paths = getHomePaths(o.home);
  const genesis = parseGenesis(JSON.parse(o.genesisJson));
  if (existsSync(paths.config)) {
    const existing = parseGenesis(JSON.parse(await readFile(paths.genesis, "utf8")));
    if (existing.chainId !== genesis.chainId) throw new Error(`${o.home} holds a node of chain ${existing.chainId}, not ${genesis.chainId}: pass another --home`);
    const nodeKey = JSON.parse(await readFile(paths.nodeKey, "utf8")) as { peerId: string };
    return { home: o.home, peerId: nodeKey.peerId, created: false };
  }
  const nodeKey = await createPeerPrivateKey();
  const peerId = peerIdFromPrivateKey(nodeKey);
  const denom = genesis.appState?.denom;
  const config: NodeConfig = {
    ...DEFAULT_NODE_CONFIG,
    moniker: o.moniker,
    p2p: { listen: [`/ip4/${o.host}/tcp/${o.p2pPort}`], bootstrap: o.peers },
    api: { host: o.host, port: o.apiPort },
    app: { minGasPrices: denom ? [`${DEFAULT_MIN_GAS_PRICE}${denom}`] : [] },
    zk: o.zk && genesis.zk ? o.zk : DEFAULT_NODE_CONFIG.zk,
  };
  await writeFileAtomic(paths.genesis, o.genesisJson);
  await writeFileAtomic(paths.nodeKey, JSON.stringify({ privateKey: Buffer.from(nodeKey).toString("base64"), peerId }, null, 2) + "\n", 0o600);
  if (o.zk?.prover && o.proverMnemonic) {
    const w = await DirectSecp256k1HdWallet.fromMnemonic(o.proverMnemonic, { prefix: ACCOUNT_ADDRESS_PREFIX });
    await writeFileAtomic(paths.proverKey, JSON.stringify({ mnemonic: o.proverMnemonic, address: (await w.getAccounts())[0]!.address }, null, 2) + "\n", 0o600);
  }
  await extraKeys?.();
  await writeFileAtomic(paths.config, JSON.stringify(config, null, 2) + "\n");
  return { home: o.home, peerId, created: true };
}

export interface JoiningHomeOpts extends Omit<FullNodeHomeOpts, "proverMnemonic"> {
  /** The operator's mnemonic: the validator keys' proofs of possession are bound to its account, and the node defends its validator with it. */
  operatorMnemonic: string;
}

export interface JoiningHome extends FullNodeHome {
  operator: string;
}

/**
 * A full node's home (prepareFullNodeHome) plus the validator's BLS and attestation keys, with proofs
 * of possession bound to the operator, and the operator's key (keys/operator.json). A prover among
 * them claims its rewards with the operator's account. An existing home is kept as it is (it must be
 * the same chain's and the same operator's).
 */
export async function prepareJoiningHome(o: JoiningHomeOpts): Promise<JoiningHome> {
  const paths = getHomePaths(o.home);
  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(o.operatorMnemonic, { prefix: ACCOUNT_ADDRESS_PREFIX });
  const operator = (await wallet.getAccounts())[0]!.address;
  const operatorBytes = fromBech32(operator, ACCOUNT_ADDRESS_PREFIX, { lengths: [20] });
  const home = await prepareFullNodeHome({ ...o, proverMnemonic: o.operatorMnemonic }, async () => {
    const bls = createBlsKeyPair();
    const attestation = createAttestationKeyPair();
    await writeFileAtomic(paths.validatorKey, encodeValidatorKeyFile({ blsSecretKey: bls.secretKey, attestation, operator: operatorBytes }), 0o600);
    await writeFileAtomic(paths.operatorKey, JSON.stringify({ mnemonic: o.operatorMnemonic, address: operator }, null, 2) + "\n", 0o600);
  });
  if (!home.created) {
    const keys = await readValidatorKeyFile(paths.validatorKey);
    if (!keys.operator || toBech32(ACCOUNT_ADDRESS_PREFIX, keys.operator) !== operator) {
      throw new Error(`${o.home} holds the validator keys of another operator than ${operator}: pass another --home`);
    }
  }
  return { ...home, operator };
}

export interface CreateValidatorWhenSyncedOpts {
  home: string;
  /** The joining node's own height (it is running in this process or beside it). */
  localHeight: () => number | Promise<number>;
  /** RPC of a hub node that is already in step: the height to reach, and where the transaction goes. */
  hubRpc: string;
  operatorMnemonic: string;
  moniker: string;
  selfDelegation: { denom: string; amount: string };
  commission?: { rate: string; maxRate: string; maxChangeRate: string };
  minSelfDelegation?: string;
  gasPrice?: string;
  /** Blocks the node must commit after reaching the hub's height before the validator is created. */
  confirmBlocks?: number;
  timeoutMs?: number;
  log?: (line: string) => void;
}

export type CreateValidatorOutcome = { status: "created"; txHash: string; height: number; valoper: string } | { status: "exists"; valoper: string };

async function hubHeight(rpc: string): Promise<number> {
  const comet = await connectComet(rpc);
  try {
    return (await comet.status()).syncInfo.latestBlockHeight;
  } finally {
    comet.disconnect();
  }
}

/** Waits until the node is in step with the hub, then creates the validator (unless it exists). */
export async function createValidatorWhenSynced(o: CreateValidatorWhenSyncedOpts): Promise<CreateValidatorOutcome> {
  const log = o.log ?? (() => {});
  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(o.operatorMnemonic, { prefix: ACCOUNT_ADDRESS_PREFIX });
  const operator = (await wallet.getAccounts())[0]!.address;
  const operatorBytes = fromBech32(operator, ACCOUNT_ADDRESS_PREFIX, { lengths: [20] });
  const valoper = toBech32(VALIDATOR_OPERATOR_ADDRESS_PREFIX, operatorBytes);
  const comet = await connectComet(o.hubRpc);
  try {
    const q = QueryClient.withExtensions(comet, setupStakingExtension);
    const exists = await q.staking.validator(valoper).then(
      () => true,
      (e: Error) => {
        if (/not found/i.test(e.message)) return false;
        throw e;
      },
    );
    if (exists) return { status: "exists", valoper };
  } finally {
    comet.disconnect();
  }
  const deadline = Date.now() + (o.timeoutMs ?? 10 * 60_000);
  const target = await hubHeight(o.hubRpc);
  log(`syncing: the hub is at height ${target}`);
  let last = -1;
  for (;;) {
    const h = await o.localHeight();
    if (h !== last && h > 0 && (h % 50 === 0 || h >= target)) log(`synced to height ${h} of ${target}`);
    last = h;
    if (h >= target) break;
    if (Date.now() > deadline) throw new Error(`the node did not reach the hub's height ${target} in time (at ${h})`);
    await new Promise((r) => setTimeout(r, 250));
  }
  // In step: it now commits new blocks as they are made, not from a sync batch.
  const reached = await o.localHeight();
  const confirm = o.confirmBlocks ?? 2;
  while ((await o.localHeight()) < reached + confirm) {
    if (Date.now() > deadline) throw new Error(`the node stopped following the hub at height ${await o.localHeight()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const keys = await readValidatorKeyFile(getHomePaths(o.home).validatorKey);
  if (!keys.attestation) throw new Error(`${o.home} has no attestation key`);
  const registry = new Registry([...defaultRegistryTypes, [AegisMsgCreateValidator.typeUrl, AegisMsgCreateValidator]]);
  const client = await SigningStargateClient.connectWithSigner(o.hubRpc, wallet, {
    registry,
    gasPrice: GasPrice.fromString(o.gasPrice ?? `${DEFAULT_MIN_GAS_PRICE}${o.selfDelegation.denom}`),
    broadcastPollIntervalMs: 300,
  });
  try {
    const msg = AegisMsgCreateValidator.fromPartial({
      description: { moniker: o.moniker, identity: "", website: "", securityContact: "", details: "" },
      commission: o.commission ?? { rate: "0.1", maxRate: "0.2", maxChangeRate: "0.01" },
      minSelfDelegation: o.minSelfDelegation ?? "1",
      delegatorAddress: operator,
      validatorAddress: valoper,
      value: o.selfDelegation,
      blsPublicKey: keys.blsPublicKey,
      blsProofOfPossession: createBlsProofOfPossession(keys.blsSecretKey, operatorBytes),
      attestationPublicKey: keys.attestation.publicKey,
      attestationProofOfPossession: createAttestationProofOfPossession(keys.attestation.secretKey, operatorBytes),
    });
    const res = await client.signAndBroadcast(operator, [{ typeUrl: AegisMsgCreateValidator.typeUrl, value: msg }], "auto");
    if (res.code !== 0) throw new Error(`create-validator was refused (code ${res.code}): ${res.rawLog ?? ""}`);
    return { status: "created", txHash: res.transactionHash, height: res.height, valoper };
  } finally {
    client.disconnect();
  }
}
