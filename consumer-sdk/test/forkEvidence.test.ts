// Fork evidence on the BLS tier (decision 50), with real BLS keys and aggregates: two certificates of
// one height and round for different blocks name exactly the validators in both bitmaps; over random
// sets, powers and coalitions the named are always coalition members holding more than 1/3 of the
// power; a coalition of at most 1/3, with every signature the honest validators ever made, never
// gets a second certificate past the check; and every kind of forged or partial evidence is refused
// with its code.
import fc from "fast-check";
import {
  assertBlsForkGuilt,
  blsAggregateSignatures,
  blsSign,
  computeBlockHash,
  computeVoteSignBytes,
  createSignerBitmap,
  ForkEvidenceError,
  toHex,
  VoteType,
  type BlockHeader,
  type BlsForkEvidence,
  type CommitCertificate,
  type ValidatorSet,
} from "../src/index.js";
import { buildHubChain, fill, hubKeys, makeValidatorSet, outsiderKeys } from "./helpers/hubChain.js";

const CHAIN = "aegis-fork-1";
const H = 7;
const secretOf = new Map(hubKeys.map((k) => [toHex(k.publicKey), k.secretKey]));

const chainOf = (set: ValidatorSet) => buildHubChain({ chainId: CHAIN, genesisTime: 1_767_225_600_000, setAt: () => set }, 1);
/** A header at H of `set`'s chain, its state root `variant`. */
const headerOf = (set: ValidatorSet, variant: number, over: Partial<BlockHeader> = {}) => chainOf(set).makeHeader(H, fill(0xee), { stateRoot: fill(0x40 + variant), ...over });

/** One signed side: a header at H (its state root `variant`) and a certificate by `signers` (set indices) in `round`. */
function side(set: ValidatorSet, signers: number[], variant: number, round = 0, over: Partial<BlockHeader> = {}) {
  const header = headerOf(set, variant, over);
  const certificate = chainOf(set).sign(set, header.height, computeBlockHash(header), { signers, round });
  return { header, certificate };
}

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    if (e instanceof ForkEvidenceError) return e.code;
    throw e;
  }
  return undefined;
};

describe("two certificates of one round", () => {
  const set = makeValidatorSet(hubKeys.slice(0, 4), [10n, 20n, 30n, 40n]);
  const ctx = { chainId: CHAIN, validatorSet: set };
  /** Set indices of the validators with these powers (the set orders its validators). */
  const at = (...ps: bigint[]) => ps.map((p) => set.validators.findIndex((v) => v.power === p)).sort((x, y) => x - y);

  test("name exactly the validators in both bitmaps, with their power", () => {
    const e: BlsForkEvidence = { a: side(set, at(20n, 30n, 40n), 1), b: side(set, at(10n, 30n, 40n), 2) };
    expect(assertBlsForkGuilt(e, ctx)).toEqual({ tier: "bls", height: H, guilty: at(30n, 40n), guiltyPower: 70n, totalPower: 100n });
    expect(assertBlsForkGuilt({ a: e.b, b: e.a }, ctx).guilty).toEqual(at(30n, 40n));
  });

  test("forged and partial evidence: each refused with its code", () => {
    const a = side(set, at(20n, 30n, 40n), 1);
    const b = side(set, at(10n, 30n, 40n), 2);
    const other = makeValidatorSet(hubKeys.slice(4, 8), [10n, 20n, 30n, 40n]);
    const cases: [string, BlsForkEvidence, string][] = [
      ["one block twice", { a, b: a }, "FORK_EVIDENCE_ERROR_NOT_CONFLICTING"],
      ["mixed heights", { a, b: (() => { const s = side(set, at(10n, 30n, 40n), 2, 0, { height: H + 1 }); return s; })() }, "FORK_EVIDENCE_ERROR_NOT_CONFLICTING"],
      ["different rounds", { a, b: side(set, at(10n, 30n, 40n), 2, 1) }, "FORK_EVIDENCE_ERROR_CROSS_ROUND"],
      ["b without quorum", { a, b: side(set, at(10n, 20n, 30n), 2) }, "FORK_EVIDENCE_ERROR_INVALID_CERTIFICATE"],
      ["b by another epoch's set", { a, b: side(other, [0, 1, 2], 2) }, "FORK_EVIDENCE_ERROR_INVALID_CERTIFICATE"],
      ["b's bitmap names a validator who did not sign", { a, b: { ...b, certificate: { ...b.certificate, signers: createSignerBitmap(4, [0, 1, 2, 3]) } } }, "FORK_EVIDENCE_ERROR_INVALID_CERTIFICATE"],
      ["b's signature by outsiders", { a, b: { ...b, certificate: { ...b.certificate, signature: blsAggregateSignatures([0, 2, 3].map((i) => blsSign(outsiderKeys[i]!.secretKey, Uint8Array.of(1)))) } } }, "FORK_EVIDENCE_ERROR_INVALID_CERTIFICATE"],
      ["b's header is another block than its certificate's", { a, b: { ...b, header: { ...b.header, stateRoot: fill(9) } } }, "FORK_EVIDENCE_ERROR_MALFORMED"],
      ["b's header of another chain", { a, b: { ...b, header: { ...b.header, chainId: "aegis-other" } } }, "FORK_EVIDENCE_ERROR_MALFORMED"],
      ["b's header at another height than its certificate", { a, b: { ...b, certificate: { ...b.certificate, height: H + 1 } } }, "FORK_EVIDENCE_ERROR_MALFORMED"],
      ["b missing", { a, b: undefined as never }, "FORK_EVIDENCE_ERROR_MALFORMED"],
    ];
    for (const [name, e, code] of cases) expect([name, codeOf(() => assertBlsForkGuilt(e, ctx))]).toEqual([name, code]);
    // Another chain's fork (certificates signed for "aegis-other", headers of it): invalid here.
    const foreign = (s: ReturnType<typeof side>) => {
      const header = { ...s.header, chainId: "aegis-other" };
      const blockHash = computeBlockHash(header);
      const msg = computeVoteSignBytes({ chainId: "aegis-other", height: H, round: 0, type: VoteType.Precommit, blockHash });
      const signers = at(10n, 30n, 40n);
      return { header, certificate: { height: H, round: 0, blockHash, signers: createSignerBitmap(4, signers), signature: blsAggregateSignatures(signers.map((i) => blsSign(secretOf.get(toHex(set.validators[i]!.blsPublicKey))!, msg))) } };
    };
    expect(assertBlsForkGuilt({ a: foreign(a), b: foreign(b) }, { chainId: "aegis-other", validatorSet: set }).guilty).toEqual(at(10n, 30n, 40n));
    expect(codeOf(() => assertBlsForkGuilt({ a: foreign(a), b: foreign(b) }, ctx))).toBe("FORK_EVIDENCE_ERROR_MALFORMED");
    expect(codeOf(() => assertBlsForkGuilt({ a: { ...foreign(a), header: a.header }, b: { ...foreign(b), header: b.header } }, ctx))).toBe("FORK_EVIDENCE_ERROR_MALFORMED");
  });
});

// Random sets (1-10 validators, powers 1-1000 or one whale), a random coalition, and two sides: the
// coalition signs both, each honest validator at most one.
const forkArb = fc
  .record({
    powers: fc.array(fc.oneof(fc.bigInt({ min: 1n, max: 1000n }), fc.constant(5000n)), { minLength: 1, maxLength: 10 }),
    roles: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 10, maxLength: 10 }),
  })
  .map(({ powers, roles }) => {
    // role 0: coalition (signs both); 1: honest, signs a; 2: honest, signs b; 3: honest, signs neither.
    const n = powers.length;
    const r = roles.slice(0, n);
    const idx = (k: number) => r.flatMap((x, i) => (x === k ? [i] : []));
    return { powers, coalition: idx(0), honestA: idx(1), honestB: idx(2) };
  });

const powerOf = (powers: readonly bigint[], xs: readonly number[]) => xs.reduce((s, i) => s + powers[i]!, 0n);
const quorum = (p: bigint, total: bigint) => 3n * p > 2n * total;

test("random forks: the named are always coalition members, exactly those who signed both sides, with more than 1/3 of the power", () => {
  let forks = 0;
  fc.assert(
    fc.property(forkArb, ({ powers, coalition, honestA, honestB }) => {
      // Indices are the set's (createValidatorSet orders validators); powers read from it.
      const set = makeValidatorSet(hubKeys.slice(0, powers.length), powers);
      const pw = set.validators.map((v) => v.power);
      const sa = [...coalition, ...honestA].sort((x, y) => x - y);
      const sb = [...coalition, ...honestB].sort((x, y) => x - y);
      fc.pre(quorum(powerOf(pw, sa), set.totalPower) && quorum(powerOf(pw, sb), set.totalPower));
      forks++;
      const g = assertBlsForkGuilt({ a: side(set, sa, 1, 2), b: side(set, sb, 2, 2) }, { chainId: CHAIN, validatorSet: set });
      return g.guilty.every((i) => coalition.includes(i)) && g.guilty.length === coalition.length && 3n * g.guiltyPower > g.totalPower && g.guiltyPower === powerOf(pw, coalition);
    }),
    { numRuns: 40, maxSkipsPerRun: 1000 },
  );
  expect(forks).toBe(40);
});

test("a coalition of at most 1/3, holding every signature the honest validators made, never gets a conflicting certificate accepted", () => {
  fc.assert(
    fc.property(forkArb, fc.integer({ min: 0, max: 3 }), ({ powers, coalition }, otherRound) => {
      const set = makeValidatorSet(hubKeys.slice(0, powers.length), powers);
      const total = set.totalPower;
      fc.pre(3n * powerOf(set.validators.map((v) => v.power), coalition) <= total);
      const honest = set.validators.map((_, i) => i).filter((i) => !coalition.includes(i));
      const secret = (i: number) => secretOf.get(toHex(set.validators[i]!.blsPublicKey))!;
      // The honest chain: block A at H, round 0, signed by every validator.
      const a = side(set, set.validators.map((_, i) => i), 1);
      const bHeader = headerOf(set, 2);
      const b = { header: bHeader, certificate: { ...a.certificate, blockHash: computeBlockHash(bHeader) } };
      const msg = (round: number, blockHash: Uint8Array) => computeVoteSignBytes({ chainId: CHAIN, height: H, round, type: VoteType.Precommit, blockHash });
      // What the adversary holds: the honest precommits for A (round 0) and, say, honest precommits
      // for B in another round (a legitimate lock change), and the coalition's keys.
      const honestSigs = honest.map((i) => (otherRound > 0 && i % 2 === 0 ? blsSign(secret(i), msg(otherRound, b.certificate.blockHash)) : blsSign(secret(i), msg(0, a.certificate.blockHash))));
      const coalitionSigs = coalition.map((i) => blsSign(secret(i), msg(0, b.certificate.blockHash)));
      // It claims every validator signed B in round 0 (the only bitmap with a quorum it can hope for).
      const forged: CommitCertificate = { ...b.certificate, signers: createSignerBitmap(set.validators.length, set.validators.map((_, i) => i)), signature: blsAggregateSignatures([...coalitionSigs, ...honestSigs]) };
      return codeOf(() => assertBlsForkGuilt({ a, b: { ...b, certificate: forged } }, { chainId: CHAIN, validatorSet: set })) === "FORK_EVIDENCE_ERROR_INVALID_CERTIFICATE";
    }),
    { numRuns: 30, maxSkipsPerRun: 1000 },
  );
});
