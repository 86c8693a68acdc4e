import { createServer } from "node:net";
import { connectComet } from "@cosmjs/tendermint-rpc";
import { BroadcastTxError } from "@cosmjs/stargate";
import { CliError } from "../../src/cli/cliError.js";
import { getDeliverTxError, toCliError, type NodeErrorContext } from "../../src/cli/nodeErrors.js";

const URL = "http://127.0.0.1:26756/rpc";
const ALICE = { name: "alice", address: "aegis1alice" };
const ctx = (stage: NodeErrorContext["stage"]): NodeErrorContext => ({ url: URL, stage, signer: ALICE });
const asCli = (e: unknown): CliError => {
  expect(e).toBeInstanceOf(CliError);
  return e as CliError;
};

/** A port nothing listens on (listen on 0, close). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe("toCliError: what cosmjs throws, as messages a user can act on", () => {
  test("no node listening: names the URL and suggests the devnet or --node (a real connection attempt)", async () => {
    const url = `http://127.0.0.1:${await closedPort()}/rpc`;
    const thrown = await connectComet(url).then(
      () => null,
      (e: unknown) => e,
    );
    expect((thrown as Error).message).toBe("fetch failed"); // what a user saw before
    const e = asCli(toCliError(thrown, { url, stage: "query" }));
    expect(e.type).toMatchObject({ code: "CLI_ERROR_NODE_UNREACHABLE", url });
    expect(e.message).toContain(`cannot reach the node at ${url} (connect ECONNREFUSED`);
    expect(e.message).toMatch(/npm run devnet.*--node/);
  });
  test("an unknown host", () => {
    const cause = Object.assign(new Error("getaddrinfo ENOTFOUND nowhere.invalid"), { code: "ENOTFOUND" });
    const e = asCli(toCliError(new TypeError("fetch failed", { cause }), ctx("query")));
    expect(e.type).toEqual({ code: "CLI_ERROR_NODE_UNREACHABLE", url: URL, reason: "getaddrinfo ENOTFOUND nowhere.invalid" });
  });
  test("an HTTP server that is not a node's RPC", () => {
    const e = asCli(toCliError(new Error("Bad status on response: 404"), ctx("query")));
    expect(e.code).toBe("CLI_ERROR_NODE_UNREACHABLE");
    expect(e.message).toMatch(/answered HTTP 404/);
  });
  test("the node's insufficient-funds answer in simulation: what the account has and needs", () => {
    const raw = new Error("Query failed with (5): spendable balance 100uaeg is smaller than 4321uaeg: insufficient funds");
    const e = asCli(toCliError(raw, ctx("simulate")));
    expect(e.type).toEqual({ code: "CLI_ERROR_INSUFFICIENT_FUNDS", address: ALICE.address, have: "100uaeg", need: "4321uaeg" });
    expect(e.message).toMatch(/^insufficient funds: alice \(aegis1alice\) has 100uaeg but needs 4321uaeg/);
  });
  test("…and in CheckTx (BroadcastTxError) and in the block", () => {
    const checked = asCli(toCliError(new BroadcastTxError(5, "sdk", "spendable balance  is smaller than 2500uaeg: insufficient funds"), ctx("broadcast")));
    expect(checked.type).toMatchObject({ code: "CLI_ERROR_INSUFFICIENT_FUNDS", have: "0", need: "2500uaeg" });
    const delivered = getDeliverTxError({ code: 5, height: 9, transactionHash: "AB", rawLog: "spendable balance 1uaeg is smaller than 2uaeg: insufficient funds" }, ctx("broadcast"));
    expect(delivered.type).toMatchObject({ code: "CLI_ERROR_INSUFFICIENT_FUNDS", have: "1uaeg", need: "2uaeg" });
    const other = getDeliverTxError({ code: 18, height: 9, transactionHash: "AB", rawLog: "validator not jailed" }, ctx("broadcast"));
    expect(other.type).toMatchObject({ code: "CLI_ERROR_TX_REFUSED", stage: "deliver", abciCode: 18 });
  });
  test("other refusals keep the node's code and log", () => {
    const sim = asCli(toCliError(new Error("Query failed with (18): validator does not exist: invalid request"), ctx("simulate")));
    expect(sim.type).toEqual({ code: "CLI_ERROR_TX_REFUSED", stage: "simulate", abciCode: 18, codespace: "sdk", log: "validator does not exist: invalid request" });
    expect(sim.message).toMatch(/nothing was broadcast/);
    const check = asCli(toCliError(new BroadcastTxError(32, "sdk", "account sequence mismatch"), ctx("broadcast")));
    expect(check.type).toMatchObject({ code: "CLI_ERROR_TX_REFUSED", stage: "check", abciCode: 32 });
    const notFound = asCli(toCliError(new Error("Query failed with (22): rpc error: code = NotFound desc = validator x does not exist: key not found"), ctx("query")));
    expect(notFound.code).toBe("CLI_ERROR_NOT_FOUND");
    expect(notFound.message).toBe("not found: validator x does not exist: key not found");
    expect(asCli(toCliError(new Error("Query failed with (5): x"), ctx("query"))).code).toBe("CLI_ERROR_QUERY_FAILED");
  });
  test("anything else passes through unchanged", () => {
    const e = new Error("something else");
    expect(toCliError(e, ctx("query"))).toBe(e);
    const cli = new CliError({ code: "CLI_ERROR_TX_CANCELED" });
    expect(toCliError(cli, ctx("query"))).toBe(cli);
  });
});
