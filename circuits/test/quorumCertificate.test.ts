// The QuorumCertificate circuit at N = 4 (circuits.json: quorum4): honest witnesses pass, and each
// forgery breaks the constraint that names its attack. Witness-level checks (no proving key needed):
// a witness that does not exist cannot be proved.
import { poseidon2, poseidon3 } from "poseidon-lite";
import { BN254_SCALAR_FIELD, computeFinalityMessage, computeQuorumCircuitInput, computeZkValidatorSetRoot, splitBlockHash } from "@aegis/consumer-sdk";
import { createAttestationKeyPair, decodeFinalitySignature, getAttestationPoint, signFinalityMessage } from "@aegis/hub";
import { compileCircuit, getCircuit } from "../scripts/build.mjs";
import { computeWitness, createQuorumInput, createValidators, FIXTURE_PROVER, lineOf, sign, withSigningSet, type FixtureValidator, type QuorumInput, type Statement } from "./quorumFixture.js";

const N = 4;
let wasm: string;
let validators: FixtureValidator[];
const statement: Statement = {
  chainId: "aegis-test-1",
  height: 42,
  time: 1_767_225_600_000,
  blockHash: Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff),
  nextValidatorSetRoot: 1234567890123456789n,
};

beforeAll(async () => {
  wasm = (await compileCircuit(await getCircuit("quorum4"))).wasm;
  validators = await createValidators([10n, 20n, 30n, 40n]);
}, 120_000);

const rejects = async (input: QuorumInput, where: RegExp) => {
  await expect(computeWitness(wasm, input)).rejects.toThrow(where);
};
/** The constraint on this line of quorumCertificate.circom failed. */
const atLine = (snippet: string) => new RegExp(`Error in template QuorumCertificate_\\d+ line: ${lineOf(snippet)}\\b`);
/** A constraint inside one of circomlib's templates failed (`snippet`: the line of ours that used it). */
const inTemplate = (name: string, snippet?: string) =>
  new RegExp(`Error in template ${name}_\\d+ line: \\d+` + (snippet ? `[\\s\\S]*QuorumCertificate_\\d+ line: ${lineOf(snippet)}\\b` : ""));

describe("honest witnesses", () => {
  test.each([
    ["three of four (90 of 100)", [1, 2, 3]],
    ["all four", [0, 1, 2, 3]],
    ["just over 2/3 (70 of 100)", [0, 1, 3]],
  ])("%s", async (_name, signers) => {
    await expect(computeWitness(wasm, await createQuorumInput(validators, signers, statement, N))).resolves.toBeUndefined();
  });

  test("a set smaller than the capacity (empty slots padded)", async () => {
    const three = validators.slice(0, 3);
    await expect(computeWitness(wasm, await createQuorumInput(three, [1, 2], statement, N))).resolves.toBeUndefined();
  });
});

describe("forgeries", () => {
  test("a root other than the committed set's", async () => {
    const input = await createQuorumInput(validators, [1, 2, 3], statement, N);
    await rejects({ ...input, validatorSetRoot: (BigInt(input.validatorSetRoot as string) + 1n).toString() }, atLine("validatorSetRoot === tree.root"));
  });

  test("a signer outside the set, put in a slot in place of a member", async () => {
    const [outsider] = await createValidators([40n]);
    const input = await createQuorumInput([...validators.slice(0, 3), outsider!], [1, 2, 3], statement, N);
    // Signatures and powers are the outsider's, the root is still the trusted set's.
    const trustedRoot = computeZkValidatorSetRoot(
      validators.map((v) => v.slot),
      N,
    );
    await rejects({ ...input, validatorSetRoot: trustedRoot.toString() }, atLine("validatorSetRoot === tree.root"));
  });

  test("more power claimed for a slot than the set commits", async () => {
    const input = await createQuorumInput(validators, [2, 3], statement, N); // 70: would be a quorum of 100
    const power = [...(input.power as string[])];
    power[3] = "400";
    await rejects({ ...input, power }, atLine("validatorSetRoot === tree.root"));
  });

  test("a bit set without a valid signature", async () => {
    const input = await createQuorumInput(validators, [1, 2, 3], statement, N);
    const S = [...(input.S as string[])];
    S[3] = (BigInt(S[3]!) + 1n).toString();
    await rejects({ ...input, S }, inTemplate("ForceEqualIfEnabled"));
  });

  test("a bit set on a slot whose signature is another member's", async () => {
    const input = await createQuorumInput(validators, [1, 2, 3], statement, N);
    const forged = await sign(validators[1]!.secretKey, computeFinalityMessage(withSigningSet(validators, statement, N)));
    const R8x = [...(input.R8x as string[])];
    const R8y = [...(input.R8y as string[])];
    const S = [...(input.S as string[])];
    [R8x[3], R8y[3], S[3]] = [forged.r8x.toString(), forged.r8y.toString(), forged.s.toString()];
    await rejects({ ...input, R8x, R8y, S }, inTemplate("ForceEqualIfEnabled"));
  });

  test("a bit set on an empty slot", async () => {
    const input = await createQuorumInput(validators.slice(0, 3), [1, 2], statement, N);
    // Its key is the identity, which circomlib's verifier refuses (8A has x = 0) when enabled.
    await rejects({ ...input, signers: (BigInt(input.signers as string) | 8n).toString() }, inTemplate("EdDSAPoseidonVerifier", "sig[i].M <== message.out"));
  });

  test("S not below the subgroup order", async () => {
    const input = await createQuorumInput(validators, [1, 2, 3], statement, N);
    const S = [...(input.S as string[])];
    S[3] = (BigInt(S[3]!) + 2736030358979909402780800718157159386076813972158567259200215660948447373041n).toString();
    await rejects({ ...input, S }, inTemplate("EdDSAPoseidonVerifier", "sig[i].M <== message.out"));
  });

  test("exactly 2/3 of the power is not a quorum", async () => {
    const set = await createValidators([20n, 20n, 20n, 30n]);
    await rejects(await createQuorumInput(set, [0, 1, 2], statement, N), atLine("quorum.out === 1")); // 60 of 90
    await expect(computeWitness(wasm, await createQuorumInput(set, [0, 1, 3], statement, N))).resolves.toBeUndefined(); // 70 of 90
  });

  test("less than 2/3, and no signer at all", async () => {
    await rejects(await createQuorumInput(validators, [0, 3], statement, N), atLine("quorum.out === 1")); // 50 of 100
    await rejects(await createQuorumInput(validators, [], statement, N), atLine("quorum.out === 1"));
  });

  test("power overflow: a power of 2^64, and a 'negative' power that would wrap the total", async () => {
    const big = await createValidators([10n, 20n, 30n, 40n]);
    const input = await createQuorumInput(big, [2, 3], statement, N);
    const withPower = (p3: bigint) => {
      const power = [...(input.power as string[])];
      power[3] = p3.toString();
      return power;
    };
    // Roots computed honestly over the out-of-range powers, so only the range check stands in the way.
    const rootWith = (p3: bigint) => {
      const leaves = big.map((v, i) => (i === 3 ? { ...v.slot, power: p3 } : v.slot));
      return computeRootUnchecked(leaves).toString();
    };
    await rejects({ ...input, power: withPower(1n << 64n), validatorSetRoot: rootWith(1n << 64n) }, inTemplate("Num2Bits", "powerBits[i].in <== power[i]"));
    // total = 10 + 20 + 30 + (p - 55) = 5 (mod p): 70 signed would look like far more than 2/3.
    const negative = BN254_SCALAR_FIELD - 55n;
    await rejects({ ...input, power: withPower(negative), validatorSetRoot: rootWith(negative) }, inTemplate("Num2Bits", "powerBits[i].in <== power[i]"));
  });

  test("signatures over another height, time, chain or next set", async () => {
    for (const other of [
      { ...statement, height: statement.height + 1 },
      { ...statement, time: statement.time + 1 },
      { ...statement, chainId: "aegis-other-1" },
      { ...statement, nextValidatorSetRoot: 7n },
    ]) {
      const signedOther = await createQuorumInput(validators, [1, 2, 3], other, N);
      const claimed = await createQuorumInput(validators, [1, 2, 3], statement, N);
      await rejects({ ...claimed, R8x: signedOther.R8x!, R8y: signedOther.R8y!, S: signedOther.S! }, inTemplate("ForceEqualIfEnabled"));
    }
  });

  test("signatures made for another signing set (an overlapping epoch's) do not count for this one", async () => {
    // The same members sign the same block, but under another epoch's set root: their signatures
    // name that set, so a certificate against this set's root cannot use them.
    const claimed = await createQuorumInput(validators, [1, 2, 3], statement, N);
    const otherSet = { ...withSigningSet(validators, statement, N), validatorSetRoot: 99n };
    const sigs = await Promise.all([1, 2, 3].map((i) => sign(validators[i]!.secretKey, computeFinalityMessage(otherSet))));
    const R8x = [...(claimed.R8x as string[])];
    const R8y = [...(claimed.R8y as string[])];
    const S = [...(claimed.S as string[])];
    [1, 2, 3].forEach((slot, k) => ([R8x[slot], R8y[slot], S[slot]] = [sigs[k]!.r8x.toString(), sigs[k]!.r8y.toString(), sigs[k]!.s.toString()]));
    await rejects({ ...claimed, R8x, R8y, S }, inTemplate("ForceEqualIfEnabled"));
  });

  test("any prover value makes a witness (the proof binds it; quorumProof.test.ts shows a copy fails)", async () => {
    const input = await createQuorumInput(validators, [1, 2, 3], statement, N);
    await expect(computeWitness(wasm, { ...input, prover: "0" })).resolves.toBeUndefined();
  });

  test("a time of 64 bits or more", async () => {
    const input = await createQuorumInput(validators, [1, 2, 3], statement, N);
    await rejects({ ...input, time: (1n << 64n).toString() }, inTemplate("Num2Bits", "timeBits.in <== time"));
  });

  test("swapped hash limbs", async () => {
    const input = await createQuorumInput(validators, [1, 2, 3], statement, N);
    await rejects({ ...input, blockHashHi: input.blockHashLo!, blockHashLo: input.blockHashHi! }, inTemplate("ForceEqualIfEnabled"));
  });

  test("a hash limb of 128 bits or more, and a height of 64 bits or more", async () => {
    const input = await createQuorumInput(validators, [1, 2, 3], statement, N);
    const { hi } = splitBlockHash(statement.blockHash);
    await rejects({ ...input, blockHashHi: (hi + (1n << 128n)).toString() }, inTemplate("Num2Bits", "hiBits.in <== blockHashHi"));
    await rejects({ ...input, height: (BigInt(statement.height) + (1n << 64n)).toString() }, inTemplate("Num2Bits", "heightBits.in <== height"));
  });

  test("a bitmap naming a slot beyond N", async () => {
    const input = await createQuorumInput(validators, [1, 2, 3], statement, N);
    await rejects({ ...input, signers: (BigInt(input.signers as string) | (1n << BigInt(N))).toString() }, inTemplate("Num2Bits", "bits.in <== signers"));
  });
});

/** The Merkle root without the SDK's slot checks: a prover is free to try any powers. */
function computeRootUnchecked(slots: { ax: bigint; ay: bigint; power: bigint }[]): bigint {
  // Mirrors computeZkValidatorSetRoot, which refuses powers >= 2^64 (as it should for honest sets).
  let level = slots.map((s) => poseidon3([s.ax, s.ay, s.power]));
  while (level.length > 1) {
    const next: bigint[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(poseidon2([level[i]!, level[i + 1]!]));
    level = next;
  }
  return level[0]!;
}

test("the hub's attestation keys and signatures are what the circuit checks", async () => {
  const keys = [1, 2, 3, 4].map((i) => createAttestationKeyPair(new Uint8Array(32).fill(i)));
  const slots = keys.map((k, i) => ({ ...getAttestationPoint(k.publicKey), power: BigInt(10 * (i + 1)) }));
  const full = { ...statement, validatorSetRoot: computeZkValidatorSetRoot(slots, N) };
  const message = computeFinalityMessage(full);
  const sigs = new Map([1, 2, 3].map((i) => [i, decodeFinalitySignature(signFinalityMessage(keys[i]!.secretKey, message))!] as const));
  await expect(computeWitness(wasm, computeQuorumCircuitInput(slots, sigs, full, N, FIXTURE_PROVER))).resolves.toBeUndefined();
  // And a hub signature over another message does not count.
  const other = decodeFinalitySignature(signFinalityMessage(keys[3]!.secretKey, message + 1n))!;
  await rejects(computeQuorumCircuitInput(slots, new Map([...sigs, [3, other]]), full, N, FIXTURE_PROVER), inTemplate("ForceEqualIfEnabled"));
});
