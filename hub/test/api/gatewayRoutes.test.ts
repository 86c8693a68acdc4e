/**
 * The Cosmos REST (gRPC-gateway) routes of a running one-validator hub (hub/src/api/rest). cosmjs, over
 * the JSON-RPC, makes the state the routes show: a delegator that delegates, unbonds part and earns
 * rewards. Then every route's JSON is checked against the SDK v0.50 shape (gatewayShapes.ts, written
 * from the SDK's protos) and against what cosmjs reads; the gateway's error bodies and what stays as
 * it was for the rest of the API; and a wallet that knows only a Keplr chain-info file (the devnet's
 * buildKeplrChainInfo) and these routes.
 */
import { createHash } from "node:crypto";
import { DirectSecp256k1HdWallet, type EncodeObject } from "@cosmjs/proto-signing";
import { GasPrice, QueryClient, setupStakingExtension, SigningStargateClient, type StdFee } from "@cosmjs/stargate";
import { connectComet } from "@cosmjs/tendermint-rpc";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { buildKeplrChainInfo } from "../../../devnet/src/wallets.js";
import { startFuzzHub, type FuzzHub } from "../fuzz/fuzzNode.js";
import * as S from "./gatewayShapes.js";
import { diffShape, type Shape } from "./gatewayShapes.js";

const CHAIN_ID = "aegis-gateway-1";
const DENOM = "uaeg";
const PREFIX = "aegis";
const GAS_PRICE = 0.025;
const MSG_SEND = "/cosmos.bank.v1beta1.MsgSend";
const MSG_DELEGATE = "/cosmos.staking.v1beta1.MsgDelegate";


let hub: FuzzHub;
let faucetClient: SigningStargateClient;
let delegator: { wallet: DirectSecp256k1HdWallet; address: string; client: SigningStargateClient };
let operator: string;
let delegateHash: string;

interface Answer {
  status: number;
  json: any;
  headers: Headers;
}

async function request(method: string, path: string, body?: unknown): Promise<Answer> {
  const r = await fetch(hub.base + path, { method, ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body), headers: { "content-type": "application/json" } }) });
  const text = await r.text();
  return { status: r.status, json: text === "" ? undefined : JSON.parse(text), headers: r.headers };
}
const get = (path: string) => request("GET", path);
const post = (path: string, body: unknown) => request("POST", path, body);

function expectShape(json: unknown, shape: Shape): void {
  expect(diffShape(json, shape)).toEqual([]);
}

function expectGatewayError(a: Answer, status: number, code: number): string {
  expect({ status: a.status, code: a.json?.code }).toEqual({ status, code });
  expectShape(a.json, S.GATEWAY_ERROR);
  return a.json.message;
}

/** GET `path`: 200 and the SDK's shape; the JSON. */
async function expectRoute(path: string, shape: Shape): Promise<any> {
  const a = await get(path);
  expect({ path, status: a.status, body: a.status === 200 ? "…" : a.json }).toEqual({ path, status: 200, body: "…" });
  expectShape(a.json, shape);
  return a.json;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function newClient(wallet: DirectSecp256k1HdWallet): Promise<SigningStargateClient> {
  return SigningStargateClient.connectWithSigner(hub.base, wallet, { gasPrice: GasPrice.fromString(`${GAS_PRICE}${DENOM}`), broadcastPollIntervalMs: 100, broadcastTimeoutMs: 20_000 });
}

/** Signs `msgs` offline (no client reads anything): what a wallet does with the numbers it read. */
async function signOffline(wallet: DirectSecp256k1HdWallet, address: string, msgs: EncodeObject[], fee: StdFee, accountNumber: bigint, sequence: number): Promise<Uint8Array> {
  const offline = await SigningStargateClient.offline(wallet);
  return TxRaw.encode(await offline.sign(address, msgs, fee, "", { accountNumber, sequence, chainId: CHAIN_ID })).finish();
}

const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");
const txHash = (tx: Uint8Array) => createHash("sha256").update(tx).digest("hex").toUpperCase();

beforeAll(async () => {
  hub = await startFuzzHub(CHAIN_ID);
  faucetClient = await newClient(await DirectSecp256k1HdWallet.fromMnemonic(hub.faucet.mnemonic, { prefix: PREFIX }));
  const wallet = await DirectSecp256k1HdWallet.generate(12, { prefix: PREFIX });
  const address = (await wallet.getAccounts())[0]!.address;
  delegator = { wallet, address, client: await newClient(wallet) };
  operator = (await get("/cosmos/staking/v1beta1/validators")).json.validators[0].operator_address;
  await faucetClient.sendTokens(hub.faucet.address, address, [{ denom: DENOM, amount: "20000000" }], "auto");
  const d = await delegator.client.delegateTokens(address, operator, { denom: DENOM, amount: "5000000" }, "auto");
  expect(d.code).toBe(0);
  delegateHash = d.transactionHash;
  expect((await delegator.client.undelegateTokens(address, operator, { denom: DENOM, amount: "1000000" }, "auto")).code).toBe(0);
  // Fees of later blocks go to the validator and its delegators: rewards and commission to show.
  expect((await faucetClient.sendTokens(hub.faucet.address, address, [{ denom: DENOM, amount: "1" }], "auto")).code).toBe(0);
}, 120_000);

afterAll(async () => {
  faucetClient?.disconnect();
  delegator?.client.disconnect();
  await hub?.stop();
});

describe("every route answers the SDK's JSON shape, with what cosmjs reads over JSON-RPC", () => {
  test("auth: an account (with its key once it signed) and its numbers; an unknown one is NotFound; params", async () => {
    const { json } = { json: await expectRoute(`/cosmos/auth/v1beta1/accounts/${hub.faucet.address}`, S.QUERY_ACCOUNT) };
    const acc = (await hub.client.getAccount(hub.faucet.address))!;
    expect(json.account).toMatchObject({ address: hub.faucet.address, account_number: String(acc.accountNumber), sequence: String(acc.sequence) });
    expect(json.account.pub_key).not.toBeNull();
    const unknown = (await DirectSecp256k1HdWallet.generate(12, { prefix: PREFIX }).then((w) => w.getAccounts()))[0]!.address;
    expect(expectGatewayError(await get(`/cosmos/auth/v1beta1/accounts/${unknown}`), 404, 5)).toContain("not found");
    expectGatewayError(await get("/cosmos/auth/v1beta1/accounts/notanaddress"), 400, 3);
    const params = await expectRoute("/cosmos/auth/v1beta1/params", S.AUTH_PARAMS);
    expect(params.params).toEqual({ max_memo_characters: "256", tx_sig_limit: "7", tx_size_cost_per_byte: "10", sig_verify_cost_ed25519: "590", sig_verify_cost_secp256k1: "1000" });
  });

  test("bank: balances (all, by denom, spendable), supply, denom metadata, params", async () => {
    const all = await expectRoute(`/cosmos/bank/v1beta1/balances/${delegator.address}`, S.ALL_BALANCES);
    expect(all.balances).toEqual((await hub.client.getAllBalances(delegator.address)).map((c) => ({ denom: c.denom, amount: c.amount })));
    const one = await expectRoute(`/cosmos/bank/v1beta1/balances/${delegator.address}/by_denom?denom=${DENOM}`, S.BALANCE);
    expect(one.balance).toEqual({ denom: DENOM, amount: (await hub.client.getBalance(delegator.address, DENOM)).amount });
    const spendable = await expectRoute(`/cosmos/bank/v1beta1/spendable_balances/${delegator.address}`, S.ALL_BALANCES);
    expect(spendable.balances).toEqual(all.balances);
    const spendableOne = await expectRoute(`/cosmos/bank/v1beta1/spendable_balances/${delegator.address}/by_denom?denom=${DENOM}`, S.BALANCE);
    expect(spendableOne.balance).toEqual(one.balance);
    expectGatewayError(await get(`/cosmos/bank/v1beta1/spendable_balances/${delegator.address}/by_denom?denom=1bad`), 400, 3);
    await expectRoute("/cosmos/bank/v1beta1/supply", S.TOTAL_SUPPLY);
    await expectRoute(`/cosmos/bank/v1beta1/supply/by_denom?denom=${DENOM}`, S.SUPPLY_OF);
    await expectRoute(`/cosmos/bank/v1beta1/denoms_metadata/${DENOM}`, S.DENOM_METADATA);
    const bankParams = await expectRoute("/cosmos/bank/v1beta1/params", S.BANK_PARAMS);
    expect(bankParams.params).toEqual({ send_enabled: [], default_send_enabled: true });
  });

  test("staking: validators (status filter, pagination), one validator, delegations, unbondings, redelegations, pool, params", async () => {
    const all = await expectRoute("/cosmos/staking/v1beta1/validators", S.VALIDATORS);
    expect(all.validators.map((v: any) => v.operator_address)).toContain(operator);
    const bonded = await expectRoute("/cosmos/staking/v1beta1/validators?status=BOND_STATUS_BONDED&pagination.limit=1&pagination.count_total=true", S.VALIDATORS);
    expect(bonded.validators).toHaveLength(1);
    expect(bonded.validators[0].status).toBe("BOND_STATUS_BONDED");
    expect((await expectRoute("/cosmos/staking/v1beta1/validators?status=BOND_STATUS_UNBONDED", S.VALIDATORS)).validators).toEqual([]);
    const comet = await connectComet(hub.base);
    const cosmjs = await QueryClient.withExtensions(comet, setupStakingExtension).staking.validator(operator);
    comet.disconnect();
    const one = await expectRoute(`/cosmos/staking/v1beta1/validators/${operator}`, { validator: S.VALIDATOR });
    expect(one.validator).toMatchObject({ operator_address: operator, tokens: cosmjs.validator!.tokens, description: { moniker: cosmjs.validator!.description!.moniker } });
    expect(expectGatewayError(await get(`/cosmos/staking/v1beta1/validators/${operator.slice(0, -6)}qqqqqq`), 400, 3).length).toBeGreaterThan(0);

    const dels = await expectRoute(`/cosmos/staking/v1beta1/delegations/${delegator.address}`, S.DELEGATION_RESPONSES);
    expect(dels.delegation_responses).toEqual([{ delegation: { delegator_address: delegator.address, validator_address: operator, shares: "4000000.000000000000000000" }, balance: { denom: DENOM, amount: "4000000" } }]);
    const del = await expectRoute(`/cosmos/staking/v1beta1/validators/${operator}/delegations/${delegator.address}`, { delegation_response: S.DELEGATION_RESPONSE });
    expect(del.delegation_response).toEqual(dels.delegation_responses[0]);
    expectGatewayError(await get(`/cosmos/staking/v1beta1/validators/${operator}/delegations/${hub.faucet.address}`), 404, 5);
    await expectRoute(`/cosmos/staking/v1beta1/validators/${operator}/delegations`, S.DELEGATION_RESPONSES);

    const unb = await expectRoute(`/cosmos/staking/v1beta1/delegators/${delegator.address}/unbonding_delegations`, S.UNBONDING_RESPONSES);
    expect(unb.unbonding_responses).toHaveLength(1);
    expect(unb.unbonding_responses[0]).toMatchObject({ delegator_address: delegator.address, validator_address: operator, entries: [{ initial_balance: "1000000", balance: "1000000" }] });
    const u1 = await expectRoute(`/cosmos/staking/v1beta1/validators/${operator}/delegations/${delegator.address}/unbonding_delegation`, { unbond: S.UNBONDING_DELEGATION });
    expect(u1.unbond).toEqual(unb.unbonding_responses[0]);
    await expectRoute(`/cosmos/staking/v1beta1/validators/${operator}/unbonding_delegations`, S.UNBONDING_RESPONSES);
    await expectRoute(`/cosmos/staking/v1beta1/delegators/${delegator.address}/redelegations`, S.REDELEGATIONS);
    const dv = await expectRoute(`/cosmos/staking/v1beta1/delegators/${delegator.address}/validators`, S.VALIDATORS);
    expect(dv.validators.map((v: any) => v.operator_address)).toEqual([operator]);
    await expectRoute(`/cosmos/staking/v1beta1/delegators/${delegator.address}/validators/${operator}`, { validator: S.VALIDATOR });
    const hist = await expectRoute("/cosmos/staking/v1beta1/historical_info/2", S.HISTORICAL_INFO);
    expect(hist.hist.header.height).toBe("2");
    expectGatewayError(await get("/cosmos/staking/v1beta1/historical_info/x"), 400, 3);

    const pool = await expectRoute("/cosmos/staking/v1beta1/pool", S.POOL);
    expect(BigInt(pool.pool.bonded_tokens)).toBeGreaterThanOrEqual(4_000_000n);
    expect(BigInt(pool.pool.not_bonded_tokens)).toBeGreaterThanOrEqual(1_000_000n);
    const params = await expectRoute("/cosmos/staking/v1beta1/params", S.STAKING_PARAMS);
    expect(params.params.bond_denom).toBe(DENOM);
  });

  test("distribution: rewards (all, by validator), commission, outstanding rewards, params; the routes whose queries are coming", async () => {
    await waitFor("outstanding rewards", async () => (await get(`/cosmos/distribution/v1beta1/validators/${operator}/outstanding_rewards`)).json.rewards?.rewards?.length > 0);
    const outstanding = await expectRoute(`/cosmos/distribution/v1beta1/validators/${operator}/outstanding_rewards`, S.OUTSTANDING_REWARDS);
    expect(outstanding.rewards.rewards[0].denom).toBe(DENOM);
    await expectRoute(`/cosmos/distribution/v1beta1/validators/${operator}/commission`, S.VALIDATOR_COMMISSION);
    const total = await expectRoute(`/cosmos/distribution/v1beta1/delegators/${delegator.address}/rewards`, S.DELEGATION_TOTAL_REWARDS);
    expect(total.rewards.map((r: any) => r.validator_address)).toEqual([operator]);
    const one = await expectRoute(`/cosmos/distribution/v1beta1/delegators/${delegator.address}/rewards/${operator}`, S.DELEGATION_REWARDS);
    // The same rule as cosmjs' distribution extension reads (its amounts are the Dec atomics).
    expect(one.rewards.map((c: any) => c.denom)).toEqual(total.rewards[0].reward.map((c: any) => c.denom));
    expectGatewayError(await get(`/cosmos/distribution/v1beta1/delegators/${hub.faucet.address}/rewards/${operator}`), 404, 5);
    const params = await expectRoute("/cosmos/distribution/v1beta1/params", S.DISTRIBUTION_PARAMS);
    expect(typeof params.params.withdraw_addr_enabled).toBe("boolean");
    const vals = await expectRoute(`/cosmos/distribution/v1beta1/delegators/${delegator.address}/validators`, S.DISTRIBUTION_DELEGATOR_VALIDATORS);
    expect(vals.validators).toEqual([operator]);
    const w = await expectRoute(`/cosmos/distribution/v1beta1/delegators/${delegator.address}/withdraw_address`, S.WITHDRAW_ADDRESS);
    expect(w.withdraw_address).toBe(delegator.address);
    await expectRoute(`/cosmos/distribution/v1beta1/validators/${operator}/slashes`, { slashes: "any", pagination: S.PAGE_RESPONSE_OR_NULL });
    await expectRoute("/cosmos/distribution/v1beta1/community_pool", S.COMMUNITY_POOL);
  });

  test("slashing: signing infos (all, one), params; the consensus addresses are the validator set's", async () => {
    const infos = await expectRoute("/cosmos/slashing/v1beta1/signing_infos", S.SIGNING_INFOS);
    expect(infos.info.length).toBeGreaterThanOrEqual(1);
    const cons = infos.info[0].address as string;
    const one = await expectRoute(`/cosmos/slashing/v1beta1/signing_infos/${cons}`, { val_signing_info: S.SIGNING_INFO });
    // Two reads, possibly a block apart: the offset into the missed-blocks window may have moved on.
    const { index_offset: _offsetOne, ...restOne } = one.val_signing_info;
    const { index_offset: _offsetAll, ...restAll } = infos.info[0];
    expect(restOne).toEqual(restAll);
    await expectRoute("/cosmos/slashing/v1beta1/params", S.SLASHING_PARAMS);
    const set = await expectRoute("/cosmos/base/tendermint/v1beta1/validatorsets/latest", S.VALIDATOR_SET);
    expect(set.validators.map((v: any) => v.address)).toContain(cons);
  });

  test("tx: simulate, broadcast (sync; a CheckTx refusal is a 200 with its code), get by hash and search", async () => {
    const acc = (await hub.client.getAccount(delegator.address))!;
    const msg: EncodeObject = { typeUrl: MSG_SEND, value: { fromAddress: delegator.address, toAddress: hub.faucet.address, amount: [{ denom: DENOM, amount: "7" }] } };
    const fee: StdFee = { amount: [{ denom: DENOM, amount: "10000" }], gas: "400000" };
    const tx = await signOffline(delegator.wallet, delegator.address, [msg], fee, acc.accountNumber, acc.sequence);
    const sim = await post("/cosmos/tx/v1beta1/simulate", { tx_bytes: b64(tx) });
    expect(sim.status).toBe(200);
    expectShape(sim.json, S.SIMULATE);
    expect(BigInt(sim.json.gas_info.gas_used)).toBeGreaterThan(0n);
    // camelCase names are read too (the gateway's JSON decoder takes both)
    expect((await post("/cosmos/tx/v1beta1/simulate", { txBytes: b64(tx) })).json).toEqual(sim.json);

    const sent = await post("/cosmos/tx/v1beta1/txs", { tx_bytes: b64(tx), mode: "BROADCAST_MODE_SYNC" });
    expect(sent.status).toBe(200);
    expectShape(sent.json, S.BROADCAST);
    expect(sent.json.tx_response).toMatchObject({ code: 0, txhash: txHash(tx), height: "0", tx: null });
    await waitFor("the broadcast tx's block", async () => (await hub.client.getAccount(delegator.address))!.sequence === acc.sequence + 1);
    const again = await post("/cosmos/tx/v1beta1/txs", { tx_bytes: b64(tx), mode: "BROADCAST_MODE_ASYNC" });
    expect(again.status).toBe(200);
    expect(again.json.tx_response.code).not.toBe(0);
    expect(again.json.tx_response.codespace).toBe("sdk");
    expectGatewayError(await post("/cosmos/tx/v1beta1/txs", { tx_bytes: b64(tx), mode: "BROADCAST_MODE_BLOCK" }), 400, 3);
    expectGatewayError(await post("/cosmos/tx/v1beta1/txs", { mode: "BROADCAST_MODE_SYNC" }), 400, 3);

    const got = await expectRoute(`/cosmos/tx/v1beta1/txs/${delegateHash}`, S.GET_TX);
    expect(got.tx_response).toMatchObject({ txhash: delegateHash, code: 0 });
    expect(Number(got.tx_response.height)).toBeGreaterThan(0);
    expect(got.tx.body.messages[0]).toMatchObject({ "@type": MSG_DELEGATE, delegator_address: delegator.address, validator_address: operator, amount: { denom: DENOM, amount: "5000000" } });
    const search = `message.sender='${delegator.address}'`;
    for (const q of [`query=${encodeURIComponent(search)}`, `events=${encodeURIComponent(search)}`]) {
      const found = await expectRoute(`/cosmos/tx/v1beta1/txs?${q}&order_by=ORDER_BY_DESC&limit=2`, S.GET_TXS_EVENT);
      expect(Number(found.total)).toBeGreaterThanOrEqual(1);
      expect(found.tx_responses).toHaveLength(Math.min(2, Number(found.total)));
      expect(found.tx_responses[0].txhash).toBe(txHash(tx));
    }
    expect(await expectRoute(`/cosmos/tx/v1beta1/txs?query=${encodeURIComponent("tx.height=999999999")}`, S.GET_TXS_EVENT)).toMatchObject({ txs: [], tx_responses: [], total: "0" });
    expect(expectGatewayError(await get("/cosmos/tx/v1beta1/txs"), 400, 3)).toBe("query cannot be empty");
    expectGatewayError(await get(`/cosmos/tx/v1beta1/txs?query=${encodeURIComponent("message.sender ~ 'x'")}`), 400, 3);
  });

  test("base/tendermint: node info, syncing, the latest block and one by height, validator sets", async () => {
    const info = await expectRoute("/cosmos/base/tendermint/v1beta1/node_info", S.NODE_INFO);
    expect(info.default_node_info.network).toBe(CHAIN_ID);
    expect(info.application_version).toMatchObject({ name: "aegis", cosmos_sdk_version: "v0.50.0" });
    expect((await expectRoute("/cosmos/base/tendermint/v1beta1/syncing", { syncing: "bool" })).syncing).toBe(false);
    const latest = await expectRoute("/cosmos/base/tendermint/v1beta1/blocks/latest", S.BLOCK);
    expect(latest.block.header.chain_id).toBe(CHAIN_ID);
    expect(Number(latest.block.header.height)).toBeGreaterThan(3);
    expect(Buffer.from(latest.block.header.proposer_address, "base64")).toHaveLength(20);
    expect(latest.sdk_block.header.proposer_address).toMatch(/^aegisvalcons1/);
    const first = await expectRoute("/cosmos/base/tendermint/v1beta1/blocks/1", S.BLOCK);
    expect(first.block.header.height).toBe("1");
    const cosmjsBlock = await hub.client.getBlock(2);
    const second = await expectRoute("/cosmos/base/tendermint/v1beta1/blocks/2", S.BLOCK);
    expect(Buffer.from(second.block_id.hash, "base64").toString("hex").toUpperCase()).toBe(cosmjsBlock.id);
    expect(second.block.data.txs).toEqual(cosmjsBlock.txs.map(b64));
    expectGatewayError(await get("/cosmos/base/tendermint/v1beta1/blocks/999999999"), 400, 3);
    expectGatewayError(await get("/cosmos/base/tendermint/v1beta1/blocks/two"), 400, 3);
    const set = await expectRoute("/cosmos/base/tendermint/v1beta1/validatorsets/2", S.VALIDATOR_SET);
    expect(set.block_height).toBe("2");
    expect(set.pagination.total).toBe(String(set.validators.length));
  });
});

describe("errors, CORS, and the rest of the API as it was", () => {
  test("a path under /cosmos that is no route: 501 Unimplemented, as the gateway answers a method it has no handler for", async () => {
    expect(expectGatewayError(await get("/cosmos/nosuch/v1beta1/thing"), 501, 12)).toBe("Not Implemented");
    expectGatewayError(await request("DELETE", "/cosmos/bank/v1beta1/params"), 501, 12);
  });

  test("malformed input: InvalidArgument (400) with the gateway's body", async () => {
    expect(expectGatewayError(await get(`/cosmos/bank/v1beta1/balances/${delegator.address}?pagination.limit=x`), 400, 3)).toContain("pagination.limit");
    expectGatewayError(await post("/cosmos/tx/v1beta1/simulate", "{not json"), 400, 3);
    expectGatewayError(await post("/cosmos/tx/v1beta1/simulate", [1]), 400, 3);
    expect(expectGatewayError(await post("/cosmos/tx/v1beta1/simulate", {}), 400, 3)).toBe("empty txBytes is not allowed");
    // Any content type is read as JSON, as the gateway reads it.
    const r = await fetch(`${hub.base}/cosmos/tx/v1beta1/simulate`, { method: "POST", body: "{}", headers: { "content-type": "text/plain;;" } });
    expect({ status: r.status, body: await r.json() }).toEqual({ status: 400, body: { code: 3, message: "empty txBytes is not allowed", details: [] } });
  });

  test("CORS: any origin, and the preflight of a JSON POST", async () => {
    const a = await get("/cosmos/staking/v1beta1/pool");
    expect(a.headers.get("access-control-allow-origin")).toBe("*");
    const pre = await fetch(`${hub.base}/cosmos/tx/v1beta1/txs`, { method: "OPTIONS", headers: { origin: "https://explorer.example", "access-control-request-method": "POST", "access-control-request-headers": "content-type" } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("*");
    expect(pre.headers.get("access-control-allow-methods")).toContain("POST");
  });

  test("the API's own routes and errors are unchanged", async () => {
    expect((await get("/status")).status).toBe(200);
    const none = await get("/no-such-route");
    expect({ status: none.status, code: none.json.error?.code }).toEqual({ status: 404, code: "API_ERROR_NOT_FOUND" });
    const badHeight = await get("/blocks/abc");
    expect({ status: badHeight.status, code: badHeight.json.error?.code }).toEqual({ status: 400, code: "API_ERROR_INVALID_HEIGHT" });
    expect((await get("/cosmosx")).json.error?.code).toBe("API_ERROR_NOT_FOUND");
  });
});

describe("a wallet that knows only the devnet's Keplr chain info and the REST routes", () => {
  test("reads the chain, an account's number and sequence, balances, validators; simulates, signs and broadcasts a delegation; then finds it, the delegation and its rewards", async () => {
    const chainInfo = buildKeplrChainInfo({ chainId: CHAIN_ID, denom: DENOM, bech32Prefix: PREFIX, rpc: [`${hub.base}/rpc`], rest: [hub.base], minGasPrice: GAS_PRICE }) as any;
    const rest = chainInfo.rest as string;
    expect(rest).toBe(hub.base);
    const read = async (path: string, shape: Shape) => {
      const r = await fetch(rest + path);
      const json = await r.json();
      expect({ path, status: r.status }).toEqual({ path, status: 200 });
      expectShape(json, shape);
      return json as any;
    };

    // The node is the chain the file describes.
    expect((await read("/cosmos/base/tendermint/v1beta1/node_info", S.NODE_INFO)).default_node_info.network).toBe(chainInfo.chainId);

    // A new key, with the file's prefix (coin type 118 is cosmjs' default path): not on chain until funded.
    const wallet = await DirectSecp256k1HdWallet.generate(12, { prefix: chainInfo.bech32Config.bech32PrefixAccAddr });
    const address = (await wallet.getAccounts())[0]!.address;
    const denom = chainInfo.stakeCurrency.coinMinimalDenom as string;
    expect((await fetch(`${rest}/cosmos/auth/v1beta1/accounts/${address}`)).status).toBe(404);
    await faucetClient.sendTokens(hub.faucet.address, address, [{ denom, amount: "3000000" }], "auto");

    const account = (await read(`/cosmos/auth/v1beta1/accounts/${address}`, S.QUERY_ACCOUNT)).account;
    expect(account).toMatchObject({ address, sequence: "0", pub_key: null });
    const balances = (await read(`/cosmos/bank/v1beta1/balances/${address}?pagination.limit=1000`, S.ALL_BALANCES)).balances;
    expect(balances).toEqual([{ denom, amount: "3000000" }]);

    const validators = (await read("/cosmos/staking/v1beta1/validators?status=BOND_STATUS_BONDED&pagination.limit=1000", S.VALIDATORS)).validators;
    const validator = validators[0];
    expect(validator.description.moniker.length).toBeGreaterThan(0);
    expect(Number(validator.commission.commission_rates.rate)).toBeGreaterThanOrEqual(0);
    expect(Number(validator.commission.commission_rates.rate)).toBeLessThanOrEqual(1);

    // Simulate for the gas, price it at the file's average step, sign with the numbers read, broadcast.
    const msg: EncodeObject = { typeUrl: MSG_DELEGATE, value: { delegatorAddress: address, validatorAddress: validator.operator_address, amount: { denom, amount: "1000000" } } };
    const accountNumber = BigInt(account.account_number);
    const sequence = Number(account.sequence);
    const draft = await signOffline(wallet, address, [msg], { amount: [{ denom, amount: "10000" }], gas: "400000" }, accountNumber, sequence);
    const sim = await post("/cosmos/tx/v1beta1/simulate", { tx_bytes: b64(draft) });
    expect(sim.status).toBe(200);
    const gas = Math.ceil(Number(sim.json.gas_info.gas_used) * 1.3);
    const price = chainInfo.feeCurrencies[0].gasPriceStep.average as number;
    const tx = await signOffline(wallet, address, [msg], { amount: [{ denom, amount: String(Math.ceil(gas * price)) }], gas: String(gas) }, accountNumber, sequence);
    const sent = await fetch(`${rest}/cosmos/tx/v1beta1/txs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ tx_bytes: b64(tx), mode: "BROADCAST_MODE_SYNC" }) });
    const sentJson = (await sent.json()) as any;
    expect({ status: sent.status, code: sentJson.tx_response.code, log: sentJson.tx_response.raw_log }).toEqual({ status: 200, code: 0, log: sentJson.tx_response.raw_log });
    const hash = sentJson.tx_response.txhash as string;

    // Included: the sequence moved.
    await waitFor("the delegation's block", async () => (await (await fetch(`${rest}/cosmos/auth/v1beta1/accounts/${address}`)).json() as any).account.sequence === "1");
    const t = await read(`/cosmos/tx/v1beta1/txs/${hash}`, S.GET_TX);
    expect({ code: t.tx_response.code, hash: t.tx_response.txhash }).toEqual({ code: 0, hash });

    const delegations = (await read(`/cosmos/staking/v1beta1/delegations/${address}?pagination.limit=1000`, S.DELEGATION_RESPONSES)).delegation_responses;
    expect(delegations).toEqual([{ delegation: { delegator_address: address, validator_address: validator.operator_address, shares: expect.stringMatching(/^[0-9]+\.[0-9]{18}$/) }, balance: { denom, amount: "1000000" } }]);
    expect((await read(`/cosmos/staking/v1beta1/delegators/${address}/unbonding_delegations`, S.UNBONDING_RESPONSES)).unbonding_responses).toEqual([]);
    const left = BigInt((await read(`/cosmos/bank/v1beta1/balances/${address}/by_denom?denom=${denom}`, S.BALANCE)).balance.amount);
    expect(left).toBe(3_000_000n - 1_000_000n - BigInt(Math.ceil(gas * price)));

    // Rewards accrue with the fees of later blocks.
    await faucetClient.sendTokens(hub.faucet.address, hub.faucet.address, [{ denom, amount: "1" }], "auto");
    await waitFor("rewards", async () => ((await (await fetch(`${rest}/cosmos/distribution/v1beta1/delegators/${address}/rewards`)).json()) as any).total.length > 0);
    const rewards = await read(`/cosmos/distribution/v1beta1/delegators/${address}/rewards`, S.DELEGATION_TOTAL_REWARDS);
    expect(rewards.rewards).toEqual([{ validator_address: validator.operator_address, reward: rewards.total }]);
    expect(Number(rewards.total[0].amount)).toBeGreaterThan(0);
  });
});
