import { existsSync } from "node:fs";
import { copyFile, mkdir, rename } from "node:fs/promises";
import { basename, join } from "node:path";
import { createBlsKeyPair, createBlsProofOfPossession, toHex } from "@aegis/consumer-sdk";
import { createAttestationKeyPair, createAttestationProofOfPossession, type AttestationKeyPair } from "../attestation/index.js";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import type { AppGenesis, GenesisFile, GenesisValidator, ZkGenesis } from "../genesis.js";
import { ACCOUNT_ADDRESS_PREFIX, fromBech32 } from "../tx/index.js";
import { createPeerPrivateKey, peerIdFromPrivateKey } from "../network/index.js";
import { DEFAULT_NODE_CONFIG, encodeValidatorKeyFile, getHomePaths, writeFileAtomic, type NodeConfig } from "./nodeConfig.js";

export interface InitHomesOpts {
  /** Parent folder; node i lives in `<home>/node<i>`. */
  home: string;
  validators: number;
  chainId: string;
  /** Host the nodes listen on and dial each other at. */
  host?: string;
  /** Node i listens for p2p on p2pBasePort + i and serves its API on apiBasePort + i. */
  p2pBasePort?: number;
  apiBasePort?: number;
  /** Staking power of every validator (tokens = power × POWER_REDUCTION); default 100. */
  power?: bigint;
  /**
   * Staking power of each validator, in the unit of `power` (one per validator, each > 0); overrides
   * `power`. For networks where validators differ, e.g. a coalition holding more than 1/3.
   */
  powers?: bigint[];
  genesisTime?: number;
  consensus?: Partial<NodeConfig["consensus"]>;
  timeouts?: GenesisFile["consensus"];
  force?: boolean;
  /** Run the hub's application (accounts, bank; a funded faucet in genesis). Default true; false: opaque transactions. */
  withApp?: boolean;
  /** Staking/fee denom (default "uaeg"). */
  denom?: string;
  /** The faucet's mnemonic (default: a new one), e.g. to name the faucet in the genesis (`zk.authority`). */
  faucetMnemonic?: string;
  /** Faucet balance in genesis (default 10^15). */
  faucetAmount?: bigint;
  /** Blocks per epoch (staking changes reach the consensus set at epoch boundaries); default 100. */
  epochLength?: number;
  /** Staking and slashing parameters other than the defaults (genesis appState.staking / appState.slashing). */
  staking?: AppGenesis["staking"];
  slashing?: AppGenesis["slashing"];
  /**
   * Succinct certificates: the genesis `zk` section (staking.maxValidators defaults to its capacity),
   * and the circuit's proving artifacts for the nodes listed in `provers` (indexes; default [0]).
   * `copyArtifacts`: copy `wasm` and `zkey` into every node's home (`<node home>/zk/`) and point its
   * config there, so each node folder works on its own machine; otherwise configs name them as given.
   */
  zk?: ZkGenesis & { wasm: string; zkey: string; provers?: number[]; copyArtifacts?: boolean };
}

/** Staking power = tokens / POWER_REDUCTION (the staking module's default). */
export const POWER_REDUCTION = 1_000_000n;

export interface FaucetInfo {
  mnemonic: string;
  address: string;
}

export const DEFAULT_DENOM = "uaeg";
export const DEFAULT_MIN_GAS_PRICE = "0.025";

export interface InitializedNode {
  moniker: string;
  home: string;
  peerId: string;
  p2p: string;
  api: string;
}

export interface InitHomesResult {
  chainId: string;
  genesisPath: string;
  nodes: InitializedNode[];
  denom: string;
  bech32Prefix: string;
  /** The genesis account funded for the devnet (null without the application). */
  faucet: FaucetInfo | null;
}

export const MAX_INIT_VALIDATORS = 128;

/**
 * Creates keys, a genesis with every validator (each with an operator account and a BLS proof of
 * possession bound to it) and one home folder per node whose config bootstraps from all the others.
 * Refuses to overwrite existing homes unless `force`.
 */
export async function initHomes(o: InitHomesOpts): Promise<InitHomesResult> {
  if (!Number.isInteger(o.validators) || o.validators < 1 || o.validators > MAX_INIT_VALIDATORS) {
    throw new RangeError(`--validators must be an integer between 1 and ${MAX_INIT_VALIDATORS}`);
  }
  if (o.powers !== undefined) {
    if (!Array.isArray(o.powers) || o.powers.length !== o.validators) {
      throw new RangeError(`powers: one power per validator (${o.validators}), got ${Array.isArray(o.powers) ? o.powers.length : typeof o.powers}`);
    }
    const bad = o.powers.findIndex((p) => typeof p !== "bigint" || p <= 0n);
    if (bad >= 0) throw new RangeError(`powers[${bad}]: must be a bigint > 0, got ${String(o.powers[bad])}`);
  }
  const host = o.host ?? "127.0.0.1";
  const p2pBase = o.p2pBasePort ?? 26656;
  const apiBase = o.apiBasePort ?? 26756;
  const genesisPath = join(o.home, "genesis.json");
  if (!o.force && existsSync(genesisPath)) throw new Error(`${genesisPath} exists; pass --force to overwrite (this discards the chain)`);
  const nodes: (InitializedNode & { blsSecretKey: Uint8Array; blsPublicKey: Uint8Array; attestation: AttestationKeyPair; nodeKey: Uint8Array })[] = [];
  for (let i = 0; i < o.validators; i++) {
    const { secretKey, publicKey } = createBlsKeyPair();
    const nodeKey = await createPeerPrivateKey();
    const peerId = peerIdFromPrivateKey(nodeKey);
    nodes.push({
      moniker: `node${i}`,
      home: join(o.home, `node${i}`),
      peerId,
      p2p: `/ip4/${host}/tcp/${p2pBase + i}/p2p/${peerId}`,
      api: `http://${host}:${apiBase + i}`,
      blsSecretKey: secretKey,
      blsPublicKey: publicKey,
      attestation: createAttestationKeyPair(),
      nodeKey,
    });
  }
  const withApp = o.withApp ?? true;
  if (o.zk && !withApp) throw new RangeError("ZK certificates need the application (attestation keys come from staking)");
  if (o.zk && o.validators > o.zk.capacity) throw new RangeError(`--validators ${o.validators} exceeds the ZK circuit's capacity (${o.zk.capacity})`);
  const staking = o.zk ? { maxValidators: o.zk.capacity, ...(o.staking ?? {}) } : o.staking;
  const denom = o.denom ?? DEFAULT_DENOM;
  const defaultPower = o.power ?? 100n;
  const powerOf = (i: number): bigint => o.powers?.[i] ?? defaultPower;
  let faucet: FaucetInfo | null = null;
  /** Genesis validators (like gentxs): each validator's operator account self-delegates its power. */
  const operators: FaucetInfo[] = [];
  const genesisValidators: GenesisValidator[] = [];
  // Every validator has an operator account, with the application or without: the BLS proof of
  // possession in the genesis is bound to it.
  for (let i = 0; i < nodes.length; i++) {
    const op = await DirectSecp256k1HdWallet.generate(24, { prefix: ACCOUNT_ADDRESS_PREFIX });
    operators.push({ mnemonic: op.mnemonic, address: (await op.getAccounts())[0]!.address });
  }
  const operatorBytes = operators.map((op) => fromBech32(op.address, ACCOUNT_ADDRESS_PREFIX, { lengths: [20] }));
  const blsProofs = nodes.map((n, i) => toHex(createBlsProofOfPossession(n.blsSecretKey, operatorBytes[i]!)));
  if (withApp) {
    const wallet = o.faucetMnemonic !== undefined
      ? await DirectSecp256k1HdWallet.fromMnemonic(o.faucetMnemonic, { prefix: ACCOUNT_ADDRESS_PREFIX })
      : await DirectSecp256k1HdWallet.generate(24, { prefix: ACCOUNT_ADDRESS_PREFIX });
    faucet = { mnemonic: wallet.mnemonic, address: (await wallet.getAccounts())[0]!.address };
    for (const [i, n] of nodes.entries()) {
      genesisValidators.push({
        moniker: n.moniker,
        operator: operators[i]!.address,
        blsPublicKey: toHex(n.blsPublicKey),
        blsProofOfPossession: blsProofs[i]!,
        attestationPublicKey: toHex(n.attestation.publicKey),
        attestationProofOfPossession: toHex(createAttestationProofOfPossession(n.attestation.secretKey, operatorBytes[i]!)),
        selfDelegation: String(powerOf(i) * POWER_REDUCTION),
      });
    }
  }
  const genesis: GenesisFile = {
    chainId: o.chainId,
    genesisTime: o.genesisTime ?? Date.now(),
    validators: nodes.map((n, i) => ({
      moniker: n.moniker,
      operator: operators[i]!.address,
      blsPublicKey: toHex(n.blsPublicKey),
      proofOfPossession: blsProofs[i]!,
      power: String(powerOf(i)),
    })),
    ...(o.timeouts ? { consensus: o.timeouts } : {}),
    ...(faucet
      ? {
          appState: {
            denom,
            epochLength: o.epochLength ?? 100,
            accounts: [
              { address: faucet.address, coins: [{ denom, amount: String(o.faucetAmount ?? 10n ** 15n) }] },
              // Each operator holds its self-delegation plus some for fees.
              ...operators.map((op, i) => ({ address: op.address, coins: [{ denom, amount: String(powerOf(i) * POWER_REDUCTION + 10n ** 9n) }] })),
            ],
            validators: genesisValidators,
            ...(staking ? { staking } : {}),
            ...(o.slashing ? { slashing: o.slashing } : {}),
          },
        }
      : {}),
    ...(o.zk
      ? {
          zk: {
            circuit: o.zk.circuit,
            capacity: o.zk.capacity,
            ...(o.zk.verificationKey ? { verificationKey: o.zk.verificationKey } : {}),
            ...(o.zk.authority ? { authority: o.zk.authority } : {}),
            ...(o.zk.proverReward !== undefined ? { proverReward: o.zk.proverReward } : {}),
            ...(o.zk.attestationIntervalMs !== undefined ? { attestationIntervalMs: o.zk.attestationIntervalMs } : {}),
          },
        }
      : {}),
  };
  const genesisJson = JSON.stringify(genesis, null, 2) + "\n";
  for (const [i, n] of nodes.entries()) {
    const paths = getHomePaths(n.home);
    const zkArtifacts = o.zk ? (o.zk.copyArtifacts ? await copyZkArtifacts(n.home, o.zk) : { wasm: o.zk.wasm, zkey: o.zk.zkey }) : null;
    const config: NodeConfig = {
      ...DEFAULT_NODE_CONFIG,
      moniker: n.moniker,
      p2p: { listen: [`/ip4/${host}/tcp/${p2pBase + i}`], bootstrap: nodes.filter((m) => m !== n).map((m) => m.p2p) },
      api: { host, port: apiBase + i },
      consensus: { ...DEFAULT_NODE_CONFIG.consensus, ...(o.consensus ?? {}) },
      app: { minGasPrices: withApp ? [`${DEFAULT_MIN_GAS_PRICE}${denom}`] : [] },
      zk: o.zk && zkArtifacts ? { prover: (o.zk.provers ?? [0]).includes(i), ...zkArtifacts } : DEFAULT_NODE_CONFIG.zk,
    };
    await writeFileAtomic(paths.config, JSON.stringify(config, null, 2) + "\n");
    await writeFileAtomic(paths.genesis, genesisJson);
    await writeFileAtomic(paths.validatorKey, encodeValidatorKeyFile({ ...n, operator: operatorBytes[i]! }), 0o600);
    await writeFileAtomic(paths.nodeKey, JSON.stringify({ privateKey: Buffer.from(n.nodeKey).toString("base64"), peerId: n.peerId }, null, 2) + "\n", 0o600);
    if (operators[i]) await writeFileAtomic(paths.operatorKey, JSON.stringify(operators[i], null, 2) + "\n", 0o600);
    // A prover claims its certificate rewards with its operator account.
    if (o.zk && operators[i] && (o.zk.provers ?? [0]).includes(i)) await writeFileAtomic(paths.proverKey, JSON.stringify(operators[i], null, 2) + "\n", 0o600);
  }
  await writeFileAtomic(genesisPath, genesisJson);
  if (faucet) await writeFileAtomic(join(o.home, "faucet.json"), JSON.stringify(faucet, null, 2) + "\n", 0o600);
  return {
    chainId: o.chainId,
    genesisPath,
    nodes: nodes.map(({ moniker, home, peerId, p2p, api }) => ({ moniker, home, peerId, p2p, api })),
    denom,
    bech32Prefix: ACCOUNT_ADDRESS_PREFIX,
    faucet,
  };
}

/** Copies the circuit's artifacts into `<home>/zk/` (each under a temporary name, then renamed). */
async function copyZkArtifacts(home: string, zk: { wasm: string; zkey: string }): Promise<{ wasm: string; zkey: string }> {
  const dir = join(home, "zk");
  await mkdir(dir, { recursive: true });
  const copy = async (from: string): Promise<string> => {
    const to = join(dir, basename(from));
    await copyFile(from, `${to}.tmp`);
    await rename(`${to}.tmp`, to);
    return to;
  };
  return { wasm: await copy(zk.wasm), zkey: await copy(zk.zkey) };
}
