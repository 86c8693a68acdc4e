// The browser side of sdkBrowser.test.ts: bundled by esbuild (platform "browser") with the SDK and its
// dependencies as a consumer's bundler would, loaded as a module by a page in headless Chromium. It sets
// globalThis.aegisBrowserChecks; the test calls run(vectors) with the committed golden vectors and
// asserts on the plain-JSON results. No assertions here: every outcome is reported, none is thrown.
import {
  assertValidCommitCertificate,
  assertValidZkCertificate,
  canReorgTo,
  CertificateError,
  CheckpointError,
  computeBlockHash,
  computeCheckpointHash,
  computeCommitCertificateHash,
  computeZkValidatorSetRoot,
  createFinalityGuardState,
  createValidatorSet,
  decodeFinalityGuardState,
  encodeFinalityGuardState,
  FinalityGuardError,
  fromHex,
  getAvailableBlsBackends,
  getBlsBackendName,
  getFinalHeight,
  initZkCertificateVerifier,
  isFinal,
  isValidCommitCertificate,
  processFinalCheckpoint,
  sha256,
  toHex,
  verifyCheckpointInclusion,
  verifyZkCertificate,
  ZkCertificateError,
  type BlockHeader,
  type CommitCertificate,
  type ConsumerCheckpoint,
  type FinalityGuardState,
  type Groth16VerificationKey,
  type MerkleProof,
  type ZkCertificate,
  type ZkTrustOptions,
} from "@aegis/consumer-sdk";

/* eslint-disable @typescript-eslint/no-explicit-any -- the vectors are untyped JSON, as in the vector tests */
type Json = any;

export interface BrowserVectors {
  commit: Json;
  zk: Json;
  checkpoints: Json;
}

/** An outcome: "ok", the error's code when the SDK refused with its typed error, or "unexpected: ..." otherwise. */
function outcome(f: () => unknown, ...types: (abstract new (...a: never[]) => { code: string })[]): string {
  try {
    f();
    return "ok";
  } catch (e) {
    for (const T of types) if (e instanceof T) return (e as { code: string }).code;
    return `unexpected: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
  }
}

/** Runs a section; an exception the section did not expect is reported instead of its results. */
async function section<T>(f: () => T | Promise<T>): Promise<T | { error: string }> {
  try {
    return await f();
  } catch (e) {
    return { error: e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ""}` : String(e) };
  }
}

const HASH_FIELDS = ["parentHash", "txRoot", "stateRoot", "consumerCheckpointRoot", "validatorSetRoot", "nextValidatorSetRoot", "proposer", "lastCommitHash", "evidenceRoot"] as const;
const toHeader = (h: Json): BlockHeader =>
  ({ chainId: h.chainId, height: h.height, time: h.time, ...Object.fromEntries(HASH_FIELDS.map((f) => [f, fromHex(h[f])])) }) as BlockHeader;

// (a) The BLS commit certificate rule (test/vectors/vectors.test.ts).
function commitChecks(v: Json) {
  const set = createValidatorSet(
    v.validators.map((x: Json) => ({ blsPublicKey: fromHex(x.blsPublicKey), power: BigInt(x.power), operator: fromHex(x.operator), proofOfPossession: fromHex(x.proofOfPossession) })),
  );
  const header = toHeader(v.header);
  const cert = (c: Json): CommitCertificate => ({ height: c.height, round: c.round, blockHash: fromHex(c.blockHash), signers: fromHex(c.signers), signature: fromHex(c.signature) });
  return {
    blockHash: toHex(computeBlockHash(header)),
    valid: v.certificates.valid.map((c: Json) => ({
      name: c.name,
      outcome: outcome(() => assertValidCommitCertificate(cert(c.cert), { chainId: v.chainId, validatorSet: set, expectedHeight: 42, expectedBlockHash: fromHex(v.blockHash) }), CertificateError),
      hash: toHex(computeCommitCertificateHash(cert(c.cert))),
      expectedHash: c.hash,
    })),
    invalid: v.certificates.invalid.map((c: Json) => {
      const ctx = {
        chainId: v.chainId,
        validatorSet: set,
        ...(c.expectedHeight ? { expectedHeight: c.expectedHeight } : {}),
        ...(c.expectedBlockHash ? { expectedBlockHash: fromHex(c.expectedBlockHash) } : {}),
      };
      return { name: c.name, outcome: outcome(() => assertValidCommitCertificate(cert(c.cert), ctx), CertificateError), expected: c.code };
    }),
    isValid: {
      valid: isValidCommitCertificate(cert(v.certificates.valid[0].cert), { chainId: v.chainId, validatorSet: set }),
      invalid: isValidCommitCertificate(cert(v.certificates.invalid[0].cert), { chainId: v.chainId, validatorSet: set }),
    },
  };
}

// (b) The succinct (Groth16) certificate rule (test/vectors/zkVectors.test.ts).
async function zkChecks(v: Json) {
  const t0 = performance.now();
  await initZkCertificateVerifier();
  const initMs = performance.now() - t0;
  const toCert = (c: Json): ZkCertificate => ({
    circuit: c.circuit,
    chainId: c.chainId,
    height: c.height,
    time: c.time,
    blockHash: fromHex(c.blockHash),
    validatorSetRoot: BigInt(c.validatorSetRoot),
    nextValidatorSetRoot: BigInt(c.nextValidatorSetRoot),
    signers: BigInt(c.signers),
    prover: fromHex(c.prover),
    proof: fromHex(c.proof),
  });
  const cert = toCert(v.certificate);
  const opts = { chainId: v.certificate.chainId as string, verificationKeys: { quorum4: v.verificationKey as Groth16VerificationKey }, capacities: { quorum4: v.capacity as number } };
  const slots = v.validators.map((x: Json) => ({ ax: BigInt(x.ax), ay: BigInt(x.ay), power: BigInt(x.power) }));
  const trustedRoot = computeZkValidatorSetRoot(slots, v.capacity);
  let signers: number[] | string;
  try {
    signers = assertValidZkCertificate(cert, trustedRoot, opts).signers;
  } catch (e) {
    signers = `refused: ${e instanceof ZkCertificateError ? e.code : String(e)}`;
  }
  return {
    initMs,
    trustedRoot: trustedRoot.toString(),
    signers,
    verifies: verifyZkCertificate(cert, trustedRoot, opts),
    invalid: v.invalid.map((c: Json) => {
      const bad = toCert({ ...v.certificate, ...c.change });
      const o = { ...opts, ...(c.trust ? { trust: c.trust as ZkTrustOptions } : {}), verificationKeys: { quorum4: { ...opts.verificationKeys.quorum4, ...c.keyChange } } };
      return { name: c.name, outcome: outcome(() => assertValidZkCertificate(bad, trustedRoot, o), ZkCertificateError), verifies: verifyZkCertificate(bad, trustedRoot, o), expected: c.code };
    }),
  };
}

const toCheckpoint = (c: Json): ConsumerCheckpoint => ({
  consumerId: c.consumerId,
  height: c.height,
  blockHash: fromHex(c.blockHash),
  parentCheckpointHash: fromHex(c.parentCheckpointHash),
  stateRoot: fromHex(c.stateRoot),
});
const toProof = (p: Json): MerkleProof => ({ index: p.index, total: p.total, siblings: p.siblings.map((s: string) => fromHex(s)) });
const checkpointHeaders = (v: Json): Record<string, BlockHeader> =>
  Object.fromEntries(Object.entries(v.headers as Record<string, Json>).filter(([k]) => k !== "notAHeader").map(([k, h]) => [k, toHeader(h)]));

// (c) Checkpoint inclusion in a finalized header's consumer-checkpoint root (test/vectors/checkpointVectors.test.ts).
function checkpointChecks(v: Json) {
  const headers = checkpointHeaders(v);
  const run = (c: Json) => ({
    name: c.name,
    outcome: outcome(() => verifyCheckpointInclusion(toCheckpoint(c.checkpoint), toProof(c.proof), headers[c.header]!), CheckpointError),
    expected: c.code ?? "ok",
  });
  return {
    headerHashes: Object.fromEntries(Object.entries(headers).map(([k, h]) => [k, toHex(computeBlockHash(h))])),
    valid: v.valid.map(run),
    invalid: v.invalid.map(run),
  };
}

// (d) The FinalityGuard fed with checkpoints that verifyCheckpointInclusion accepted in finalized hub headers.
function guardChecks(v: Json) {
  const headers = checkpointHeaders(v);
  const byName = (name: string) => (v.valid as Json[]).find((c) => c.name === name)!;
  const feed = (state: FinalityGuardState, c: Json) => {
    const cp = toCheckpoint(c.checkpoint);
    verifyCheckpointInclusion(cp, toProof(c.proof), headers[c.header]!); // throws if not included: reported as the section's error
    return processFinalCheckpoint(state, { checkpoint: cp, hubHeight: c.hubHeight, hubBlockHash: computeBlockHash(headers[c.header]!), tier: "bls" });
  };
  const at7 = byName("evm-1@7 in hub 99");
  const at8 = byName("evm-1@8 in hub 100");
  let state = createFinalityGuardState("evm-1");
  const first = feed(state, at7);
  state = first.state;
  const second = feed(state, at8);
  state = second.state;
  const again = feed(state, at8); // the same checkpoint once more: KNOWN
  // Another block at the final height, certified in a later hub block: a conflict, returned, state unchanged.
  const conflicting = processFinalCheckpoint(
    state,
    { checkpoint: { ...toCheckpoint(at8.checkpoint), blockHash: sha256(Uint8Array.of(1)) }, hubHeight: 101, hubBlockHash: sha256(Uint8Array.of(2)), tier: "zk" },
  );
  const block7 = fromHex(at7.checkpoint.blockHash);
  const block8 = fromHex(at8.checkpoint.blockHash);
  const reorgs = {
    belowFinal: canReorgTo(state, { height: 7, hash: block7 }),
    atFinal: canReorgTo(state, { height: 8, hash: block8 }),
    offFinal: canReorgTo(state, { height: 8, hash: sha256(Uint8Array.of(3)) }),
  };
  const bytes = encodeFinalityGuardState(state);
  const decoded = decodeFinalityGuardState(bytes);
  return {
    statuses: [first.status, second.status, again.status],
    againReason: again.status === "IGNORED" ? again.reason : null,
    conflict: conflicting.status === "MISBEHAVIOUR" ? { kind: conflicting.event.kind, reason: conflicting.event.kind === "CONFLICTING_FINAL_CHECKPOINT" ? conflicting.event.reason : null, unchanged: conflicting.state === state } : { status: conflicting.status },
    finalHeight: getFinalHeight(state),
    finalCheckpointHash: toHex(state.finalized.at(-1)!.checkpointHash),
    expectedFinalCheckpointHash: toHex(computeCheckpointHash(toCheckpoint(at8.checkpoint))),
    isFinal7: isFinal(state, { height: 7, hash: block7 }),
    reorgs: Object.fromEntries(Object.entries(reorgs).map(([k, r]) => [k, r.ok ? "ok" : r.error.code])),
    // the throwing form, for its error class
    assertBelowFinal: outcome(() => {
      const r = canReorgTo(state, { height: 7, hash: block7 });
      if (!r.ok) throw new FinalityGuardError(r.error);
    }, FinalityGuardError),
    encodedLength: bytes.length,
    reencoded: toHex(encodeFinalityGuardState(decoded)) === toHex(bytes),
    decodedFinalHeight: getFinalHeight(decoded),
    decodedBelowFinal: (() => {
      const r = canReorgTo(decoded, { height: 7, hash: block7 });
      return r.ok ? "ok" : r.error.code;
    })(),
    truncated: outcome(() => decodeFinalityGuardState(bytes.slice(0, -1)), FinalityGuardError),
  };
}

/** What the page's global scope holds: a real browser has none of Node's globals. */
function environment() {
  const g = globalThis as Record<string, unknown>;
  return {
    userAgent: navigator.userAgent,
    Buffer: typeof g.Buffer,
    process: typeof g.process,
    require: typeof g.require,
    global: typeof g.global,
    module: typeof g.module,
    WebAssembly: typeof g.WebAssembly,
    blsBackend: getBlsBackendName(),
    blsBackends: getAvailableBlsBackends(),
  };
}

async function run(vectors: BrowserVectors) {
  const t0 = performance.now();
  const before = environment();
  const commit = await section(() => commitChecks(vectors.commit));
  const t1 = performance.now();
  const zk = await section(() => zkChecks(vectors.zk));
  const t2 = performance.now();
  const checkpoint = await section(() => checkpointChecks(vectors.checkpoints));
  const guard = await section(() => guardChecks(vectors.checkpoints));
  const t3 = performance.now();
  return { before, after: environment(), commit, zk, checkpoint, guard, ms: { commit: t1 - t0, zk: t2 - t1, checkpointAndGuard: t3 - t2 } };
}

export type BrowserResults = Awaited<ReturnType<typeof run>>;

(globalThis as { aegisBrowserChecks?: unknown }).aegisBrowserChecks = { run };
