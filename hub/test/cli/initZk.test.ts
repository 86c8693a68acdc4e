import { CliError } from "../../src/cli/cliError.js";
import { parseProverIndexes, prepareInitZk } from "../../src/cli/initZk.js";

describe("--prover <i...>", () => {
  test("indexes, repeated or comma-separated, deduplicated", () => {
    expect(parseProverIndexes(["0"], 4)).toEqual([0]);
    expect(parseProverIndexes(["1", "3"], 4)).toEqual([1, 3]);
    expect(parseProverIndexes(["2,0", "2"], 4)).toEqual([2, 0]);
  });
  test.each(["4", "-1", "a", "1.5", ""])("%j is not a node of a 4-validator chain: CLI_ERROR_INVALID_OPTION", (bad) => {
    let err: unknown;
    try {
      parseProverIndexes([bad], 4);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).type).toMatchObject({ code: "CLI_ERROR_INVALID_OPTION", option: "--prover" });
    expect((err as CliError).message).toMatch(/a node index from 0 to 3/);
  });
});

describe("prepareInitZk refuses before building anything", () => {
  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => {
        throw new Error("resolved");
      },
      (e: unknown) => e as CliError,
    );
  test("an unknown circuit", async () => {
    const e = await refusal(prepareInitZk("quorum3", { validators: 2, provers: [0] }));
    expect(e.type).toMatchObject({ code: "CLI_ERROR_ZK_CIRCUIT", circuit: "quorum3" });
    expect(e.message).toMatch(/unknown circuit quorum3/);
  });
  test("a circuit with fewer slots than validators", async () => {
    const e = await refusal(prepareInitZk("quorum4", { validators: 5, provers: [0] }));
    expect(e.type).toMatchObject({ code: "CLI_ERROR_ZK_CIRCUIT", circuit: "quorum4" });
    expect(e.message).toMatch(/4 validator slots, fewer than --validators 5/);
  });
});
