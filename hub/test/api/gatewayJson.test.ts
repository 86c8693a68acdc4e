/**
 * The gateway's JSON converter, error mapping and request parsing (hub/src/api/rest), without a node:
 * each rule of the SDK gateway's marshaler on the messages it applies to.
 */
import { aegis } from "@aegis/proto";
import { BaseAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { QueryAccountResponse } from "cosmjs-types/cosmos/auth/v1beta1/query";
import { PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { QueryDelegationTotalRewardsResponse } from "cosmjs-types/cosmos/distribution/v1beta1/query";
import { QueryParamsResponse as SlashingParamsResponse } from "cosmjs-types/cosmos/slashing/v1beta1/query";
import { QueryParamsResponse as StakingParamsResponse, QueryValidatorsResponse } from "cosmjs-types/cosmos/staking/v1beta1/query";
import { MsgDelegate } from "cosmjs-types/cosmos/staking/v1beta1/tx";
import { SignMode } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import { GetTxResponse } from "cosmjs-types/cosmos/tx/v1beta1/service";
import { BondStatus } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import {
  createGatewayErrorFromAbci,
  createGatewayRequestJson,
  decodeGatewayJson,
  encodeGatewayAnyJson,
  encodeGatewayJson,
  formatDuration,
  formatLegacyDec,
  formatTimestamp,
  GATEWAY_HTTP_STATUS,
  GATEWAY_QUERY_ROUTES,
  GatewayError,
  getGatewayPathParams,
  GrpcCode,
  toProtoFieldName,
} from "../../src/api/rest/index.js";

const enc = new TextEncoder();

describe("values as the SDK gateway's marshaler writes them", () => {
  test.each([
    ["0", "0.000000000000000000"],
    ["", "0.000000000000000000"],
    ["1", "0.000000000000000001"],
    ["100000000000000000", "0.100000000000000000"],
    ["7500000000000000000", "7.500000000000000000"],
    ["1000000000000000000000000", "1000000.000000000000000000"],
    ["-2500000000000000000", "-2.500000000000000000"],
    ["000100000000000000000000", "100.000000000000000000"],
    ["-0", "0.000000000000000000"],
    ["1.5", "1.5"],
  ])("LegacyDec atomics %j → %j", (atomics, want) => {
    expect(formatLegacyDec(atomics)).toBe(want);
  });

  test.each([
    [{ seconds: 1767323045n, nanos: 0 }, "2026-01-02T03:04:05Z"],
    [{ seconds: 1767323045n, nanos: 678_000_000 }, "2026-01-02T03:04:05.678Z"],
    [{ seconds: 1767323045n, nanos: 678_900_000 }, "2026-01-02T03:04:05.678900Z"],
    [{ seconds: 1767323045n, nanos: 678_901_234 }, "2026-01-02T03:04:05.678901234Z"],
    [{ seconds: 0n, nanos: 0 }, "1970-01-01T00:00:00Z"],
    [{ seconds: -62135596800n, nanos: 0 }, "0001-01-01T00:00:00Z"],
    [{ seconds: 253402300799n, nanos: 0 }, "9999-12-31T23:59:59Z"],
  ])("Timestamp %o → %s (Go's protojson: 0, 3, 6 or 9 fraction digits)", (t, want) => {
    expect(formatTimestamp(t)).toBe(want);
  });

  test.each([
    [{ seconds: 1814400n, nanos: 0 }, "1814400s"],
    [{ seconds: 600n, nanos: 500_000_000 }, "600.500s"],
    [{ seconds: 0n, nanos: 1 }, "0.000000001s"],
    [{ seconds: -1n, nanos: -500_000_000 }, "-1.500s"],
  ])("Duration %o → %s", (d, want) => {
    expect(formatDuration(d)).toBe(want);
  });

  test("camelCase names back to the proto's snake_case", () => {
    expect(["operatorAddress", "consensusPubkey", "unbondingOnHoldRefCount", "nextKey", "p2p", "txhash", "lastBlockId", "uriHash"].map(toProtoFieldName)).toEqual([
      "operator_address",
      "consensus_pubkey",
      "unbonding_on_hold_ref_count",
      "next_key",
      "p2p",
      "txhash",
      "last_block_id",
      "uri_hash",
    ]);
  });
});

describe("messages", () => {
  test("an account: the Any unpacked under @type, its pub_key too; 64-bit numbers as strings; an unset pub_key is null", () => {
    const key = new Uint8Array(33).fill(2);
    const withKey = BaseAccount.encode({ address: "aegis1xyz", pubKey: { typeUrl: PubKey.typeUrl, value: PubKey.encode({ key }).finish() }, accountNumber: 7n, sequence: 3n }).finish();
    const res = QueryAccountResponse.encode({ account: { typeUrl: BaseAccount.typeUrl, value: withKey } }).finish();
    expect(decodeGatewayJson(QueryAccountResponse, res)).toEqual({
      account: {
        "@type": "/cosmos.auth.v1beta1.BaseAccount",
        address: "aegis1xyz",
        pub_key: { "@type": "/cosmos.crypto.secp256k1.PubKey", key: Buffer.from(key).toString("base64") },
        account_number: "7",
        sequence: "3",
      },
    });
    const bare = BaseAccount.encode({ address: "aegis1xyz", pubKey: undefined, accountNumber: 0n, sequence: 0n }).finish();
    expect(encodeGatewayAnyJson({ typeUrl: BaseAccount.typeUrl, value: bare })).toEqual({ "@type": BaseAccount.typeUrl, address: "aegis1xyz", pub_key: null, account_number: "0", sequence: "0" });
  });

  test("a validator: Dec fields as decimals, Int fields as they are, the status by name, times RFC 3339, the BLS key's Any read from the hub's protos, empty pagination key null", () => {
    const bls = new Uint8Array(48).fill(9);
    const msg = QueryValidatorsResponse.fromPartial({
      validators: [
        {
          operatorAddress: "aegisvaloper1abc",
          consensusPubkey: { typeUrl: "/aegis.staking.v1.BlsPublicKey", value: aegis.staking.v1.BlsPublicKey.encode({ key: bls }).finish() },
          jailed: false,
          status: BondStatus.BOND_STATUS_BONDED,
          tokens: "1000000",
          delegatorShares: "1000000000000000000000000",
          description: { moniker: "node0" },
          unbondingHeight: 0n,
          unbondingTime: { seconds: 0n, nanos: 0 },
          commission: { commissionRates: { rate: "100000000000000000", maxRate: "200000000000000000", maxChangeRate: "10000000000000000" }, updateTime: { seconds: 1767323045n, nanos: 0 } },
          minSelfDelegation: "1",
          unbondingOnHoldRefCount: 0n,
          unbondingIds: [5n],
        },
      ],
      pagination: { nextKey: new Uint8Array(0), total: 1n },
    });
    expect(encodeGatewayJson(QueryValidatorsResponse, QueryValidatorsResponse.decode(QueryValidatorsResponse.encode(msg).finish()))).toEqual({
      validators: [
        {
          operator_address: "aegisvaloper1abc",
          consensus_pubkey: { "@type": "/aegis.staking.v1.BlsPublicKey", key: Buffer.from(bls).toString("base64") },
          jailed: false,
          status: "BOND_STATUS_BONDED",
          tokens: "1000000",
          delegator_shares: "1000000.000000000000000000",
          description: { moniker: "node0", identity: "", website: "", security_contact: "", details: "" },
          unbonding_height: "0",
          unbonding_time: "1970-01-01T00:00:00Z",
          commission: { commission_rates: { rate: "0.100000000000000000", max_rate: "0.200000000000000000", max_change_rate: "0.010000000000000000" }, update_time: "2026-01-02T03:04:05Z" },
          min_self_delegation: "1",
          unbonding_on_hold_ref_count: "0",
          unbonding_ids: ["5"],
        },
      ],
      pagination: { next_key: null, total: "1" },
    });
  });

  test("rewards: DecCoin amounts as decimals (a Coin's stay integers elsewhere)", () => {
    const msg = QueryDelegationTotalRewardsResponse.fromPartial({
      rewards: [{ validatorAddress: "aegisvaloper1abc", reward: [{ denom: "uaeg", amount: "12345000000000000000" }] }],
      total: [{ denom: "uaeg", amount: "12345000000000000000" }],
    });
    expect(encodeGatewayJson(QueryDelegationTotalRewardsResponse, msg)).toEqual({
      rewards: [{ validator_address: "aegisvaloper1abc", reward: [{ denom: "uaeg", amount: "12.345000000000000000" }] }],
      total: [{ denom: "uaeg", amount: "12.345000000000000000" }],
    });
  });

  test("params: a Duration as seconds, 32-bit numbers as numbers, slashing's Dec bytes as decimals", () => {
    const staking = StakingParamsResponse.fromPartial({ params: { unbondingTime: { seconds: 1814400n, nanos: 0 }, maxValidators: 100, maxEntries: 7, historicalEntries: 0, bondDenom: "uaeg", minCommissionRate: "0" } });
    expect(encodeGatewayJson(StakingParamsResponse, staking)).toEqual({
      params: { unbonding_time: "1814400s", max_validators: 100, max_entries: 7, historical_entries: 0, bond_denom: "uaeg", min_commission_rate: "0.000000000000000000" },
    });
    const slashing = SlashingParamsResponse.fromPartial({
      params: { signedBlocksWindow: 100n, minSignedPerWindow: enc.encode("500000000000000000"), downtimeJailDuration: { seconds: 600n, nanos: 0 }, slashFractionDoubleSign: enc.encode("50000000000000000"), slashFractionDowntime: enc.encode("10000000000000000") },
    });
    expect(encodeGatewayJson(SlashingParamsResponse, slashing)).toEqual({
      params: { signed_blocks_window: "100", min_signed_per_window: "0.500000000000000000", downtime_jail_duration: "600s", slash_fraction_double_sign: "0.050000000000000000", slash_fraction_downtime: "0.010000000000000000" },
    });
  });

  test("a transaction: messages unpacked (the SDK's and the hub's own), the sign mode by name, the unset oneof member left out, an unset message null", () => {
    const delegate = MsgDelegate.encode({ delegatorAddress: "aegis1d", validatorAddress: "aegisvaloper1v", amount: { denom: "uaeg", amount: "5" } }).finish();
    const create = aegis.staking.v1.MsgCreateValidator.encode({ commission: { rate: "100000000000000000", max_rate: "200000000000000000", max_change_rate: "10000000000000000" }, min_self_delegation: "1", bls_public_key: new Uint8Array([1, 2]) }).finish();
    const msg = GetTxResponse.fromPartial({
      tx: {
        body: { messages: [{ typeUrl: MsgDelegate.typeUrl, value: delegate }, { typeUrl: "/aegis.staking.v1.MsgCreateValidator", value: create }], memo: "hi" },
        authInfo: { signerInfos: [{ publicKey: undefined, modeInfo: { single: { mode: SignMode.SIGN_MODE_DIRECT } }, sequence: 4n }], fee: { amount: [{ denom: "uaeg", amount: "5000" }], gasLimit: 200000n } },
        signatures: [new Uint8Array([7])],
      },
      txResponse: { height: 9n, txhash: "AB", code: 0, gasWanted: 200000n, gasUsed: 61234n, timestamp: "2026-01-02T03:04:05Z", events: [{ type: "message", attributes: [{ key: "action", value: "x", index: true }] }] },
    });
    const json = encodeGatewayJson(GetTxResponse, GetTxResponse.decode(GetTxResponse.encode(msg).finish())) as any;
    expect(json.tx.body.messages[0]).toEqual({ "@type": MsgDelegate.typeUrl, delegator_address: "aegis1d", validator_address: "aegisvaloper1v", amount: { denom: "uaeg", amount: "5" } });
    expect(json.tx.body.messages[1]).toMatchObject({
      "@type": "/aegis.staking.v1.MsgCreateValidator",
      commission: { rate: "0.100000000000000000", max_rate: "0.200000000000000000", max_change_rate: "0.010000000000000000" },
      min_self_delegation: "1",
      bls_public_key: "AQI=",
      bls_proof_of_possession: null,
      description: null,
    });
    expect(json.tx.body.memo).toBe("hi");
    expect(json.tx.body.timeout_height).toBe("0");
    expect(json.tx.auth_info.signer_infos).toEqual([{ public_key: null, mode_info: { single: { mode: "SIGN_MODE_DIRECT" } }, sequence: "4" }]);
    expect(json.tx.auth_info.fee).toEqual({ amount: [{ denom: "uaeg", amount: "5000" }], gas_limit: "200000", payer: "", granter: "" });
    expect(json.tx.signatures).toEqual(["Bw=="]);
    expect(json.tx_response).toMatchObject({ height: "9", txhash: "AB", code: 0, gas_wanted: "200000", gas_used: "61234", tx: null, timestamp: "2026-01-02T03:04:05Z", logs: [], events: [{ type: "message", attributes: [{ key: "action", value: "x", index: true }] }] });
  });

  test("an Any of a type the hub does not know keeps its bytes", () => {
    expect(encodeGatewayAnyJson({ typeUrl: "/foo.Bar", value: new Uint8Array([1]) })).toEqual({ "@type": "/foo.Bar", value: "AQ==" });
  });
});

describe("errors: a failed ABCI query as the SDK's gateway maps it (client/grpc_query.go sdkErrorToGRPCError)", () => {
  test.each([
    [22, "rpc error: code = NotFound desc = account x not found: key not found", GrpcCode.NotFound, 404],
    [18, "empty address: invalid request", GrpcCode.InvalidArgument, 400],
    [7, "decoding bech32 failed: invalid address", GrpcCode.InvalidArgument, 400],
    [4, "unauthorized", GrpcCode.Unauthenticated, 401],
    [6, "unknown query path /cosmos.bank.v1beta1.Query/SupplyOf: unknown request", GrpcCode.Unimplemented, 501],
    [32, "account sequence mismatch, expected 1, got 0: incorrect account sequence", GrpcCode.Unknown, 500],
  ])("ABCI code %i → gRPC %i, HTTP %i, the log as the message", (abci, log, grpc, http) => {
    const e = createGatewayErrorFromAbci({ code: abci, codespace: "sdk", log });
    expect({ code: e.code, status: e.httpStatus, body: e.toJson() }).toEqual({ code: grpc, status: http, body: { code: grpc, message: log, details: [] } });
  });

  test("the HTTP status of every gRPC code is grpc-gateway v1's", () => {
    expect(GATEWAY_HTTP_STATUS).toEqual({ 0: 200, 1: 408, 2: 500, 3: 400, 4: 504, 5: 404, 6: 409, 7: 403, 8: 429, 9: 412, 10: 409, 11: 400, 12: 501, 13: 500, 14: 503, 15: 500, 16: 401 });
  });

  test("a long message is clipped", () => {
    expect(new GatewayError(GrpcCode.InvalidArgument, "x".repeat(5000)).toJson().message.length).toBeLessThan(400);
  });
});

describe("requests from path and query parameters", () => {
  const route = (path: string) => GATEWAY_QUERY_ROUTES.find((r) => r.path === path)!;

  test("every route's path parameters are fields of its request", () => {
    for (const r of GATEWAY_QUERY_ROUTES) {
      const names = getGatewayPathParams(r.path);
      const json = createGatewayRequestJson(r, Object.fromEntries(names.map((n) => [n, r.fields?.[n] === "int64" ? "5" : "x"])), r.required ? { [r.required.field]: "AQ==" } : {});
      const request = r.request.fromJSON(json) as Record<string, unknown>;
      for (const n of names) expect({ path: r.path, field: n, set: request[n.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] !== undefined }).toEqual({ path: r.path, field: n, set: true });
    }
  });

  test("pagination.* make the PageRequest; other known fields are typed; unknown ones are ignored", () => {
    const r = route("/cosmos/staking/v1beta1/validators");
    const json = createGatewayRequestJson(r, {}, { status: "BOND_STATUS_BONDED", "pagination.limit": "2", "pagination.offset": "1", "pagination.count_total": "true", "pagination.key": "AQI-_w", "pagination.reverse": "f", foo: "bar" });
    expect(json).toEqual({ status: "BOND_STATUS_BONDED", pagination: { key: "AQI+/w==", offset: "1", limit: "2", countTotal: true, reverse: false } });
    expect(createGatewayRequestJson(r, {}, {})).toEqual({});
  });

  test.each([
    [{ "pagination.limit": "ten" }, 'type mismatch, parameter: pagination.limit, error: strconv.ParseUint: parsing "ten": invalid syntax'],
    [{ "pagination.limit": "18446744073709551616" }, 'type mismatch, parameter: pagination.limit, error: strconv.ParseUint: parsing "18446744073709551616": value out of range'],
    [{ "pagination.count_total": "yes" }, 'type mismatch, parameter: pagination.count_total, error: strconv.ParseBool: parsing "yes": invalid syntax'],
    [{ "pagination.key": "a!" }, "type mismatch, parameter: pagination.key, error: illegal base64 data"],
    [{ status: ["a", "b"] }, "too many values for field status: a, b"],
  ])("%o is InvalidArgument: %s", (q, message) => {
    let err: unknown;
    try {
      createGatewayRequestJson(route("/cosmos/staking/v1beta1/validators"), {}, q);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).toJson()).toEqual({ code: 3, message, details: [] });
  });

  test("simulate needs tx_bytes", () => {
    const r = route("/cosmos/tx/v1beta1/simulate");
    expect(() => createGatewayRequestJson(r, {}, {})).toThrow("empty txBytes is not allowed");
    expect(createGatewayRequestJson(r, {}, { tx_bytes: "AQID" })).toEqual({ txBytes: "AQID" });
  });
});
