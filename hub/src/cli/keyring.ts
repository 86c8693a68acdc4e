import { readdir, readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { AegisError } from "@aegis/consumer-sdk";
import { writeFileAtomic } from "../node/nodeConfig.js";
import { ACCOUNT_ADDRESS_PREFIX } from "../tx/index.js";

/**
 * A folder of named keys, as the Cosmos SDK's keyring: backend "file" stores the wallet encrypted with
 * a password (cosmjs' serialization), backend "test" stores the mnemonic in plain text (devnets only).
 */
export type KeyringBackend = "file" | "test";

export type KeyringErrorType =
  | { code: "KEYRING_ERROR_NOT_FOUND"; name: string }
  | { code: "KEYRING_ERROR_EXISTS"; name: string }
  | { code: "KEYRING_ERROR_INVALID_NAME"; name: string }
  | { code: "KEYRING_ERROR_NO_PASSWORD" }
  | { code: "KEYRING_ERROR_PASSWORD_MISMATCH"; name: string }
  | { code: "KEYRING_ERROR_WRONG_PASSWORD"; name: string }
  | { code: "KEYRING_ERROR_CORRUPT"; name: string; reason: string }
  | { code: "KEYRING_ERROR_BAD_MNEMONIC" };
export class KeyringError extends AegisError<KeyringErrorType> {}

export function defaultKeyringDir(): string {
  return join(homedir(), ".aegis", "keyring");
}

interface StoredKey {
  name: string;
  address: string;
  backend: KeyringBackend;
  /** backend "test" */
  mnemonic?: string;
  /** backend "file": DirectSecp256k1HdWallet.serialize(password) */
  wallet?: string;
}

const NAME_RE = /^[a-zA-Z0-9_.-]{1,64}$/;

export class Keyring {
  /**
   * `password` gives the file backend's password, for a new key ("create") or to decrypt one
   * ("unlock"); it is only called when one is needed (never for the test backend or to read an address).
   */
  constructor(
    private readonly dir: string,
    private readonly password: (purpose: "create" | "unlock", name: string) => Promise<string>,
  ) {}

  private path(name: string): string {
    if (!NAME_RE.test(name)) throw new KeyringError({ code: "KEYRING_ERROR_INVALID_NAME", name }, `key name must match ${NAME_RE}`);
    return join(this.dir, `${name}.json`);
  }

  /** Adds a key from `mnemonic`, or a new 24-word one. Returns the address (and the new mnemonic to show once). */
  async add(name: string, opts: { mnemonic?: string; backend: KeyringBackend }): Promise<{ address: string; mnemonic: string }> {
    const path = this.path(name);
    if (await this.exists(name)) throw new KeyringError({ code: "KEYRING_ERROR_EXISTS", name }, `key ${name} already exists`);
    let wallet: DirectSecp256k1HdWallet;
    try {
      wallet = opts.mnemonic
        ? await DirectSecp256k1HdWallet.fromMnemonic(opts.mnemonic.trim(), { prefix: ACCOUNT_ADDRESS_PREFIX })
        : await DirectSecp256k1HdWallet.generate(24, { prefix: ACCOUNT_ADDRESS_PREFIX });
    } catch (e) {
      throw new KeyringError({ code: "KEYRING_ERROR_BAD_MNEMONIC" }, `invalid mnemonic: ${(e as Error).message}`);
    }
    const address = (await wallet.getAccounts())[0]!.address;
    const stored: StoredKey =
      opts.backend === "test"
        ? { name, address, backend: "test", mnemonic: wallet.mnemonic }
        : { name, address, backend: "file", wallet: await wallet.serialize(await this.requirePassword("create", name)) };
    await writeFileAtomic(path, JSON.stringify(stored, null, 2) + "\n", 0o600);
    return { address, mnemonic: wallet.mnemonic };
  }

  async list(): Promise<{ name: string; address: string; backend: KeyringBackend }[]> {
    let files: string[];
    try {
      files = await readdir(this.dir);
    } catch {
      return [];
    }
    const out = [];
    for (const f of files.filter((f) => f.endsWith(".json")).sort()) {
      const k = JSON.parse(await readFile(join(this.dir, f), "utf8")) as StoredKey;
      out.push({ name: k.name, address: k.address, backend: k.backend });
    }
    return out;
  }

  async exists(name: string): Promise<boolean> {
    try {
      await readFile(this.path(name));
      return true;
    } catch {
      return false;
    }
  }

  private async read(name: string): Promise<StoredKey> {
    let raw: string;
    try {
      raw = await readFile(this.path(name), "utf8");
    } catch (e) {
      if (e instanceof KeyringError) throw e;
      throw new KeyringError({ code: "KEYRING_ERROR_NOT_FOUND", name }, `no key named ${name} in ${this.dir} (aegis keys list)`);
    }
    try {
      const k = JSON.parse(raw) as StoredKey;
      if (typeof k.address !== "string" || (k.backend !== "test" && k.backend !== "file")) throw new Error("missing address or backend");
      return k;
    } catch (e) {
      throw new KeyringError({ code: "KEYRING_ERROR_CORRUPT", name, reason: (e as Error).message }, `key file of ${name} in ${this.dir} is unreadable: ${(e as Error).message}`);
    }
  }

  /** A key's address (stored in clear: no password needed). */
  async address(name: string): Promise<string> {
    return (await this.read(name)).address;
  }

  /** The signer for a key name (asks for the password of a file-backend key). */
  async wallet(name: string): Promise<{ wallet: DirectSecp256k1HdWallet; address: string }> {
    const k = await this.read(name);
    if (k.backend === "test") return { wallet: await DirectSecp256k1HdWallet.fromMnemonic(k.mnemonic!, { prefix: ACCOUNT_ADDRESS_PREFIX }), address: k.address };
    const password = await this.requirePassword("unlock", name);
    let wallet: DirectSecp256k1HdWallet;
    try {
      wallet = await DirectSecp256k1HdWallet.deserialize(k.wallet!, password);
    } catch {
      throw new KeyringError({ code: "KEYRING_ERROR_WRONG_PASSWORD", name }, `wrong password for key ${name} (or its file is damaged)`);
    }
    return { wallet, address: k.address };
  }

  private async requirePassword(purpose: "create" | "unlock", name: string): Promise<string> {
    const p = await this.password(purpose, name);
    if (!p) throw new KeyringError({ code: "KEYRING_ERROR_NO_PASSWORD" }, "the file keyring needs a password: set AEGIS_KEYRING_PASSWORD or use --keyring-backend test");
    return p;
  }
}
