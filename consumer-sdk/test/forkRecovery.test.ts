// Recovery of a frozen light client without governance (decision 51), with real BLS keys: a client
// frozen by a fork whose evidence named the guilty G resumes from a later header certified by more
// than 2/3 of the post-slash stake (validators of the fork's set outside G, by their power then,
// matched by key whatever the later set looks like), and from nothing less: signers in G do not
// count, nor do newcomers; and every malformed, foreign, stale, forged or incomplete update is refused
// with its code and no state.
import fc from "fast-check";
import {
  assertBlsForkGuilt,
  computeBlockHash,
  createHubLightClient,
  ForkRecoveryError,
  getPostSlashTally,
  LightClientError,
  resumeHubLightClientAfterFork,
  toHex,
  type BlockHeader,
  type HubForkFreeze,
  type ValidatorSet,
} from "../src/index.js";
import { buildHubChain, fill, hubKeys, makeValidatorSet } from "./helpers/hubChain.js";

const CHAIN = "aegis-recovery-1";
const GENESIS = 1_767_225_600_000;
const FORK_H = 7;
const NOW = GENESIS + 60_000;
const TRUSTING = 600_000;

// The fork's set: keys 0..3, powers 30/30/30/10; the coalition (keys 0 and 1) signed both sides.
const forkSet = makeValidatorSet(hubKeys.slice(0, 4), [30n, 30n, 30n, 10n]);
/** Indices into `set` of hubKeys[k] for each k (a set orders its validators itself). */
const ix = (set: ValidatorSet, ...keys: number[]) => keys.map((k) => set.validators.findIndex((v) => toHex(v.blsPublicKey) === toHex(hubKeys[k]!.publicKey)));
const G = ix(forkSet, 0, 1);
// After the slash: the coalition tombstoned and out of the set.
const postSet = makeValidatorSet([hubKeys[2]!, hubKeys[3]!], [30n, 10n]);
const frozenState = createHubLightClient({ bls: { genesisTime: GENESIS, validatorSet: forkSet } }, { chainId: CHAIN, trustingPeriodMs: TRUSTING, unbondingPeriodMs: TRUSTING * 2 }, NOW);

const freezeOf = (guilty: number[], over: Partial<HubForkFreeze> = {}): HubForkFreeze => ({ height: FORK_H, time: GENESIS + FORK_H * 1000, signingSet: forkSet, guilty, ...over });

/** A header at `height` on a chain whose set is `set` from the resume on (`next` after it), certified by `signers`. */
function updateOf(set: ValidatorSet, signers: number[], o: { height?: number; next?: ValidatorSet; chainId?: string; over?: Partial<BlockHeader> } = {}) {
  const height = o.height ?? 20;
  const chain = buildHubChain({ chainId: o.chainId ?? CHAIN, genesisTime: GENESIS, setAt: (h) => (h > height && o.next ? o.next : set) }, 1);
  const header = chain.makeHeader(height, fill(0xa0), o.over ?? {});
  const certificate = chain.sign(set, height, computeBlockHash(header), { signers });
  return { header, certificate, signingSet: set };
}

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    if (e instanceof ForkRecoveryError || e instanceof LightClientError) return e.code;
    throw e;
  }
};

describe("resume after a fork", () => {
  // The post-slash set: {2: 30, 3: 10} (40); more than 2/3 of it needs validator 2 (30 > 26.7); 3 alone (10) is not enough.
  test("the remaining honest validators (2 and 3, or 2 alone: 30 of 40) certify the resume header: the client trusts it, BLS tier only", () => {
    for (const [set, signers] of [[postSet, ix(postSet, 2, 3)], [postSet, ix(postSet, 2)]] as const) {
      const u = updateOf(set, signers);
      const s = resumeHubLightClientAfterFork(frozenState, freezeOf(G), u, NOW);
      expect(s.bls!.height).toBe(20);
      expect(toHex(s.bls!.blockHash)).toBe(toHex(computeBlockHash(u.header)));
      expect(s.zk).toBeUndefined();
      expect(s.chainId).toBe(CHAIN);
      expect(s.trustingPeriodMs).toBe(TRUSTING);
    }
  });

  test("a header whose set still holds the guilty resumes nobody, whoever signed it (the fork's other side, or this side before the slash took effect)", () => {
    for (const signers of [ix(forkSet, 0, 1, 3), ix(forkSet, 0, 1, 2), ix(forkSet, 0, 1, 2, 3)]) {
      expect(codeOf(() => resumeHubLightClientAfterFork(frozenState, freezeOf(G), updateOf(forkSet, signers), NOW))).toBe("FORK_RECOVERY_ERROR_GUILTY_IN_SET");
    }
    // One guilty key among newcomers is enough to refuse.
    const withOne = makeValidatorSet([hubKeys[2]!, hubKeys[3]!, hubKeys[1]!], [30n, 10n, 1n]);
    expect(codeOf(() => resumeHubLightClientAfterFork(frozenState, freezeOf(G), updateOf(withOne, ix(withOne, 2, 3)), NOW))).toBe("FORK_RECOVERY_ERROR_GUILTY_IN_SET");
  });

  test("signers in G do not count: the tally of a certificate by the coalition and validator 3 is 10 of 40 post-slash", () => {
    expect(getPostSlashTally(freezeOf(G), forkSet, ix(forkSet, 0, 1, 3))).toEqual({ signed: 10n, total: 40n });
  });

  test("a later set (the guilty gone, a newcomer in, order and powers changed): the old honest count by key at their fork-time power; the newcomer not at all", () => {
    // Keys 3, 2 and newcomer 8, with new powers; the set must itself be satisfied (> 2/3 of its power).
    const later = makeValidatorSet([hubKeys[3]!, hubKeys[2]!, hubKeys[8]!], [50n, 50n, 40n]);
    const ok = updateOf(later, ix(later, 3, 2)); // 100 of 140 of the later set; 40 of 40 post-slash
    expect(resumeHubLightClientAfterFork(frozenState, freezeOf(G), ok, NOW).bls!.height).toBe(20);
    expect(getPostSlashTally(freezeOf(G), later, ix(later, 3, 2))).toEqual({ signed: 40n, total: 40n });
    // Keys 3 and the newcomer: 90 of 140 of the later set is not > 2/3 anyway; with the newcomer made heavy, the certificate is
    // valid for the later set, yet only key 3's 10 of 40 counts.
    const heavy = makeValidatorSet([hubKeys[3]!, hubKeys[2]!, hubKeys[8]!], [50n, 10n, 200n]);
    const bad = updateOf(heavy, ix(heavy, 3, 8));
    expect(codeOf(() => resumeHubLightClientAfterFork(frozenState, freezeOf(G), bad, NOW))).toBe("FORK_RECOVERY_ERROR_INSUFFICIENT_POST_SLASH_POWER");
  });

  test("a header that changes the set needs the next set, checked against its root", () => {
    const next = makeValidatorSet([hubKeys[2]!, hubKeys[3]!], [31n, 10n]);
    const u = updateOf(postSet, ix(postSet, 2, 3), { next });
    expect(codeOf(() => resumeHubLightClientAfterFork(frozenState, freezeOf(G), u, NOW))).toBe("FORK_RECOVERY_ERROR_MALFORMED");
    expect(codeOf(() => resumeHubLightClientAfterFork(frozenState, freezeOf(G), { ...u, nextValidatorSet: forkSet }, NOW))).toBe("LIGHT_CLIENT_ERROR_WRONG_VALIDATOR_SET");
    const s = resumeHubLightClientAfterFork(frozenState, freezeOf(G), { ...u, nextValidatorSet: next }, NOW);
    expect(s.bls!.validatorSet.validators.map((v) => toHex(v.blsPublicKey))).toEqual(next.validators.map((v) => toHex(v.blsPublicKey)));
  });

  const refused: [string, () => unknown, string][] = [
    ["a freeze that named nobody (a fork across rounds)", () => resumeHubLightClientAfterFork(frozenState, freezeOf([]), updateOf(postSet, ix(postSet, 2, 3)), NOW), "FORK_RECOVERY_ERROR_NO_PROVED_GUILT"],
    ["guilty indices outside the set", () => resumeHubLightClientAfterFork(frozenState, freezeOf([0, 9]), updateOf(postSet, ix(postSet, 2, 3)), NOW), "FORK_RECOVERY_ERROR_MALFORMED"],
    ["a header at the fork's height", () => resumeHubLightClientAfterFork(frozenState, freezeOf(G), updateOf(postSet, ix(postSet, 2, 3), { height: FORK_H }), NOW), "FORK_RECOVERY_ERROR_NOT_NEWER"],
    ["a header below it", () => resumeHubLightClientAfterFork(frozenState, freezeOf(G), updateOf(postSet, ix(postSet, 2, 3), { height: 3 }), NOW), "FORK_RECOVERY_ERROR_NOT_NEWER"],
    ["another chain's header", () => resumeHubLightClientAfterFork(frozenState, freezeOf(G), updateOf(postSet, ix(postSet, 2, 3), { chainId: "aegis-other" }), NOW), "FORK_RECOVERY_ERROR_WRONG_CHAIN"],
    ["past the trusting period since the fork", () => resumeHubLightClientAfterFork(frozenState, freezeOf(G), updateOf(postSet, ix(postSet, 2, 3)), GENESIS + FORK_H * 1000 + TRUSTING), "FORK_RECOVERY_ERROR_TRUST_EXPIRED"],
    ["a signing set that is not the header's", () => resumeHubLightClientAfterFork(frozenState, freezeOf(G), { ...updateOf(postSet, ix(postSet, 2, 3)), signingSet: makeValidatorSet([hubKeys[2]!, hubKeys[3]!], [30n, 11n]) }, NOW), "FORK_RECOVERY_ERROR_WRONG_VALIDATOR_SET"],
    [
      "a header changed after signing",
      () => {
        const u = updateOf(postSet, ix(postSet, 2, 3));
        return resumeHubLightClientAfterFork(frozenState, freezeOf(G), { ...u, header: { ...u.header, stateRoot: fill(0x99) } }, NOW);
      },
      "FORK_RECOVERY_ERROR_CERTIFICATE_INVALID",
    ],
    ["a certificate of too few (key 3 alone, 10 of 40 of its set)", () => resumeHubLightClientAfterFork(frozenState, freezeOf(G), updateOf(postSet, ix(postSet, 3)), NOW), "FORK_RECOVERY_ERROR_CERTIFICATE_INVALID"],
    [
      "a header from the future",
      () => resumeHubLightClientAfterFork(frozenState, freezeOf(G), updateOf(postSet, ix(postSet, 2, 3), { over: { time: NOW + 3_600_000 } }), NOW),
      "LIGHT_CLIENT_ERROR_FROM_THE_FUTURE",
    ],
    ["no update", () => resumeHubLightClientAfterFork(frozenState, freezeOf(G), undefined as never, NOW), "FORK_RECOVERY_ERROR_MALFORMED"],
  ];
  test.each(refused.map(([name, f, code]) => ({ name, f, code })))("refused: $name ($code)", ({ f, code }) => {
    expect(codeOf(f)).toBe(code);
  });

  test("the guilty from real fork evidence: the coalition {0, 1} that signed both sides, and the resume it allows", () => {
    const chain = buildHubChain({ chainId: CHAIN, genesisTime: GENESIS, setAt: () => forkSet }, 1);
    const sideOf = (variant: number, signers: number[]) => {
      const header = chain.makeHeader(FORK_H, fill(0xee), { stateRoot: fill(0x40 + variant) });
      return { header, certificate: chain.sign(forkSet, FORK_H, computeBlockHash(header), { signers }) };
    };
    const guilt = assertBlsForkGuilt({ a: sideOf(1, ix(forkSet, 0, 1, 2)), b: sideOf(2, ix(forkSet, 0, 1, 3)) }, { chainId: CHAIN, validatorSet: forkSet });
    expect(guilt.guilty).toEqual([...G].sort((a, b) => a - b));
    expect(resumeHubLightClientAfterFork(frozenState, freezeOf(guilt.guilty), updateOf(postSet, ix(postSet, 2)), NOW).bls!.height).toBe(20);
  });

  test("property: over random sets, guilty sets and signers, the client resumes exactly when the signers outside G hold more than 2/3 of V \\ G (and the certificate is a quorum of its set)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 2, maxLength: 7 }),
        fc.array(fc.boolean(), { minLength: 7, maxLength: 7 }),
        fc.array(fc.boolean(), { minLength: 7, maxLength: 7 }),
        (powers, inG, signs) => {
          const n = powers.length;
          const set = makeValidatorSet(hubKeys.slice(0, n), powers.map(BigInt));
          const guilty = [...Array(n).keys()].filter((i) => inG[i]);
          const signers = [...Array(n).keys()].filter((i) => signs[i]);
          if (guilty.length === 0 || guilty.length === n || signers.length === 0) return;
          const state = createHubLightClient({ bls: { genesisTime: GENESIS, validatorSet: set } }, { chainId: CHAIN, trustingPeriodMs: TRUSTING, unbondingPeriodMs: TRUSTING * 2 }, NOW);
          const freeze = freezeOf(guilty, { signingSet: set });
          const sum = (is: number[]) => is.reduce((a, i) => a + set.validators[i]!.power, 0n);
          const rest = [...Array(n).keys()].filter((i) => !inG[i]);
          const quorum = 3n * sum(signers) > 2n * sum([...Array(n).keys()]);
          const postSlash = 3n * sum(signers.filter((i) => !inG[i])) > 2n * sum(rest);
          // The header's set: the fork's set without G (the hub removed them), same keys and powers.
          const post = makeValidatorSet(rest.map((i) => ({ publicKey: set.validators[i]!.blsPublicKey })), rest.map((i) => set.validators[i]!.power));
          const postSigners = signers.filter((i) => !inG[i]).map((i) => post.validators.findIndex((v) => toHex(v.blsPublicKey) === toHex(set.validators[i]!.blsPublicKey)));
          const quorumOfPost = 3n * sum(signers.filter((i) => !inG[i])) > 2n * sum(rest);
          if (postSigners.length > 0) {
            const code = codeOf(() => resumeHubLightClientAfterFork(state, freeze, updateOf(post, postSigners), NOW));
            // Over the post-slash set (same keys and powers), the certificate's own quorum and the post-slash rule coincide.
            expect(quorumOfPost).toBe(postSlash);
            expect(code).toBe(postSlash ? undefined : "FORK_RECOVERY_ERROR_CERTIFICATE_INVALID");
          }
          // And over the fork's own set (G still in it), never.
          if (quorum) expect(codeOf(() => resumeHubLightClientAfterFork(state, freeze, updateOf(set, signers), NOW))).toBe("FORK_RECOVERY_ERROR_GUILTY_IN_SET");
        },
      ),
      { numRuns: 60 },
    );
  });
});
