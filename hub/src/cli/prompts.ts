/**
 * What the CLI asks a person at a terminal: the keyring password (hidden, with @inquirer/password) and
 * the confirmation before a transaction is broadcast. Without a terminal nothing is asked: the password
 * comes from $AEGIS_KEYRING_PASSWORD and transactions go out as they are.
 */
import { createInterface } from "node:readline/promises";
import { KeyringError } from "./keyring.js";
import { CliError } from "./cliError.js";

export const KEYRING_PASSWORD_ENV = "AEGIS_KEYRING_PASSWORD";
/** As the Cosmos SDK's file keyring asks of a new passphrase. */
export const MIN_NEW_PASSWORD_LENGTH = 8;

/** The terminal the CLI talks to (tests pass their own). */
export interface PromptIo {
  /** stdin is a terminal: a person can answer. */
  isTTY: boolean;
  /** Asks for a hidden answer; `validate` returns true or the reason to ask again. */
  password(message: string, validate?: (value: string) => true | string): Promise<string>;
  /** Asks a yes/no question (default no). */
  confirm(message: string): Promise<boolean>;
  /** Where summaries go (stderr: stdout stays the command's JSON). */
  write(text: string): void;
}

function isPromptClosed(e: unknown): boolean {
  return e instanceof Error && (e.name === "ExitPromptError" || e.name === "AbortPromptError" || e.name === "AbortError");
}

/** The process' own terminal. */
export function createProcessPromptIo(): PromptIo {
  return {
    isTTY: process.stdin.isTTY === true,
    async password(message, validate) {
      const { default: password } = await import("@inquirer/password");
      try {
        return await password({ message, mask: "*", validate }, { input: process.stdin, output: process.stderr });
      } catch (e) {
        if (isPromptClosed(e)) throw new KeyringError({ code: "KEYRING_ERROR_NO_PASSWORD" }, "no password given (the prompt was closed)");
        throw e;
      }
    },
    async confirm(message) {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        // Ctrl-C or Ctrl-D: not confirmed (without a SIGINT listener readline would only pause).
        rl.on("SIGINT", () => rl.close());
        const closed = new Promise<string>((resolve) => rl.once("close", () => resolve("")));
        const answer = await Promise.race([rl.question(`${message} [y/N]: `).catch(() => ""), closed]);
        return /^y(es)?$/i.test(answer.trim());
      } finally {
        rl.close();
      }
    },
    write(text) {
      process.stderr.write(text);
    },
  };
}

/**
 * The password of the file keyring: $AEGIS_KEYRING_PASSWORD when set, else asked at the terminal
 * (twice, and at least MIN_NEW_PASSWORD_LENGTH characters, for a new key), else
 * KEYRING_ERROR_NO_PASSWORD naming the variable and the test backend.
 */
export async function getKeyringPassword(purpose: "create" | "unlock", keyName: string, env: NodeJS.ProcessEnv, io: PromptIo): Promise<string> {
  const fromEnv = env[KEYRING_PASSWORD_ENV];
  if (fromEnv) return fromEnv;
  if (!io.isTTY) {
    throw new KeyringError(
      { code: "KEYRING_ERROR_NO_PASSWORD" },
      `key ${keyName} ${purpose === "create" ? "would be" : "is"} encrypted (keyring backend "file") and there is no terminal to ask for its password: ` +
        `set ${KEYRING_PASSWORD_ENV}, or use --keyring-backend test (plain text, for devnets)`,
    );
  }
  if (purpose === "unlock") {
    return io.password(`Password of key ${keyName}:`, (v) => (v.length > 0 ? true : "the password is empty"));
  }
  const first = await io.password(`Password to encrypt key ${keyName} (at least ${MIN_NEW_PASSWORD_LENGTH} characters):`, (v) =>
    v.length >= MIN_NEW_PASSWORD_LENGTH ? true : `at least ${MIN_NEW_PASSWORD_LENGTH} characters`,
  );
  const again = await io.password("Repeat the password:");
  if (again !== first) throw new KeyringError({ code: "KEYRING_ERROR_PASSWORD_MISMATCH", name: keyName }, "the passwords do not match; nothing was written");
  return first;
}

/**
 * Before broadcasting: on a terminal, shows `summary` and asks; `yes` (-y) skips the question, and
 * without a terminal nothing is asked. Throws CLI_ERROR_TX_CANCELED unless confirmed.
 */
export async function confirmBroadcast(summary: string, yes: boolean, io: PromptIo): Promise<void> {
  if (yes || !io.isTTY) return;
  io.write(summary.endsWith("\n") ? summary : `${summary}\n`);
  if (!(await io.confirm("confirm transaction before signing and broadcasting"))) {
    throw new CliError({ code: "CLI_ERROR_TX_CANCELED" }, "canceled transaction: nothing was broadcast");
  }
}
