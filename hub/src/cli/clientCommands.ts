import { Option, type Command } from "commander";
import { defaultRegistryTypes, GasPrice, SigningStargateClient, StargateClient, type DeliverTxResponse } from "@cosmjs/stargate";
import { connectComet, type CometClient } from "@cosmjs/tendermint-rpc";
import { existsSync } from "node:fs";
import { Registry, type EncodeObject } from "@cosmjs/proto-signing";
import { MsgUnjail } from "cosmjs-types/cosmos/slashing/v1beta1/tx";
import { bytesEqual, createBlsKeyPair, createBlsProofOfPossession } from "@aegis/consumer-sdk";
import { createAttestationKeyPair, createAttestationProofOfPossession } from "../attestation/index.js";
import { AegisMsgCreateValidator } from "../app/modules/staking/index.js";
import { encodeValidatorKeyFile, readValidatorKeyFile, writeFileAtomic } from "../node/nodeConfig.js";
import { ACCOUNT_ADDRESS_PREFIX, toBech32, VALIDATOR_OPERATOR_ADDRESS_PREFIX } from "../tx/index.js";
import { CliError } from "./cliError.js";
import { describeDefaultNode, getDefaultNode } from "./defaultNode.js";
import { defaultKeyringDir, Keyring, type KeyringBackend } from "./keyring.js";
import { getDeliverTxError, toCliError, type NodeErrorContext } from "./nodeErrors.js";
import { confirmBroadcast, createProcessPromptIo, getKeyringPassword, KEYRING_PASSWORD_ENV, type PromptIo } from "./prompts.js";
import { addQueryCommands } from "./queryCommands.js";
import {
  assertSufficientFunds,
  assertValidAddressArg,
  assertValidGasPriceArg,
  computeFee,
  formatCoins,
  getAddressArg,
  parseCoinArg,
  parseCoinsArg,
  parseFeesArg,
  parseGasArg,
  type Coin,
} from "./txArgs.js";

export { DEFAULT_NODE_RPC } from "./defaultNode.js";
export const DEFAULT_GAS_PRICES = "0.025uaeg";
/** cosmjs' "auto" gas: the simulated gas × this. */
export const GAS_ADJUSTMENT = 1.4;

/** What the client commands read from their surroundings (tests pass their own). */
export interface ClientEnv {
  env: NodeJS.ProcessEnv;
  cwd: string;
  io: PromptIo;
}

export function createProcessClientEnv(): ClientEnv {
  return { env: process.env, cwd: process.cwd(), io: createProcessPromptIo() };
}

interface KeyringOpts {
  keyringDir?: string;
  keyringBackend?: KeyringBackend;
}

interface NodeOpts {
  node?: string;
}

interface TxOpts extends KeyringOpts, NodeOpts {
  gas: string;
  gasPrices?: string;
  fees?: string;
  chainId?: string;
  yes?: boolean;
  memo: string;
}

function print(x: unknown): void {
  console.log(JSON.stringify(x, jsonReplacer, 2));
}

function jsonReplacer(_k: string, v: unknown): unknown {
  return typeof v === "bigint" ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v;
}

/** `aegis keys …`, `aegis tx …`, `aegis query …`: client commands built on cosmjs, talking to a node's RPC. */
export function addClientCommands(program: Command, ctx: ClientEnv = createProcessClientEnv()): void {
  const keyring = (o: KeyringOpts): Keyring =>
    new Keyring(o.keyringDir ?? defaultKeyringDir(), (purpose, name) => getKeyringPassword(purpose, name, ctx.env, ctx.io));
  const keyringOptions = (cmd: Command): Command =>
    cmd
      .option("--keyring-dir <dir>", "keyring folder", defaultKeyringDir())
      .addOption(
        new Option("--keyring-backend <backend>", `file (encrypted: password from $${KEYRING_PASSWORD_ENV}, else asked on a terminal) | test (plain text, devnets)`)
          .choices(["file", "test"])
          .default("file"),
      );
  const nodeHelp = `a node's CometBFT-compatible RPC (${describeDefaultNode(ctx.env, ctx.cwd)})`;
  const nodeOption = (cmd: Command): Command => cmd.option("--node <url>", nodeHelp);
  /** The --node URL, else the devnet's node0, else the default. */
  const nodeUrl = (o: NodeOpts): string => {
    if (o.node === undefined) return getDefaultNode(ctx.env, ctx.cwd).rpc;
    if (!/^(https?|wss?):\/\/[^/\s]+/.test(o.node)) {
      throw new CliError({ code: "CLI_ERROR_INVALID_OPTION", option: "--node", value: o.node, reason: "not an http(s) or ws(s) URL" }, `--node ${JSON.stringify(o.node)} is not a node's RPC URL (e.g. http://127.0.0.1:26756/rpc)`);
    }
    return o.node;
  };

  const keys = program.command("keys").description("manage local keys (secp256k1, bech32 prefix aegis)");
  keyringOptions(keys.command("add <name>").description("create a key (prints its mnemonic once) or recover one with --recover"))
    .option("--recover", "read a mnemonic from $AEGIS_MNEMONIC instead of generating one")
    .action(async (name: string, o: KeyringOpts & { recover?: boolean }) => {
      const mnemonic = o.recover ? ctx.env.AEGIS_MNEMONIC : undefined;
      if (o.recover && !mnemonic) throw new Error("--recover reads the mnemonic from $AEGIS_MNEMONIC, which is empty");
      const r = await keyring(o).add(name, { mnemonic, backend: o.keyringBackend ?? "file" });
      print(o.recover ? { name, address: r.address } : { name, address: r.address, mnemonic: r.mnemonic, note: "write the mnemonic down: it is the only way to recover this key" });
    });
  keyringOptions(keys.command("list").description("list keys")).action(async (o: KeyringOpts) => print(await keyring(o).list()));
  keyringOptions(keys.command("show <name>").description("show a key's address (no password needed)"))
    .option("-a, --address", "print the address only")
    .addOption(new Option("--bech <kind>", "acc: the account address (aegis1…); val: its validator operator address (aegisvaloper1…)").choices(["acc", "val"]).default("acc"))
    .action(async (name: string, o: KeyringOpts & { address?: boolean; bech: "acc" | "val" }) => {
      const account = await keyring(o).address(name);
      const address = o.bech === "val" ? toBech32(VALIDATOR_OPERATOR_ADDRESS_PREFIX, getAddressArg("<name>", account)) : account;
      if (o.address) console.log(address);
      else print({ name, address });
    });

  keys
    .command("validator-key <file>")
    .description(
      "create a validator's signing keys (BLS and BabyJubJub attestation; mode 0600) for create-validator and a node's keys/priv_validator_key.json, " +
        "with their proofs of possession for --operator (bound to it: the file serves that operator only)",
    )
    .requiredOption("--operator <address>", "the operator's account (aegis1…, the key create-validator is sent from) or its aegisvaloper1… address")
    .option("--force", "overwrite an existing file", false)
    .action(async (file: string, o: { operator: string; force: boolean }) => {
      const operator = getAddressArg("--operator", o.operator, o.operator.startsWith(VALIDATOR_OPERATOR_ADDRESS_PREFIX) ? VALIDATOR_OPERATOR_ADDRESS_PREFIX : ACCOUNT_ADDRESS_PREFIX);
      if (operator.length !== 20) throw new CliError({ code: "CLI_ERROR_INVALID_ADDRESS", argument: "--operator", address: o.operator, reason: "an operator is a 20-byte account" }, `--operator ${JSON.stringify(o.operator)}: an operator is a 20-byte account (aegis1…)`);
      if (!o.force && existsSync(file)) throw new CliError({ code: "CLI_ERROR_FILE_EXISTS", path: file }, `${file} exists; pass --force to overwrite it (the keys in it are lost)`);
      const bls = createBlsKeyPair();
      const attestation = createAttestationKeyPair();
      const text = encodeValidatorKeyFile({ blsSecretKey: bls.secretKey, attestation, operator });
      await writeFileAtomic(file, text, 0o600);
      // The public part: what a genesis (appState.validators, validators) needs from this validator.
      const { operator: account, blsPublicKey, blsProofOfPossession, attestationPublicKey, attestationProofOfPossession } = JSON.parse(text) as Record<string, string>;
      print({ file, operator: account, operatorAddress: toBech32(VALIDATOR_OPERATOR_ADDRESS_PREFIX, operator), blsPublicKey, blsProofOfPossession, attestationPublicKey, attestationProofOfPossession });
    });

  const txOptions = (c: Command): Command =>
    nodeOption(keyringOptions(c))
      .option("--gas <gas>", '"auto" (simulate × 1.4) or a gas limit', "auto")
      .option("--gas-prices <price>", `gas price; the fee is gas × price (default ${DEFAULT_GAS_PRICES})`)
      .option("--fees <coins>", "the fee to pay instead of gas × --gas-prices, e.g. 5000uaeg")
      .option("--chain-id <id>", "refuse to send unless the node's chain id is this one")
      .option("-y, --yes", "do not ask for confirmation before broadcasting (never asked without a terminal)")
      .option("--memo <text>", "memo", "");

  /**
   * Signs and broadcasts `msgs` from key `from`, after checking, in this order: the options, the key,
   * the node (reachable, --chain-id), that the balance covers `spend`, the password, the gas
   * (simulation), that the balance covers `spend` + the fee, and the user's confirmation. Prints the
   * result; a transaction that fails in its block exits 1.
   */
  const sendTx = async (
    from: string,
    o: TxOpts,
    build: (address: string) => { msgs: EncodeObject[]; spend: Coin[] },
    check?: (address: string) => void,
  ): Promise<void> => {
    const gas = parseGasArg(o.gas);
    if (o.fees !== undefined && o.gasPrices !== undefined) {
      throw new CliError({ code: "CLI_ERROR_INVALID_OPTION", option: "--fees", value: o.fees, reason: "cannot be given with --gas-prices" }, "pass --fees or --gas-prices, not both");
    }
    const fees = o.fees !== undefined ? parseFeesArg(o.fees) : undefined;
    const gasPrice = o.gasPrices ?? DEFAULT_GAS_PRICES;
    assertValidGasPriceArg(gasPrice);
    if (o.chainId !== undefined && o.chainId.trim() === "") {
      throw new CliError({ code: "CLI_ERROR_INVALID_OPTION", option: "--chain-id", value: o.chainId, reason: "empty" }, "--chain-id is empty");
    }
    const kr = keyring(o);
    const address = await kr.address(from);
    check?.(address);
    const { msgs, spend } = build(address);
    const url = nodeUrl(o);
    const errCtx: NodeErrorContext = { url, stage: "query", signer: { name: from, address } };
    let comet: CometClient;
    try {
      comet = await connectComet(url);
    } catch (e) {
      throw toCliError(e, errCtx);
    }
    try {
      const reader = StargateClient.create(comet);
      const chainId = await reader.getChainId();
      if (o.chainId !== undefined && o.chainId !== chainId) {
        throw new CliError(
          { code: "CLI_ERROR_CHAIN_ID_MISMATCH", expected: o.chainId, actual: chainId, url },
          `--chain-id ${o.chainId} does not match the chain of the node at ${url} (${chainId}); nothing was broadcast`,
        );
      }
      const balances = (await reader.getAllBalances(address)).map((c) => ({ denom: c.denom, amount: c.amount }));
      assertSufficientFunds(from, address, balances, spend, null);
      const { wallet, address: walletAddress } = await kr.wallet(from);
      if ((await wallet.getAccounts())[0]!.address !== walletAddress) throw new Error(`key ${from}: its stored address does not match its mnemonic`);
      const registry = new Registry([...defaultRegistryTypes, [AegisMsgCreateValidator.typeUrl, AegisMsgCreateValidator], [MsgUnjail.typeUrl, MsgUnjail]]);
      const client = SigningStargateClient.createWithSigner(comet, wallet, { registry, gasPrice: GasPrice.fromString(gasPrice), broadcastPollIntervalMs: 500 });
      errCtx.stage = "simulate";
      const gasLimit = gas === "auto" ? Math.round((await client.simulate(address, msgs, o.memo)) * GAS_ADJUSTMENT) : gas;
      const fee = computeFee(gasLimit, { fees, gasPrice });
      assertSufficientFunds(from, address, balances, spend, fee.amount);
      const summary = [
        `chain ${chainId} at ${url}`,
        `from ${from} (${address})`,
        "messages:",
        ...msgs.map((m, i) => `  ${i + 1}. ${m.typeUrl} ${JSON.stringify(m.value, jsonReplacer)}`),
        `fee ${formatCoins(fee.amount)}, gas limit ${fee.gas}`,
        ...(o.memo ? [`memo ${JSON.stringify(o.memo)}`] : []),
      ].join("\n");
      await confirmBroadcast(summary, o.yes === true, ctx.io);
      errCtx.stage = "broadcast";
      const r: DeliverTxResponse = await client.signAndBroadcast(address, msgs, fee, o.memo);
      print({ txhash: r.transactionHash, height: r.height, code: r.code, gasUsed: r.gasUsed, gasWanted: r.gasWanted, rawLog: r.rawLog });
      if (r.code !== 0) {
        const failed = getDeliverTxError(r, errCtx);
        console.error(`aegis: ${failed.message} [${failed.code}]`);
        process.exitCode = 1;
      }
    } catch (e) {
      throw toCliError(e, errCtx);
    } finally {
      comet.disconnect();
    }
  };

  const tx = program.command("tx").description("sign and broadcast transactions (on a terminal, asks for confirmation first; -y skips it)");
  const bank = tx.command("bank").description("bank transactions");
  txOptions(bank.command("send <from-key> <to-address> <amount>").description("send coins, e.g. aegis tx bank send alice aegis1… 1000uaeg")).action(
    async (from: string, to: string, amount: string, o: TxOpts) => {
      assertValidAddressArg("<to-address>", to);
      const coins = parseCoinsArg("<amount>", amount);
      await sendTx(from, o, (addr) => ({ msgs: [{ typeUrl: "/cosmos.bank.v1beta1.MsgSend", value: { fromAddress: addr, toAddress: to, amount: coins } }], spend: coins }));
    },
  );

  const staking = tx.command("staking").description("staking transactions");
  const valoperArg = (argument: string, v: string) => assertValidAddressArg(argument, v, VALIDATOR_OPERATOR_ADDRESS_PREFIX);
  txOptions(staking.command("delegate <from-key> <validator> <amount>").description("delegate to a validator (aegisvaloper…)")).action(
    async (from: string, validator: string, amount: string, o: TxOpts) => {
      valoperArg("<validator>", validator);
      const coin = parseCoinArg("<amount>", amount);
      await sendTx(from, o, (addr) => ({ msgs: [{ typeUrl: "/cosmos.staking.v1beta1.MsgDelegate", value: { delegatorAddress: addr, validatorAddress: validator, amount: coin } }], spend: [coin] }));
    },
  );
  txOptions(staking.command("undelegate <from-key> <validator> <amount>").description("start unbonding (paid out after the unbonding time)")).action(
    async (from: string, validator: string, amount: string, o: TxOpts) => {
      valoperArg("<validator>", validator);
      const coin = parseCoinArg("<amount>", amount);
      await sendTx(from, o, (addr) => ({ msgs: [{ typeUrl: "/cosmos.staking.v1beta1.MsgUndelegate", value: { delegatorAddress: addr, validatorAddress: validator, amount: coin } }], spend: [] }));
    },
  );
  txOptions(staking.command("redelegate <from-key> <src-validator> <dst-validator> <amount>").description("move a delegation to another validator")).action(
    async (from: string, src: string, dst: string, amount: string, o: TxOpts) => {
      valoperArg("<src-validator>", src);
      valoperArg("<dst-validator>", dst);
      const coin = parseCoinArg("<amount>", amount);
      await sendTx(from, o, (addr) => ({
        msgs: [{ typeUrl: "/cosmos.staking.v1beta1.MsgBeginRedelegate", value: { delegatorAddress: addr, validatorSrcAddress: src, validatorDstAddress: dst, amount: coin } }],
        spend: [],
      }));
    },
  );
  txOptions(
    staking
      .command("create-validator <from-key> <self-delegation>")
      .description("create a validator operated by <from-key>'s account, with the keys of --validator-key (it joins the active set at the next epoch boundary if its power ranks)")
      .requiredOption("--validator-key <file>", "the validator's key file (aegis keys validator-key)")
      .requiredOption("--moniker <name>", "public name")
      .option("--commission-rate <dec>", "commission rate", "0.1")
      .option("--commission-max-rate <dec>", "highest commission rate ever allowed", "0.2")
      .option("--commission-max-change-rate <dec>", "largest commission change per day", "0.01")
      .option("--min-self-delegation <int>", "self-delegation below which the validator is jailed", "1")
      .option("--details <text>", "description", "")
      .option("--website <url>", "website", "")
      .option("--identity <id>", "identity (e.g. a Keybase id)", "")
      .option("--security-contact <email>", "security contact", ""),
  ).action(
    async (
      from: string,
      selfDelegation: string,
      o: TxOpts & {
        validatorKey: string;
        moniker: string;
        commissionRate: string;
        commissionMaxRate: string;
        commissionMaxChangeRate: string;
        minSelfDelegation: string;
        details: string;
        website: string;
        identity: string;
        securityContact: string;
      },
    ) => {
      const value = parseCoinArg("<self-delegation>", selfDelegation);
      const keys = await readValidatorKeyFile(o.validatorKey);
      if (!keys.attestation) throw new Error(`${o.validatorKey} has no attestation key; create the keys with \`aegis keys validator-key <file> --operator <address>\``);
      if (!keys.operator) {
        throw new Error(
          `${o.validatorKey} names no operator (made before proofs of possession were bound to the operator); ` +
            `create new keys with \`aegis keys validator-key <file> --operator <${from}'s address>\``,
        );
      }
      const fileOperator = keys.operator;
      const attestation = keys.attestation;
      // Its proofs of possession are for the file's operator: the hub would refuse them for another.
      const assertFileOperator = (addr: string) => {
        if (bytesEqual(getAddressArg("<from-key>", addr), fileOperator)) return;
        throw new Error(
          `${o.validatorKey} holds keys for operator ${toBech32(ACCOUNT_ADDRESS_PREFIX, fileOperator)}, not ${from} (${addr}): ` +
            `their proofs of possession are bound to that operator; send create-validator from its key, or create keys for ${addr} with \`aegis keys validator-key <file> --operator ${addr}\``,
        );
      };
      await sendTx(
        from,
        o,
        (addr) => {
          const operator = getAddressArg("<from-key>", addr);
          const msg = AegisMsgCreateValidator.fromPartial({
            description: { moniker: o.moniker, identity: o.identity, website: o.website, securityContact: o.securityContact, details: o.details },
            commission: { rate: o.commissionRate, maxRate: o.commissionMaxRate, maxChangeRate: o.commissionMaxChangeRate },
            minSelfDelegation: o.minSelfDelegation,
            delegatorAddress: addr,
            validatorAddress: toBech32(VALIDATOR_OPERATOR_ADDRESS_PREFIX, operator),
            value,
            blsPublicKey: keys.blsPublicKey,
            blsProofOfPossession: createBlsProofOfPossession(keys.blsSecretKey, operator),
            attestationPublicKey: attestation.publicKey,
            attestationProofOfPossession: createAttestationProofOfPossession(attestation.secretKey, operator),
          });
          return { msgs: [{ typeUrl: AegisMsgCreateValidator.typeUrl, value: msg }], spend: [value] };
        },
        assertFileOperator,
      );
    },
  );
  const slashing = tx.command("slashing").description("slashing transactions");
  txOptions(slashing.command("unjail <from-key>").description("unjail the validator operated by <from-key>'s account (after its jail time; never after a double sign)")).action(
    async (from: string, o: TxOpts) =>
      sendTx(from, o, (addr) => ({
        msgs: [{ typeUrl: MsgUnjail.typeUrl, value: { validatorAddr: toBech32(VALIDATOR_OPERATOR_ADDRESS_PREFIX, getAddressArg("<from-key>", addr)) } }],
        spend: [],
      })),
  );
  const distribution = tx.command("distribution").description("rewards");
  txOptions(distribution.command("withdraw <from-key> <validator>").description("withdraw the rewards of a delegation")).action(async (from: string, validator: string, o: TxOpts) => {
    valoperArg("<validator>", validator);
    await sendTx(from, o, (addr) => ({
      msgs: [{ typeUrl: "/cosmos.distribution.v1beta1.MsgWithdrawDelegatorReward", value: { delegatorAddress: addr, validatorAddress: validator } }],
      spend: [],
    }));
  });

  addQueryCommands(program, { nodeOption, nodeUrl, print });
}
