import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildEddsa, type Eddsa } from "circomlibjs";
import * as snarkjs from "snarkjs";
import {
  computeFinalityMessage,
  computeZkChainId,
  computeZkSignerBitmap,
  computeZkValidatorSetRoot,
  padZkValidatorSlots,
  splitBlockHash,
  type ZkValidatorSlot,
} from "@aegis/consumer-sdk";
import { CIRCUITS_DIR } from "../scripts/build.mjs";

/** A validator of the fixture set: its attestation secret key and its slot. */
export interface FixtureValidator {
  secretKey: Buffer;
  slot: ZkValidatorSlot;
}

export interface Statement {
  chainId: string;
  height: number;
  blockHash: Uint8Array;
  nextValidatorSetRoot: bigint;
}

/** Circuit inputs as snarkjs takes them (decimal strings), with the named fields a test may override. */
export type QuorumInput = Record<string, string | string[]>;

let eddsaPromise: Promise<Eddsa> | null = null;
export function getEddsa(): Promise<Eddsa> {
  eddsaPromise ??= buildEddsa();
  return eddsaPromise;
}

export async function createValidators(powers: readonly bigint[]): Promise<FixtureValidator[]> {
  const eddsa = await getEddsa();
  return powers.map((power) => {
    const secretKey = randomBytes(32);
    const a = eddsa.prv2pub(secretKey);
    return { secretKey, slot: { ax: eddsa.F.toObject(a[0]), ay: eddsa.F.toObject(a[1]), power } };
  });
}

export async function sign(secretKey: Buffer, message: bigint): Promise<{ r8x: bigint; r8y: bigint; s: bigint }> {
  const eddsa = await getEddsa();
  const sig = eddsa.signPoseidon(secretKey, eddsa.F.e(message));
  return { r8x: eddsa.F.toObject(sig.R8[0]), r8y: eddsa.F.toObject(sig.R8[1]), s: sig.S };
}

/**
 * Honest inputs: the set (padded to `capacity`) and each signer's signature over the statement's
 * finality message. Slots that did not sign carry the disabled-verifier values (S = 0, R8 = (0, 1)).
 */
export async function createQuorumInput(validators: readonly FixtureValidator[], signers: readonly number[], statement: Statement, capacity: number): Promise<QuorumInput> {
  const slots = padZkValidatorSlots(
    validators.map((v) => v.slot),
    capacity,
  );
  const message = computeFinalityMessage(statement);
  const sigs = await Promise.all(slots.map((_, i) => (signers.includes(i) ? sign(validators[i]!.secretKey, message) : { r8x: 0n, r8y: 1n, s: 0n })));
  const { hi, lo } = splitBlockHash(statement.blockHash);
  const str = (xs: bigint[]) => xs.map((x) => x.toString());
  return {
    validatorSetRoot: computeZkValidatorSetRoot(
      validators.map((v) => v.slot),
      capacity,
    ).toString(),
    nextValidatorSetRoot: statement.nextValidatorSetRoot.toString(),
    chainId: computeZkChainId(statement.chainId).toString(),
    height: statement.height.toString(),
    blockHashHi: hi.toString(),
    blockHashLo: lo.toString(),
    signers: computeZkSignerBitmap(signers, capacity).toString(),
    Ax: str(slots.map((s) => s.ax)),
    Ay: str(slots.map((s) => s.ay)),
    power: str(slots.map((s) => s.power)),
    R8x: str(sigs.map((s) => s.r8x)),
    R8y: str(sigs.map((s) => s.r8y)),
    S: str(sigs.map((s) => s.s)),
  };
}

/** Computes the witness; throws snarkjs' "Assert Failed ... line: N" error for inputs that break a constraint. */
export async function computeWitness(wasm: string, input: QuorumInput): Promise<void> {
  // circom's witness calculator also prints the failed assertion with console.error; the thrown error says the same.
  const error = console.error;
  console.error = () => {};
  try {
    await snarkjs.wtns.calculate(input, wasm, { type: "mem" });
  } finally {
    console.error = error;
  }
}

/** The 1-based line of the quorum template that holds `snippet` (to name which constraint failed). */
export function lineOf(snippet: string): number {
  const lines = readFileSync(join(CIRCUITS_DIR, "src", "quorumCertificate.circom"), "utf8").split("\n");
  const i = lines.findIndex((l) => l.includes(snippet));
  if (i < 0) throw new Error(`${snippet} is not in the circuit`);
  return i + 1;
}
