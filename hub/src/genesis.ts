import {
  AegisError,
  CanonicalWriter,
  createValidatorSet,
  fromHex,
  isValidBlsProofOfPossession,
  isZkCircuitName,
  parseZkVerificationKey,
  MAX_TOTAL_POWER,
  sha256,
  toHex,
  ZK_MAX_CAPACITY,
  ValidatorSetError,
  ZkCertificateError,
  type Groth16VerificationKey,
  type ValidatorSet,
} from "@aegis/consumer-sdk";
import { DEFAULT_TIMEOUTS, type TimeoutConfig } from "./consensus/roundState.js";
import { ACCOUNT_ADDRESS_PREFIX, fromBech32, isValidDenom, parseCoins, TxError } from "./tx/index.js";
import { DEC_ONE, parseDec } from "./app/modules/staking/dec.js";
import { computeMaxStakedTokens, DEFAULT_STAKING_PARAMS } from "./app/modules/staking/params.js";
import { assertValidDenomMetadata } from "./app/modules/bank.js";

/** genesis.json as written by `aegis init` and read by every node. */
export interface GenesisFile {
  chainId: string;
  /** Unix ms; the first block's time must be later. */
  genesisTime: number;
  /**
   * The consensus genesis set. `proofOfPossession` is the BLS key's proof bound to `operator` (the
   * operator's account, aegis1…; SDK `createBlsProofOfPossession(secretKey, operator)`); with
   * `appState.validators`, a validator listed there with the same key must have the same operator.
   */
  validators: GenesisConsensusValidator[];
  consensus?: { timeouts?: Partial<TimeoutConfig> };
  /** Initial application state; without it the node runs opaque transactions (PlaceholderApplication). */
  appState?: AppGenesis;
  /** Succinct (ZK) finality certificates; absent: the chain makes none. Needs `appState` (attestation keys come from staking). */
  zk?: ZkGenesis;
}

/**
 * The chain's succinct-certificate circuit. Part of the genesis (and its hash) because the
 * verification key decides which proofs every node accepts: a prover with a key of its own setup
 * could forge any certificate.
 */
export interface ZkGenesis {
  /** Circuit name (circuits/circuits.json), e.g. "quorum8". */
  circuit: string;
  /** Its number of validator slots (a power of two); `appState.staking.maxValidators` must not exceed it. */
  capacity: number;
  /** The circuit's Groth16 verification key as snarkjs exports it; omit it to set it later (`authority`). */
  verificationKey?: Groth16VerificationKey;
  /**
   * Instead of `verificationKey`: the account (aegis1…) that sets the key once, after genesis, with
   * MsgActivateZk (decision 58). Until then the chain makes no ZK certificates; after it, it does, and
   * light clients adopt the key from the hub's certified state.
   */
  authority?: string;
  /**
   * Validators attest the first block of each window of this many ms of block time, and the last
   * block of every epoch (default 2000). Deterministic, so every validator attests the same heights.
   */
  attestationIntervalMs?: number;
  /** Minted to the prover of each certificate recorded in the state (MsgSubmitZkCertificate), in the staking denom's base unit (default "0"). */
  proverReward?: string;
}

/** The parsed `zk` section. */
export interface ZkGenesisParams {
  circuit: string;
  capacity: number;
  /** Null when the genesis leaves it to `authority` (MsgActivateZk). */
  verificationKey: Groth16VerificationKey | null;
  /** The account that may set the key (20 bytes), null when the genesis has the key. */
  authority: Uint8Array | null;
  attestationIntervalMs: number;
  proverReward: string;
  epochLength: number;
}

/** A consensus genesis validator as genesis.json lists it (hex keys, decimal power). */
export interface GenesisConsensusValidator {
  moniker: string;
  /** The operator's account (aegis1…) the proof of possession is bound to. */
  operator: string;
  blsPublicKey: string;
  proofOfPossession: string;
  power: string;
}

export const DEFAULT_ATTESTATION_INTERVAL_MS = 2000;
/** Blocks per epoch when the genesis does not say. */
export const DEFAULT_EPOCH_LENGTH = 100;

/** Initial application state: the staking denom, funded accounts, epochs and the genesis validators. */
export interface AppGenesis {
  denom: string;
  accounts: { address: string; coins: { denom: string; amount: string }[] }[];
  /** Blocks per epoch: staking changes reach the consensus validator set at epoch boundaries (default 100). */
  epochLength?: number;
  /**
   * Genesis validators, created like transactions (gentxs): each operator account must hold its
   * self-delegation. They form epoch 0's set, which must be the consensus genesis set.
   */
  validators?: GenesisValidator[];
  /** Staking parameters that differ from the defaults (21-day unbonding, 100 active validators, 7 entries). */
  staking?: { unbondingTimeMs?: number; maxValidators?: number; maxEntries?: number };
  /**
   * Slashing parameters that differ from the defaults (window 100, min signed "0.5", jail 10 min,
   * double sign "0.05", downtime "0.0001"). Fractions are decimal strings with a point.
   */
  slashing?: {
    signedBlocksWindow?: number;
    minSignedPerWindow?: string;
    downtimeJailDurationMs?: number;
    slashFractionDoubleSign?: string;
    slashFractionDowntime?: string;
    /** How long a fork case's obligation stays open, in ms (default one day; decision 52). */
    forkCaseResponseMs?: number;
  };
  /**
   * Consumer chains. `minBond`: the least bond a MsgRegisterConsumer must lock, in the staking denom
   * (default "10000000"). `checkpointFee`: the protocol fee of each accepted checkpoint, paid by its
   * relayer in the staking denom (default "1000"; "0": none). `proverShare`: the fraction of it that
   * goes to the prover of the ZK certificate covering the checkpoint, the rest to the validators who
   * sign its block's commit (a decimal string, at most 3 decimals, in [0, 1]; default "0.2" with a
   * `zk` section, and only "0" without one: nobody proves).
   */
  consumers?: { minBond?: string; checkpointFee?: string; proverShare?: string };
  /**
   * Bank. `denomMetadata`: what wallets show for each denom (the SDK's bank Metadata: units with
   * their exponents, the display unit, name, symbol). Absent: the staking denom's default, for
   * "uaeg" base uaeg, display aeg with exponent 6 (createDefaultDenomMetadata).
   */
  bank?: { denomMetadata?: GenesisDenomMetadata[] };
}

/** cosmos.bank.v1beta1.Metadata in the genesis file (camelCase, as the rest of appState). */
export interface GenesisDenomMetadata {
  description?: string;
  denomUnits: { denom: string; exponent: number; aliases?: string[] }[];
  base: string;
  display: string;
  name: string;
  symbol: string;
  uri?: string;
  uriHash?: string;
}

export interface GenesisValidator {
  moniker: string;
  /** The operator's account (aegis1…); the operator address is its aegisvaloper form. */
  operator: string;
  /** Hex. */
  blsPublicKey: string;
  blsProofOfPossession: string;
  attestationPublicKey: string;
  attestationProofOfPossession: string;
  /** Self-delegation in the staking denom. */
  selfDelegation: string;
  commissionRate?: string;
  commissionMaxRate?: string;
  commissionMaxChangeRate?: string;
}

export interface Genesis {
  chainId: string;
  genesisTime: number;
  validatorSet: ValidatorSet;
  monikers: Map<string, string>;
  timeouts: TimeoutConfig;
  appState: AppGenesis | null;
  /** The succinct-certificate circuit, null when the chain makes no ZK certificates. */
  zk: ZkGenesisParams | null;
  /** SHA-256 of the canonical genesis encoding; a node refuses a data folder made for another one. */
  hash: Uint8Array;
}

export type GenesisErrorType =
  | { code: "GENESIS_ERROR_INVALID"; field: string; reason: string }
  /**
   * The accounts hold more of the staking denom than may ever be staked: `supply` / powerReduction
   * would be more than MAX_TOTAL_POWER, so a delegation could take the validator set over the cap.
   */
  | { code: "GENESIS_ERROR_SUPPLY_TOO_LARGE"; denom: string; supply: bigint; max: bigint };
export class GenesisError extends AegisError<GenesisErrorType> {}

const CHAIN_ID_RE = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,49}$/;

/** Checks and converts a parsed genesis file (keys must carry valid proofs of possession). */
export function parseGenesis(raw: unknown): Genesis {
  const g = raw as GenesisFile;
  const bad = (field: string, reason: string) => new GenesisError({ code: "GENESIS_ERROR_INVALID", field, reason }, `genesis.${field}: ${reason}`);
  if (!g || typeof g !== "object") throw bad("", "not an object");
  if (typeof g.chainId !== "string" || !CHAIN_ID_RE.test(g.chainId)) throw bad("chainId", "1-50 characters of [a-zA-Z0-9._-]");
  if (!Number.isSafeInteger(g.genesisTime) || g.genesisTime < 0) throw bad("genesisTime", "Unix milliseconds");
  if (!Array.isArray(g.validators) || g.validators.length === 0) throw bad("validators", "at least one validator");
  const monikers = new Map<string, string>();
  const inputs = g.validators.map((v, i) => {
    let power: bigint;
    try {
      power = BigInt(v.power);
    } catch {
      throw bad(`validators[${i}].power`, "an integer string");
    }
    const blsPublicKey = fromHex(String(v.blsPublicKey), `validators[${i}].blsPublicKey`);
    monikers.set(toHex(blsPublicKey), String(v.moniker ?? `validator-${i}`));
    const operator = parseOperator(v.operator, `validators[${i}].operator`, bad);
    return { blsPublicKey, power, operator, proofOfPossession: fromHex(String(v.proofOfPossession), `validators[${i}].proofOfPossession`) };
  });
  let validatorSet: ValidatorSet;
  try {
    validatorSet = createValidatorSet(inputs);
  } catch (e) {
    if (e instanceof ValidatorSetError && e.type.code === "VALSET_ERROR_INVALID_PROOF_OF_POSSESSION") {
      const i = e.type.index;
      throw bad(`validators[${i}].proofOfPossession`, `does not prove possession of blsPublicKey for operator ${g.validators[i]!.operator} (the proof signs ${BLS_POP_MESSAGE_DESCRIPTION})`);
    }
    throw e;
  }
  const timeouts = { ...DEFAULT_TIMEOUTS, ...(g.consensus?.timeouts ?? {}) };
  for (const [k, v] of Object.entries(timeouts)) if (!Number.isSafeInteger(v) || v < 0) throw bad(`consensus.timeouts.${k}`, "non-negative integer ms");
  const appState = g.appState === undefined ? null : parseAppGenesis(g.appState, bad);
  if (appState?.validators) assertSameOperators(g.validators, inputs, appState.validators, bad);
  const zk = g.zk === undefined ? null : parseZkGenesis(g.zk, appState, bad);
  const proverShare = appState?.consumers?.proverShare;
  if (!zk && proverShare !== undefined && parseProverSharePermille(proverShare) !== 0) {
    throw bad("appState.consumers.proverShare", "must be \"0\" without a zk section: no certificates, nobody to pay the share to");
  }
  const w = new CanonicalWriter().string("aegis/genesis/v1").string(g.chainId).u64(g.genesisTime, "genesisTime").u32(inputs.length, "count");
  for (const v of validatorSet.validators) w.fixed(v.blsPublicKey, 48, "blsPublicKey").u64(v.power, "power");
  for (const k of Object.keys(DEFAULT_TIMEOUTS) as (keyof TimeoutConfig)[]) w.u64(timeouts[k], k);
  w.string(appState ? JSON.stringify(appState) : "");
  // Appended only when present, so the hash of a genesis without it is what it was before.
  if (zk) {
    const pending = zk.authority ? { authority: toHex(zk.authority) } : {};
    w.string(JSON.stringify({ circuit: zk.circuit, capacity: zk.capacity, attestationIntervalMs: zk.attestationIntervalMs, proverReward: zk.proverReward, verificationKey: zk.verificationKey, ...pending }));
  }
  return { chainId: g.chainId, genesisTime: g.genesisTime, validatorSet, monikers, timeouts, appState, zk, hash: sha256(w.finish()) };
}

const BLS_POP_MESSAGE_DESCRIPTION = "aegis/bls-pop/v2 ‖ key ‖ the operator's 20 bytes";

/** An operator account address (aegis1…, 20 bytes). */
function parseOperator(raw: unknown, field: string, bad: (field: string, reason: string) => GenesisError): Uint8Array {
  try {
    return fromBech32(String(raw ?? ""), ACCOUNT_ADDRESS_PREFIX, { lengths: [20] });
  } catch (e) {
    if (e instanceof TxError) throw bad(field, `the operator's account address (${ACCOUNT_ADDRESS_PREFIX}1…, 20 bytes) its BLS proof of possession is bound to: ${e.log}`);
    throw e;
  }
}

/**
 * The consensus set and the staking genesis describe one set: a key listed in both must have the
 * same operator in both (each proof of possession is bound to its operator, so a key cannot be
 * claimed by one operator in the consensus list and another in the staking genesis).
 */
function assertSameOperators(
  raw: readonly GenesisConsensusValidator[],
  inputs: readonly { blsPublicKey: Uint8Array; operator: Uint8Array }[],
  stakingValidators: readonly GenesisValidator[],
  bad: (field: string, reason: string) => GenesisError,
): void {
  const byKey = new Map(stakingValidators.map((v, i) => [String(v.blsPublicKey).replace(/^0x/, "").toLowerCase(), i]));
  inputs.forEach((v, i) => {
    const j = byKey.get(toHex(v.blsPublicKey));
    if (j === undefined) return;
    const staking = stakingValidators[j]!;
    if (toHex(parseOperator(staking.operator, `appState.validators[${j}].operator`, bad)) !== toHex(v.operator)) {
      throw bad(`validators[${i}].operator`, `${raw[i]!.operator}, but appState.validators[${j}] has the same BLS key with operator ${staking.operator}`);
    }
  });
}


function parseZkGenesis(raw: unknown, appState: AppGenesis | null, bad: (field: string, reason: string) => GenesisError): Genesis["zk"] {
  const z = raw as ZkGenesis;
  if (!z || typeof z !== "object" || Array.isArray(z)) throw bad("zk", "an object");
  if (!appState) throw bad("zk", "needs appState: attestation keys come from the staking validators");
  if (!isZkCircuitName(z.circuit)) throw bad("zk.circuit", "a circuit name (1-64 of a-z 0-9 _ -)");
  if (!Number.isSafeInteger(z.capacity) || z.capacity < 1 || z.capacity > ZK_MAX_CAPACITY || (z.capacity & (z.capacity - 1)) !== 0) {
    throw bad("zk.capacity", `a power of two from 1 to ${ZK_MAX_CAPACITY}`);
  }
  const maxValidators = appState.staking?.maxValidators;
  if (maxValidators === undefined || maxValidators > z.capacity) {
    throw bad("appState.staking.maxValidators", `must be set, and at most zk.capacity (${z.capacity}): the circuit holds no more validators`);
  }
  if ((appState.validators?.length ?? 0) > z.capacity) throw bad("appState.validators", `more than zk.capacity (${z.capacity})`);
  const interval = z.attestationIntervalMs ?? DEFAULT_ATTESTATION_INTERVAL_MS;
  if (!Number.isSafeInteger(interval) || interval < 1) throw bad("zk.attestationIntervalMs", "a positive integer (ms)");
  if ((z.verificationKey === undefined) === (z.authority === undefined)) {
    throw bad("zk", "either verificationKey (the key, at genesis) or authority (the account that sets it later with MsgActivateZk)");
  }
  let verificationKey: Groth16VerificationKey | null = null;
  let authority: Uint8Array | null = null;
  if (z.verificationKey !== undefined) {
    try {
      // Only the fields a verifier reads, in a fixed order (the genesis hash does not depend on extra fields).
      verificationKey = parseZkVerificationKey(z.verificationKey, "zk.verificationKey");
    } catch (e) {
      if (e instanceof ZkCertificateError) throw bad("zk.verificationKey", e.message);
      throw e;
    }
  } else {
    try {
      authority = fromBech32(String(z.authority), ACCOUNT_ADDRESS_PREFIX, { lengths: [20] });
    } catch (e) {
      if (e instanceof TxError) throw bad("zk.authority", `an account address (${ACCOUNT_ADDRESS_PREFIX}1…, 20 bytes): ${e.log}`);
      throw e;
    }
  }
  const proverReward = z.proverReward ?? "0";
  if (typeof proverReward !== "string" || !/^(0|[1-9][0-9]{0,30})$/.test(proverReward)) throw bad("zk.proverReward", 'an integer amount string, e.g. "1000000"');
  return { circuit: z.circuit, capacity: z.capacity, verificationKey, authority, attestationIntervalMs: interval, proverReward, epochLength: appState.epochLength ?? DEFAULT_EPOCH_LENGTH };
}

function parseAppGenesis(raw: unknown, bad: (field: string, reason: string) => GenesisError): AppGenesis {
  const a = raw as AppGenesis;
  if (!a || typeof a !== "object") throw bad("appState", "not an object");
  if (typeof a.denom !== "string" || !isValidDenom(a.denom)) throw bad("appState.denom", "a valid denom");
  if (!Array.isArray(a.accounts)) throw bad("appState.accounts", "a list");
  const seen = new Set<string>();
  const accounts = a.accounts.map((acc, i) => {
    const field = `appState.accounts[${i}]`;
    try {
      fromBech32(String(acc.address), ACCOUNT_ADDRESS_PREFIX, { lengths: [20] });
      if (!Array.isArray(acc.coins)) throw bad(`${field}.coins`, "a list");
      parseCoins(acc.coins, `${field}.coins`);
    } catch (e) {
      if (e instanceof TxError) throw bad(field, e.log);
      throw e;
    }
    if (seen.has(acc.address)) throw bad(`${field}.address`, "duplicate account");
    seen.add(acc.address);
    // Canonical form (field order, sorted coins) so the genesis hash does not depend on formatting.
    return { address: acc.address, coins: [...acc.coins].map((c) => ({ denom: c.denom, amount: c.amount })).sort((x, y) => (x.denom < y.denom ? -1 : 1)) };
  });
  assertValidGenesisSupply(a.denom, accounts);
  if (a.epochLength !== undefined && (!Number.isSafeInteger(a.epochLength) || a.epochLength < 1)) throw bad("appState.epochLength", "a positive integer");
  const validators = (a.validators ?? []).map((v, i) => {
    const field = `appState.validators[${i}]`;
    for (const k of ["moniker", "operator", "blsPublicKey", "blsProofOfPossession", "attestationPublicKey", "attestationProofOfPossession", "selfDelegation"] as const) {
      if (typeof v[k] !== "string" || v[k] === "") throw bad(`${field}.${k}`, "a non-empty string");
    }
    // The BLS proof must be for this operator (as MsgCreateValidator's); checked here for a clear error before any state is written.
    const operator = parseOperator(v.operator, `${field}.operator`, bad);
    const blsPublicKey = fromHex(v.blsPublicKey, `${field}.blsPublicKey`);
    if (!isValidBlsProofOfPossession(blsPublicKey, operator, fromHex(v.blsProofOfPossession, `${field}.blsProofOfPossession`))) {
      throw bad(`${field}.blsProofOfPossession`, `does not prove possession of blsPublicKey for operator ${v.operator} (the proof signs ${BLS_POP_MESSAGE_DESCRIPTION})`);
    }
    return { ...v };
  });
  const staking = a.staking === undefined ? undefined : pickParams(a.staking, "appState.staking", { unbondingTimeMs: "int", maxValidators: "int", maxEntries: "int" }, bad);
  const slashing =
    a.slashing === undefined
      ? undefined
      : pickParams(
          a.slashing,
          "appState.slashing",
          { signedBlocksWindow: "int", minSignedPerWindow: "dec", downtimeJailDurationMs: "int", slashFractionDoubleSign: "dec", slashFractionDowntime: "dec", forkCaseResponseMs: "int" },
          bad,
        );
  let consumers: AppGenesis["consumers"];
  if (a.consumers !== undefined) {
    const c = a.consumers as Record<string, unknown>;
    if (!c || typeof c !== "object" || Array.isArray(c)) throw bad("appState.consumers", "an object");
    const known = ["minBond", "checkpointFee", "proverShare"];
    for (const k of Object.keys(c)) if (!known.includes(k)) throw bad(`appState.consumers.${k}`, `unknown parameter (known: ${known.join(", ")})`);
    if (c.minBond !== undefined && (typeof c.minBond !== "string" || !/^[1-9][0-9]{0,76}$/.test(c.minBond))) {
      throw bad("appState.consumers.minBond", 'a positive integer amount string in the staking denom, e.g. "10000000"');
    }
    if (c.checkpointFee !== undefined && (typeof c.checkpointFee !== "string" || !/^(0|[1-9][0-9]{0,76})$/.test(c.checkpointFee))) {
      throw bad("appState.consumers.checkpointFee", 'a non-negative integer amount string in the staking denom, e.g. "1000"');
    }
    if (c.proverShare !== undefined && (typeof c.proverShare !== "string" || parseProverSharePermille(c.proverShare) === undefined)) {
      throw bad("appState.consumers.proverShare", 'a fraction in [0, 1] as a decimal string with at most 3 decimals, e.g. "0.2"');
    }
    // Canonical form (fixed key order, only the keys given) for the genesis hash.
    consumers = {
      ...(c.minBond !== undefined ? { minBond: c.minBond as string } : {}),
      ...(c.checkpointFee !== undefined ? { checkpointFee: c.checkpointFee as string } : {}),
      ...(c.proverShare !== undefined ? { proverShare: c.proverShare as string } : {}),
    };
  }
  if (staking?.maxValidators !== undefined && (staking.maxValidators as number) < 1) throw bad("appState.staking.maxValidators", "at least 1");
  if (staking?.maxEntries !== undefined && (staking.maxEntries as number) < 1) throw bad("appState.staking.maxEntries", "at least 1");
  if (slashing?.signedBlocksWindow !== undefined && (slashing.signedBlocksWindow as number) < 1) throw bad("appState.slashing.signedBlocksWindow", "at least 1");
  if (slashing?.forkCaseResponseMs !== undefined && (slashing.forkCaseResponseMs as number) < 1) throw bad("appState.slashing.forkCaseResponseMs", "at least 1 (ms)");
  for (const k of ["minSignedPerWindow", "slashFractionDoubleSign", "slashFractionDowntime"] as const) {
    const d = slashing?.[k] === undefined ? undefined : parseDec(slashing[k] as string)!;
    if (d !== undefined && d > DEC_ONE) throw bad(`appState.slashing.${k}`, "a fraction in [0, 1]");
  }
  const bank = a.bank === undefined ? undefined : parseBankGenesis(a.bank, bad);
  return {
    denom: a.denom,
    accounts,
    ...(a.epochLength !== undefined ? { epochLength: a.epochLength } : {}),
    ...(validators.length ? { validators } : {}),
    ...(staking ? { staking } : {}),
    ...(slashing ? { slashing } : {}),
    ...(consumers ? { consumers } : {}),
    ...(bank ? { bank } : {}),
  };
}

/** appState.bank: each metadata checked as the SDK's Metadata.Validate, one per base denom; canonical key order for the genesis hash. */
function parseBankGenesis(raw: unknown, bad: (field: string, reason: string) => GenesisError): NonNullable<AppGenesis["bank"]> {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw bad("appState.bank", "an object");
  const b = raw as Record<string, unknown>;
  for (const k of Object.keys(b)) if (k !== "denomMetadata") throw bad(`appState.bank.${k}`, "unknown field (known: denomMetadata)");
  if (b.denomMetadata === undefined) return {};
  if (!Array.isArray(b.denomMetadata)) throw bad("appState.bank.denomMetadata", "a list");
  const bases = new Set<string>();
  const str = (v: unknown, field: string, optional: boolean): string => {
    if (v === undefined && optional) return "";
    if (typeof v !== "string") throw bad(field, "a string");
    return v;
  };
  const denomMetadata = (b.denomMetadata as unknown[]).map((m, i): GenesisDenomMetadata => {
    const field = `appState.bank.denomMetadata[${i}]`;
    if (!m || typeof m !== "object" || Array.isArray(m)) throw bad(field, "an object");
    const r = m as Record<string, unknown>;
    const known = ["description", "denomUnits", "base", "display", "name", "symbol", "uri", "uriHash"];
    for (const k of Object.keys(r)) if (!known.includes(k)) throw bad(`${field}.${k}`, `unknown field (known: ${known.join(", ")})`);
    if (!Array.isArray(r.denomUnits)) throw bad(`${field}.denomUnits`, "a list");
    const denomUnits = (r.denomUnits as unknown[]).map((u, j) => {
      const uf = `${field}.denomUnits[${j}]`;
      const ur = (u ?? {}) as Record<string, unknown>;
      if (!Number.isSafeInteger(ur.exponent) || (ur.exponent as number) < 0 || (ur.exponent as number) > 0xffffffff) throw bad(`${uf}.exponent`, "a non-negative integer");
      if (ur.aliases !== undefined && (!Array.isArray(ur.aliases) || ur.aliases.some((x) => typeof x !== "string"))) throw bad(`${uf}.aliases`, "a list of strings");
      return { denom: str(ur.denom, `${uf}.denom`, false), exponent: ur.exponent as number, aliases: [...((ur.aliases as string[] | undefined) ?? [])] };
    });
    const out: GenesisDenomMetadata = {
      description: str(r.description, `${field}.description`, true),
      denomUnits,
      base: str(r.base, `${field}.base`, false),
      display: str(r.display, `${field}.display`, false),
      name: str(r.name, `${field}.name`, false),
      symbol: str(r.symbol, `${field}.symbol`, false),
      uri: str(r.uri, `${field}.uri`, true),
      uriHash: str(r.uriHash, `${field}.uriHash`, true),
    };
    try {
      assertValidDenomMetadata({ ...out, denomUnits, description: out.description ?? "", uri: out.uri ?? "", uriHash: out.uriHash ?? "" });
    } catch (e) {
      throw bad(field, (e as Error).message);
    }
    if (bases.has(out.base)) throw bad(`${field}.base`, `duplicate client metadata for denom ${out.base}`);
    bases.add(out.base);
    return out;
  });
  return { denomMetadata };
}

/**
 * appState.consumers.proverShare in per mille: "0.2" -> 200, "1" -> 1000, "0.125" -> 125; undefined
 * for anything but a decimal string with at most 3 decimals in [0, 1].
 */
export function parseProverSharePermille(share: string): number | undefined {
  const m = /^([01])(?:\.([0-9]{1,3}))?$/.exec(share);
  if (!m) return undefined;
  const permille = Number(m[1]) * 1000 + Number((m[2] ?? "").padEnd(3, "0"));
  return permille <= 1000 ? permille : undefined;
}

/**
 * Refuses (GENESIS_ERROR_SUPPLY_TOO_LARGE) a genesis whose accounts hold more of the staking denom
 * than computeMaxStakedTokens: then even with everything staked no validator set can exceed
 * MAX_TOTAL_POWER (the genesis validators' self-delegations come out of these balances). Supply can
 * still grow later (block rewards, prover rewards); the staking messages check the cap themselves.
 */
function assertValidGenesisSupply(denom: string, accounts: AppGenesis["accounts"]): void {
  const powerReduction = DEFAULT_STAKING_PARAMS.powerReduction; // appState.staking cannot change it
  let supply = 0n;
  for (const acc of accounts) for (const c of acc.coins) if (c.denom === denom) supply += BigInt(c.amount);
  const max = computeMaxStakedTokens(powerReduction);
  if (supply > max) {
    throw new GenesisError(
      { code: "GENESIS_ERROR_SUPPLY_TOO_LARGE", denom, supply, max },
      `genesis.appState.accounts: ${supply}${denom} in total is more than ${max}${denom}, the most that may be staked (total power = tokens / ${powerReduction} at most ${MAX_TOTAL_POWER})`,
    );
  }
}

/** Keeps the known keys of a parameter object (in a fixed order, for the genesis hash), each checked. */
function pickParams(
  raw: unknown,
  field: string,
  kinds: Record<string, "int" | "dec">,
  bad: (field: string, reason: string) => GenesisError,
): Record<string, number | string> {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw bad(field, "an object");
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r)) if (!(k in kinds)) throw bad(`${field}.${k}`, `unknown parameter (known: ${Object.keys(kinds).join(", ")})`);
  const out: Record<string, number | string> = {};
  for (const [k, kind] of Object.entries(kinds)) {
    const v = r[k];
    if (v === undefined) continue;
    if (kind === "int" && (!Number.isSafeInteger(v) || (v as number) < 0)) throw bad(`${field}.${k}`, "a non-negative integer");
    if (kind === "dec" && (typeof v !== "string" || !v.includes(".") || parseDec(v) === undefined)) throw bad(`${field}.${k}`, 'a decimal string with a point, such as "0.05"');
    out[k] = v as number | string;
  }
  return out;
}
