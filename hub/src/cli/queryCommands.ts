import type { Command } from "commander";
import { QueryClient, setupDistributionExtension, setupStakingExtension, StargateClient, type DistributionExtension, type StakingExtension } from "@cosmjs/stargate";
import { connectComet, type CometClient } from "@cosmjs/tendermint-rpc";
import { bondStatusToJSON, type Validator } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import type { Timestamp } from "cosmjs-types/google/protobuf/timestamp";
import { VALIDATOR_OPERATOR_ADDRESS_PREFIX } from "../tx/index.js";
import { CliError } from "./cliError.js";
import { formatDec, formatDecCoins } from "./formatDec.js";
import { toCliError } from "./nodeErrors.js";
import { assertValidAddressArg } from "./txArgs.js";

type Queries = QueryClient & StakingExtension & DistributionExtension;

interface QueryDeps {
  nodeOption(cmd: Command): Command;
  nodeUrl(o: { node?: string }): string;
  print(x: unknown): void;
}

function timestampToIso(t: Timestamp | undefined): string | null {
  if (!t) return null;
  const ms = Number(t.seconds) * 1000 + Math.floor(t.nanos / 1e6);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

/** A validator as the CLI prints it: Dec values (shares, commission) as decimals ("0.1"). */
export function formatValidator(v: Validator): Record<string, unknown> {
  const rates = v.commission?.commissionRates;
  return {
    operatorAddress: v.operatorAddress,
    moniker: v.description?.moniker ?? "",
    identity: v.description?.identity ?? "",
    website: v.description?.website ?? "",
    securityContact: v.description?.securityContact ?? "",
    details: v.description?.details ?? "",
    status: bondStatusToJSON(v.status),
    jailed: v.jailed,
    tokens: v.tokens,
    delegatorShares: formatDec(v.delegatorShares),
    commission: {
      rate: formatDec(rates?.rate ?? "0"),
      maxRate: formatDec(rates?.maxRate ?? "0"),
      maxChangeRate: formatDec(rates?.maxChangeRate ?? "0"),
      updateTime: timestampToIso(v.commission?.updateTime),
    },
    minSelfDelegation: v.minSelfDelegation,
    unbondingHeight: v.unbondingHeight.toString(),
    unbondingTime: timestampToIso(v.unbondingTime),
  };
}

/** `aegis query …` (alias `q`): cosmjs query extensions over the node's RPC. */
export function addQueryCommands(program: Command, deps: QueryDeps): void {
  const { nodeOption, print } = deps;
  /** Runs `fn` with a connection to the node; its errors as CliErrors (unreachable, not found, …). */
  const withNode = async (o: { node?: string }, fn: (c: { comet: CometClient; client: StargateClient; q: Queries }) => Promise<void>): Promise<void> => {
    const url = deps.nodeUrl(o);
    let comet: CometClient;
    try {
      comet = await connectComet(url);
    } catch (e) {
      throw toCliError(e, { url, stage: "query" });
    }
    try {
      await fn({ comet, client: StargateClient.create(comet), q: QueryClient.withExtensions(comet, setupStakingExtension, setupDistributionExtension) });
    } catch (e) {
      throw toCliError(e, { url, stage: "query" });
    } finally {
      comet.disconnect();
    }
  };
  const account = (argument: string, v: string) => assertValidAddressArg(argument, v);
  const valoper = (argument: string, v: string) => assertValidAddressArg(argument, v, VALIDATOR_OPERATOR_ADDRESS_PREFIX);

  const query = program.command("query").alias("q").description("query a node");
  nodeOption(query.command("account <address>").description("account number and sequence")).action(async (address: string, o: { node?: string }) => {
    account("<address>", address);
    await withNode(o, async ({ client }) => {
      const a = await client.getAccount(address);
      if (!a) throw new CliError({ code: "CLI_ERROR_NOT_FOUND", what: `account ${address}` }, `account ${address} does not exist on chain (an account exists once it has received coins)`);
      print(a);
    });
  });

  const qbank = query.command("bank").description("bank queries");
  nodeOption(qbank.command("balances <address>").description("all balances of an address")).action(async (address: string, o: { node?: string }) => {
    account("<address>", address);
    await withNode(o, async ({ client }) => print({ address, balances: await client.getAllBalances(address) }));
  });

  const qstaking = query.command("staking").description("staking queries");
  nodeOption(qstaking.command("validators").description("bonded, unbonding and unbonded validators (commission as a decimal, e.g. 0.1)")).action(async (o: { node?: string }) => {
    await withNode(o, async ({ q }) => {
      const all = [];
      for (const status of ["BOND_STATUS_BONDED", "BOND_STATUS_UNBONDING", "BOND_STATUS_UNBONDED"] as const) {
        let key: Uint8Array | undefined;
        do {
          const page = await q.staking.validators(status, key);
          for (const v of page.validators) {
            all.push({ operatorAddress: v.operatorAddress, moniker: v.description?.moniker, status, jailed: v.jailed, tokens: v.tokens, commission: formatDec(v.commission?.commissionRates?.rate ?? "0") });
          }
          key = page.pagination?.nextKey?.length ? page.pagination.nextKey : undefined;
        } while (key);
      }
      print(all);
    });
  });
  nodeOption(qstaking.command("validator <validator>").description("one validator (aegisvaloper…): description, status, tokens, shares, commission")).action(
    async (validator: string, o: { node?: string }) => {
      valoper("<validator>", validator);
      await withNode(o, async ({ q }) => {
        const r = await q.staking.validator(validator);
        if (!r.validator) throw new CliError({ code: "CLI_ERROR_NOT_FOUND", what: `validator ${validator}` }, `validator ${validator} does not exist`);
        print(formatValidator(r.validator));
      });
    },
  );
  nodeOption(qstaking.command("delegation <delegator> <validator>").description("a delegation's balance and shares")).action(
    async (delegator: string, validator: string, o: { node?: string }) => {
      account("<delegator>", delegator);
      valoper("<validator>", validator);
      await withNode(o, async ({ q }) => {
        const r = await q.staking.delegation(delegator, validator);
        const d = r.delegationResponse;
        if (!d) throw new CliError({ code: "CLI_ERROR_NOT_FOUND", what: `delegation of ${delegator} to ${validator}` }, `${delegator} has no delegation to ${validator}`);
        print({ delegator, validator, shares: formatDec(d.delegation?.shares ?? "0"), balance: d.balance });
      });
    },
  );
  nodeOption(qstaking.command("delegations <delegator>").description("all delegations of a delegator: validator, shares, balance")).action(async (delegator: string, o: { node?: string }) => {
    account("<delegator>", delegator);
    await withNode(o, async ({ q }) => {
      const out = [];
      let key: Uint8Array | undefined;
      do {
        const page = await q.staking.delegatorDelegations(delegator, key);
        for (const d of page.delegationResponses) {
          out.push({ validator: d.delegation?.validatorAddress, shares: formatDec(d.delegation?.shares ?? "0"), balance: d.balance });
        }
        key = page.pagination?.nextKey?.length ? page.pagination.nextKey : undefined;
      } while (key);
      print({ delegator, delegations: out });
    });
  });

  const qdistribution = query.command("distribution").description("rewards queries");
  nodeOption(
    qdistribution
      .command("rewards <delegator> [validator]")
      .description("pending rewards of a delegator: of its delegation to <validator>, or of each delegation and their total (amounts as decimals)"),
  ).action(async (delegator: string, validator: string | undefined, o: { node?: string }) => {
    account("<delegator>", delegator);
    if (validator !== undefined) valoper("[validator]", validator);
    await withNode(o, async ({ q }) => {
      if (validator !== undefined) {
        const r = await q.distribution.delegationRewards(delegator, validator);
        print({ delegator, validator, rewards: formatDecCoins(r.rewards) });
        return;
      }
      const r = await q.distribution.delegationTotalRewards(delegator);
      print({ delegator, rewards: r.rewards.map((x) => ({ validator: x.validatorAddress, reward: formatDecCoins(x.reward) })), total: formatDecCoins(r.total) });
    });
  });

  nodeOption(query.command("tx <hash>").description("a committed transaction and its result")).action(async (hash: string, o: { node?: string }) => {
    if (!/^[0-9a-fA-F]{64}$/.test(hash)) {
      throw new CliError({ code: "CLI_ERROR_INVALID_OPTION", option: "<hash>", value: hash, reason: "64 hex characters" }, `<hash> ${JSON.stringify(hash)}: a transaction hash is 64 hex characters`);
    }
    await withNode(o, async ({ client }) => {
      const t = await client.getTx(hash);
      if (!t) throw new CliError({ code: "CLI_ERROR_NOT_FOUND", what: `transaction ${hash}` }, `transaction ${hash} not found`);
      print({ hash: t.hash, height: t.height, code: t.code, gasUsed: t.gasUsed, gasWanted: t.gasWanted, rawLog: t.rawLog, events: t.events });
    });
  });
}
