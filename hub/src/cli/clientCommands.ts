import type { Command } from "commander";
import {
  calculateFee,
  defaultRegistryTypes,
  GasPrice,
  parseCoins as parseCosmjsCoins,
  QueryClient,
  setupStakingExtension,
  SigningStargateClient,
  StargateClient,
  type DeliverTxResponse,
  type StdFee,
} from "@cosmjs/stargate";
import { connectComet } from "@cosmjs/tendermint-rpc";
import { existsSync } from "node:fs";
import { Registry } from "@cosmjs/proto-signing";
import { MsgUnjail } from "cosmjs-types/cosmos/slashing/v1beta1/tx";
import { bytesEqual, createBlsKeyPair, createBlsProofOfPossession, toHex } from "@aegis/consumer-sdk";
import { createAttestationKeyPair, createAttestationProofOfPossession } from "../attestation/index.js";
import { AegisMsgCreateValidator } from "../app/modules/staking/index.js";
import { encodeValidatorKeyFile, readValidatorKeyFile, writeFileAtomic } from "../node/nodeConfig.js";
import { ACCOUNT_ADDRESS_PREFIX, fromBech32, toBech32, TxError, VALIDATOR_OPERATOR_ADDRESS_PREFIX } from "../tx/index.js";
import { defaultKeyringDir, Keyring, type KeyringBackend } from "./keyring.js";

/** Default RPC endpoint: node0 of `aegis init` / the devnet. */
export const DEFAULT_NODE_RPC = "http://127.0.0.1:26756/rpc";
export const DEFAULT_GAS_PRICES = "0.025uaeg";

interface KeyringOpts {
  keyringDir?: string;
  keyringBackend?: KeyringBackend;
}

function keyring(o: KeyringOpts): Keyring {
  return new Keyring(o.keyringDir ?? defaultKeyringDir(), async () => process.env.AEGIS_KEYRING_PASSWORD ?? "");
}

function keyringOptions(cmd: Command): Command {
  return cmd
    .option("--keyring-dir <dir>", "keyring folder", defaultKeyringDir())
    .option("--keyring-backend <backend>", "file (encrypted with $AEGIS_KEYRING_PASSWORD) | test (plain text, devnets)", "file");
}

/** An operator given as its account (aegis1…) or operator (aegisvaloper…) address: its 20 bytes. */
function parseOperatorAddress(address: string): Uint8Array {
  const prefix = address.startsWith(VALIDATOR_OPERATOR_ADDRESS_PREFIX) ? VALIDATOR_OPERATOR_ADDRESS_PREFIX : ACCOUNT_ADDRESS_PREFIX;
  try {
    return fromBech32(address, prefix, { lengths: [20] });
  } catch (e) {
    if (e instanceof TxError) throw new Error(`--operator ${JSON.stringify(address)}: ${e.log} (an ${ACCOUNT_ADDRESS_PREFIX}1… or ${VALIDATOR_OPERATOR_ADDRESS_PREFIX}1… address)`);
    throw e;
  }
}

function print(x: unknown): void {
  console.log(JSON.stringify(x, (_k, v) => (typeof v === "bigint" ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v), 2));
}

/** `aegis keys …`, `aegis tx …`, `aegis query …`: client commands built on cosmjs, talking to a node's RPC. */
export function addClientCommands(program: Command): void {
  const keys = program.command("keys").description("manage local keys (secp256k1, bech32 prefix aegis)");
  keyringOptions(keys.command("add <name>").description("create a key (prints its mnemonic once) or recover one with --recover"))
    .option("--recover", "read a mnemonic from $AEGIS_MNEMONIC instead of generating one")
    .action(async (name: string, o: KeyringOpts & { recover?: boolean }) => {
      const mnemonic = o.recover ? process.env.AEGIS_MNEMONIC : undefined;
      if (o.recover && !mnemonic) throw new Error("--recover reads the mnemonic from $AEGIS_MNEMONIC, which is empty");
      const r = await keyring(o).add(name, { mnemonic, backend: o.keyringBackend ?? "file" });
      print(o.recover ? { name, address: r.address } : { name, address: r.address, mnemonic: r.mnemonic, note: "write the mnemonic down: it is the only way to recover this key" });
    });
  keyringOptions(keys.command("list").description("list keys")).action(async (o: KeyringOpts) => print(await keyring(o).list()));
  keyringOptions(keys.command("show <name>").description("show a key's address")).action(async (name: string, o: KeyringOpts) => {
    const { address } = await keyring(o).wallet(name);
    print({ name, address });
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
      const operator = parseOperatorAddress(o.operator);
      if (!o.force && existsSync(file)) throw new Error(`${file} exists; pass --force to overwrite it (the keys in it are lost)`);
      const bls = createBlsKeyPair();
      const attestation = createAttestationKeyPair();
      const text = encodeValidatorKeyFile({ blsSecretKey: bls.secretKey, attestation, operator });
      await writeFileAtomic(file, text, 0o600);
      // The public part: what a genesis (appState.validators, validators) needs from this validator.
      const { operator: account, blsPublicKey, blsProofOfPossession, attestationPublicKey, attestationProofOfPossession } = JSON.parse(text) as Record<string, string>;
      print({ file, operator: account, operatorAddress: toBech32(VALIDATOR_OPERATOR_ADDRESS_PREFIX, operator), blsPublicKey, blsProofOfPossession, attestationPublicKey, attestationProofOfPossession });
    });

  const tx = program.command("tx").description("sign and broadcast transactions");
  const bank = tx.command("bank").description("bank transactions");
  keyringOptions(bank.command("send <from-key> <to-address> <amount>").description('send coins, e.g. aegis tx bank send alice aegis1… 1000uaeg'))
    .option("--node <url>", "a node's CometBFT-compatible RPC", DEFAULT_NODE_RPC)
    .option("--gas <gas>", '"auto" (simulate × 1.4) or a number', "auto")
    .option("--gas-prices <price>", "gas price", DEFAULT_GAS_PRICES)
    .option("--memo <text>", "memo", "")
    .action(async (from: string, to: string, amount: string, o: KeyringOpts & { node: string; gas: string; gasPrices: string; memo: string }) => {
      const { wallet, address } = await keyring(o).wallet(from);
      const coins = parseCosmjsCoins(amount);
      if (coins.length === 0) throw new Error(`invalid amount ${JSON.stringify(amount)} (e.g. 1000uaeg)`);
      const client = await SigningStargateClient.connectWithSigner(o.node, wallet, { gasPrice: GasPrice.fromString(o.gasPrices) });
      try {
        const fee = o.gas === "auto" ? "auto" : Number(o.gas);
        if (fee !== "auto" && !(Number.isInteger(fee) && fee > 0)) throw new Error('--gas must be "auto" or a positive integer');
        const r = await client.sendTokens(address, to, coins, fee === "auto" ? "auto" : calculateFee(fee, GasPrice.fromString(o.gasPrices)), o.memo);
        print({ txhash: r.transactionHash, height: r.height, code: r.code, gasUsed: r.gasUsed, gasWanted: r.gasWanted, rawLog: r.rawLog });
        if (r.code !== 0) process.exitCode = 1;
      } finally {
        client.disconnect();
      }
    });

  const signing = (c: Command) =>
    keyringOptions(c)
      .option("--node <url>", "a node's CometBFT-compatible RPC", DEFAULT_NODE_RPC)
      .option("--gas <gas>", '"auto" (simulate × 1.4) or a number', "auto")
      .option("--gas-prices <price>", "gas price", DEFAULT_GAS_PRICES);
  type SigningOpts = KeyringOpts & { node: string; gas: string; gasPrices: string };
  /**
   * Signs and broadcasts with a key from the keyring; prints the result like `tx bank send`.
   * `check` sees the signer's address before anything is sent (it throws to refuse).
   */
  const withSigner = async (
    from: string,
    o: SigningOpts,
    fn: (c: SigningStargateClient, address: string, fee: StdFee | "auto") => Promise<DeliverTxResponse>,
    check?: (address: string) => void,
  ) => {
    const { wallet, address } = await keyring(o).wallet(from);
    check?.(address);
    const price = GasPrice.fromString(o.gasPrices);
    const gas = o.gas === "auto" ? "auto" : Number(o.gas);
    if (gas !== "auto" && !(Number.isInteger(gas) && gas > 0)) throw new Error('--gas must be "auto" or a positive integer');
    const registry = new Registry([...defaultRegistryTypes, [AegisMsgCreateValidator.typeUrl, AegisMsgCreateValidator], [MsgUnjail.typeUrl, MsgUnjail]]);
    const client = await SigningStargateClient.connectWithSigner(o.node, wallet, { gasPrice: price, registry });
    try {
      const r = await fn(client, address, gas === "auto" ? "auto" : calculateFee(gas, price));
      print({ txhash: r.transactionHash, height: r.height, code: r.code, gasUsed: r.gasUsed, gasWanted: r.gasWanted, rawLog: r.rawLog });
      if (r.code !== 0) process.exitCode = 1;
    } finally {
      client.disconnect();
    }
  };
  const oneCoin = (amount: string) => {
    const coins = parseCosmjsCoins(amount);
    if (coins.length !== 1) throw new Error(`invalid amount ${JSON.stringify(amount)} (one coin, e.g. 1000000uaeg)`);
    return coins[0]!;
  };
  const staking = tx.command("staking").description("staking transactions");
  signing(staking.command("delegate <from-key> <validator> <amount>").description("delegate to a validator (aegisvaloper…)")).action(
    async (from: string, validator: string, amount: string, o: SigningOpts) => withSigner(from, o, (c, addr, fee) => c.delegateTokens(addr, validator, oneCoin(amount), fee)),
  );
  signing(staking.command("undelegate <from-key> <validator> <amount>").description("start unbonding (paid out after the unbonding time)")).action(
    async (from: string, validator: string, amount: string, o: SigningOpts) => withSigner(from, o, (c, addr, fee) => c.undelegateTokens(addr, validator, oneCoin(amount), fee)),
  );
  signing(staking.command("redelegate <from-key> <src-validator> <dst-validator> <amount>").description("move a delegation to another validator")).action(
    async (from: string, src: string, dst: string, amount: string, o: SigningOpts) =>
      withSigner(from, o, (c, addr, fee) =>
        c.signAndBroadcast(addr, [{ typeUrl: "/cosmos.staking.v1beta1.MsgBeginRedelegate", value: { delegatorAddress: addr, validatorSrcAddress: src, validatorDstAddress: dst, amount: oneCoin(amount) } }], fee),
      ),
  );
  signing(
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
      o: SigningOpts & {
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
      const keys = await readValidatorKeyFile(o.validatorKey);
      if (!keys.attestation) throw new Error(`${o.validatorKey} has no attestation key; create the keys with \`aegis keys validator-key <file> --operator <address>\``);
      if (!keys.operator) {
        throw new Error(
          `${o.validatorKey} names no operator (made before proofs of possession were bound to the operator); ` +
            `create new keys with \`aegis keys validator-key <file> --operator <${from}'s address>\``,
        );
      }
      const fileOperator = keys.operator;
      const value = oneCoin(selfDelegation);
      // Its proofs of possession are for the file's operator: the hub would refuse them for another.
      const assertFileOperator = (addr: string) => {
        if (bytesEqual(fromBech32(addr, ACCOUNT_ADDRESS_PREFIX, { lengths: [20] }), fileOperator)) return;
        throw new Error(
          `${o.validatorKey} holds keys for operator ${toBech32(ACCOUNT_ADDRESS_PREFIX, fileOperator)}, not ${from} (${addr}): ` +
            `their proofs of possession are bound to that operator; send create-validator from its key, or create keys for ${addr} with \`aegis keys validator-key <file> --operator ${addr}\``,
        );
      };
      return withSigner(from, o, (c, addr, fee) => {
        const operator = fromBech32(addr, ACCOUNT_ADDRESS_PREFIX, { lengths: [20] });
        const msg = AegisMsgCreateValidator.fromPartial({
          description: { moniker: o.moniker, identity: o.identity, website: o.website, securityContact: o.securityContact, details: o.details },
          commission: { rate: o.commissionRate, maxRate: o.commissionMaxRate, maxChangeRate: o.commissionMaxChangeRate },
          minSelfDelegation: o.minSelfDelegation,
          delegatorAddress: addr,
          validatorAddress: toBech32(VALIDATOR_OPERATOR_ADDRESS_PREFIX, operator),
          value,
          blsPublicKey: keys.blsPublicKey,
          blsProofOfPossession: createBlsProofOfPossession(keys.blsSecretKey, operator),
          attestationPublicKey: keys.attestation!.publicKey,
          attestationProofOfPossession: createAttestationProofOfPossession(keys.attestation!.secretKey, operator),
        });
        return c.signAndBroadcast(addr, [{ typeUrl: AegisMsgCreateValidator.typeUrl, value: msg }], fee);
      }, assertFileOperator);
    },
  );
  const slashing = tx.command("slashing").description("slashing transactions");
  signing(slashing.command("unjail <from-key>").description("unjail the validator operated by <from-key>'s account (after its jail time; never after a double sign)")).action(
    async (from: string, o: SigningOpts) =>
      withSigner(from, o, (c, addr, fee) =>
        c.signAndBroadcast(addr, [{ typeUrl: MsgUnjail.typeUrl, value: { validatorAddr: toBech32(VALIDATOR_OPERATOR_ADDRESS_PREFIX, fromBech32(addr, ACCOUNT_ADDRESS_PREFIX, { lengths: [20] })) } }], fee),
      ),
  );
  const distribution = tx.command("distribution").description("rewards");
  signing(distribution.command("withdraw <from-key> <validator>").description("withdraw the rewards of a delegation")).action(
    async (from: string, validator: string, o: SigningOpts) => withSigner(from, o, (c, addr, fee) => c.withdrawRewards(addr, validator, fee)),
  );

  const query = program.command("query").alias("q").description("query a node");
  const node = (c: Command) => c.option("--node <url>", "a node's CometBFT-compatible RPC", DEFAULT_NODE_RPC);
  node(query.command("account <address>").description("account number and sequence")).action(async (address: string, o: { node: string }) => {
    const client = await StargateClient.connect(o.node);
    try {
      const a = await client.getAccount(address);
      if (!a) throw new Error(`account ${address} does not exist on chain`);
      print(a);
    } finally {
      client.disconnect();
    }
  });
  const qbank = query.command("bank").description("bank queries");
  node(qbank.command("balances <address>").description("all balances of an address")).action(async (address: string, o: { node: string }) => {
    const client = await StargateClient.connect(o.node);
    try {
      print({ address, balances: await client.getAllBalances(address) });
    } finally {
      client.disconnect();
    }
  });
  const qstaking = query.command("staking").description("staking queries");
  node(qstaking.command("validators").description("bonded, unbonding and unbonded validators")).action(async (o: { node: string }) => {
    const comet = await connectComet(o.node);
    try {
      const q = QueryClient.withExtensions(comet, setupStakingExtension);
      const all = [];
      for (const status of ["BOND_STATUS_BONDED", "BOND_STATUS_UNBONDING", "BOND_STATUS_UNBONDED"] as const) {
        for (const v of (await q.staking.validators(status)).validators) {
          all.push({ operator: v.operatorAddress, moniker: v.description?.moniker, status, jailed: v.jailed, tokens: v.tokens, commission: v.commission?.commissionRates?.rate });
        }
      }
      print(all);
    } finally {
      comet.disconnect();
    }
  });
  node(qstaking.command("delegation <delegator> <validator>").description("a delegation's balance")).action(async (delegator: string, validator: string, o: { node: string }) => {
    const client = await StargateClient.connect(o.node);
    try {
      print({ delegator, validator, balance: await client.getDelegation(delegator, validator) });
    } finally {
      client.disconnect();
    }
  });
  node(query.command("tx <hash>").description("a committed transaction and its result")).action(async (hash: string, o: { node: string }) => {
    const client = await StargateClient.connect(o.node);
    try {
      const t = await client.getTx(hash);
      if (!t) throw new Error(`transaction ${hash} not found`);
      print({ hash: t.hash, height: t.height, code: t.code, gasUsed: t.gasUsed, gasWanted: t.gasWanted, rawLog: t.rawLog, events: t.events });
    } finally {
      client.disconnect();
    }
  });
}
