import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as snarkjs from "snarkjs";
import { computeFinalityMessage, computeQuorumCircuitInput, computeZkValidatorSetRoot, type ZkAttestationSignature, type ZkValidatorSlot } from "@aegis/consumer-sdk";
import { createAttestationKeyPair, decodeFinalitySignature, getAttestationPoint, signFinalityMessage } from "@aegis/hub";
import { CIRCUITS_DIR } from "../scripts/build.mjs";

/** A validator of the fixture set: its attestation secret key and its slot. */
export interface FixtureValidator {
  secretKey: Uint8Array;
  slot: ZkValidatorSlot;
}

/** A finality statement without its signing set's root (the fixture computes it from the validators). */
export interface Statement {
  chainId: string;
  height: number;
  time: number;
  blockHash: Uint8Array;
  nextValidatorSetRoot: bigint;
}

/** The prover account the fixture's proofs name (20 bytes). */
export const FIXTURE_PROVER = Uint8Array.from({ length: 20 }, (_, i) => 0x10 + i);

/** The statement signed by `validators` (padded to `capacity`): its signing set's root filled in. */
export function withSigningSet(validators: readonly FixtureValidator[], statement: Statement, capacity: number) {
  return {
    ...statement,
    validatorSetRoot: computeZkValidatorSetRoot(
      validators.map((v) => v.slot),
      capacity,
    ),
  };
}

/** Circuit inputs as snarkjs takes them (decimal strings), with the named fields a test may override. */
export type QuorumInput = Record<string, string | string[]>;

/** Validators with fresh hub attestation keys (the hub's own key and signature code, not a copy). */
export async function createValidators(powers: readonly bigint[]): Promise<FixtureValidator[]> {
  return powers.map((power) => {
    const { secretKey, publicKey } = createAttestationKeyPair(randomBytes(32));
    return { secretKey, slot: { ...getAttestationPoint(publicKey), power } };
  });
}

/** The hub's attestation of `message`, as the circuit takes it. */
export async function sign(secretKey: Uint8Array, message: bigint): Promise<ZkAttestationSignature> {
  return decodeFinalitySignature(signFinalityMessage(secretKey, message))!;
}

/**
 * Honest inputs: the set (padded to `capacity`) and each signer's signature over the statement's
 * finality message (signed by this set), proved for `prover`.
 */
export async function createQuorumInput(
  validators: readonly FixtureValidator[],
  signers: readonly number[],
  statement: Statement,
  capacity: number,
  prover: Uint8Array = FIXTURE_PROVER,
): Promise<QuorumInput> {
  const full = withSigningSet(validators, statement, capacity);
  const message = computeFinalityMessage(full);
  const sigs = new Map(await Promise.all(signers.map(async (i) => [i, await sign(validators[i]!.secretKey, message)] as const)));
  return computeQuorumCircuitInput(
    validators.map((v) => v.slot),
    sigs,
    full,
    capacity,
    prover,
  );
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
