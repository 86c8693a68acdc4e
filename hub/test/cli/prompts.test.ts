import { CliError } from "../../src/cli/cliError.js";
import { KeyringError } from "../../src/cli/keyring.js";
import { confirmBroadcast, getKeyringPassword, type PromptIo } from "../../src/cli/prompts.js";

/** A terminal (or none) that answers from a script and records what it was asked. */
function fakeIo(isTTY: boolean, answers: string[] = [], confirmAnswer = false) {
  const asked: string[] = [];
  const written: string[] = [];
  const io: PromptIo = {
    isTTY,
    async password(message, validate) {
      asked.push(message);
      for (;;) {
        const a = answers.shift();
        if (a === undefined) throw new Error(`no answer left for ${message}`);
        if (!validate || validate(a) === true) return a;
        asked.push(`again: ${String(validate(a))}`);
      }
    },
    async confirm(message) {
      asked.push(message);
      return confirmAnswer;
    },
    write: (t) => void written.push(t),
  };
  return { io, asked, written };
}

async function rejection(p: Promise<unknown>): Promise<KeyringError | CliError> {
  return p.then(
    () => {
      throw new Error("resolved");
    },
    (e: unknown) => e as KeyringError,
  );
}

describe("getKeyringPassword", () => {
  test("$AEGIS_KEYRING_PASSWORD first, without asking", async () => {
    const { io, asked } = fakeIo(true);
    expect(await getKeyringPassword("create", "alice", { AEGIS_KEYRING_PASSWORD: "from env" }, io)).toBe("from env");
    expect(asked).toEqual([]);
  });
  test("no terminal and no variable: names AEGIS_KEYRING_PASSWORD and --keyring-backend test", async () => {
    for (const purpose of ["create", "unlock"] as const) {
      const e = await rejection(getKeyringPassword(purpose, "alice", { AEGIS_KEYRING_PASSWORD: "" }, fakeIo(false).io));
      expect(e.code).toBe("KEYRING_ERROR_NO_PASSWORD");
      expect(e.message).toContain("AEGIS_KEYRING_PASSWORD");
      expect(e.message).toContain("--keyring-backend test");
    }
  });
  test("a new key on a terminal: asked twice, at least 8 characters", async () => {
    const { io, asked } = fakeIo(true, ["short", "long enough", "long enough"]);
    expect(await getKeyringPassword("create", "alice", {}, io)).toBe("long enough");
    expect(asked).toEqual(["Password to encrypt key alice (at least 8 characters):", "again: at least 8 characters", "Repeat the password:"]);
  });
  test("a new key whose two passwords differ: KEYRING_ERROR_PASSWORD_MISMATCH", async () => {
    const e = await rejection(getKeyringPassword("create", "alice", {}, fakeIo(true, ["long enough", "long enouhg"]).io));
    expect(e.type).toEqual({ code: "KEYRING_ERROR_PASSWORD_MISMATCH", name: "alice" });
  });
  test("unlocking on a terminal: asked once", async () => {
    const { io, asked } = fakeIo(true, ["pw"]);
    expect(await getKeyringPassword("unlock", "alice", {}, io)).toBe("pw");
    expect(asked).toEqual(["Password of key alice:"]);
  });
});

describe("confirmBroadcast", () => {
  test("on a terminal: shows the summary and asks; no is CLI_ERROR_TX_CANCELED", async () => {
    const { io, asked, written } = fakeIo(true, [], false);
    const e = await rejection(confirmBroadcast("messages: …\nfee 5000uaeg", false, io));
    expect(e.code).toBe("CLI_ERROR_TX_CANCELED");
    expect(written.join("")).toBe("messages: …\nfee 5000uaeg\n");
    expect(asked).toEqual(["confirm transaction before signing and broadcasting"]);
  });
  test("yes goes on", async () => {
    await expect(confirmBroadcast("s", false, fakeIo(true, [], true).io)).resolves.toBeUndefined();
  });
  test("-y, or no terminal: nothing shown, nothing asked", async () => {
    for (const [tty, yes] of [
      [true, true],
      [false, false],
    ] as const) {
      const { io, asked, written } = fakeIo(tty, [], false);
      await confirmBroadcast("s", yes, io);
      expect(asked).toEqual([]);
      expect(written).toEqual([]);
    }
  });
});
