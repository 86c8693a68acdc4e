/**
 * The consensus side of epochs: an application that hands consensus a new validator set from a given
 * height. The last block before it must name the new set's root, blocks from it on must be signed by
 * (and certified against) the new set, and the chain must keep going. Four in-process validators over
 * libp2p on loopback; the application wraps the opaque-transaction PlaceholderApplication.
 */
import { jest } from "@jest/globals";
import {
  assertValidCommitCertificate,
  computeBlockHash,
  computeValidatorSetRoot,
  createValidatorSet,
  toHex,
  type ValidatorSet,
} from "@aegis/consumer-sdk";
import {
  initHomes,
  PlaceholderApplication,
  startNodeFromHome,
  type Application,
  type BlockExecutionContext,
  type RunningNode,
} from "@aegis/hub";
import { HOST, makeTempDir, removeDir, reservePortRange, waitFor } from "../helpers/e2eUtils.js";

jest.setTimeout(90_000);

const SWITCH_AT = 6;
let dir: string | undefined;
const running: RunningNode[] = [];

/** From SWITCH_AT on, the same validators sign with powers 40, 30, 20, 10 (the genesis gives 100 each). */
class EpochApp implements Application {
  private readonly inner: PlaceholderApplication;
  constructor(
    genesisHash: Uint8Array,
    private readonly genesisSet: ValidatorSet,
    private readonly nextSet: ValidatorSet,
  ) {
    this.inner = new PlaceholderApplication({ genesisHash });
  }
  get height() {
    return this.inner.height;
  }
  get stateRoot() {
    return this.inner.stateRoot;
  }
  private next(ctx: BlockExecutionContext) {
    return ctx.height === SWITCH_AT - 1 ? { nextValidatorSetRoot: computeValidatorSetRoot(this.nextSet) } : {};
  }
  async prepareBlock(ctx: BlockExecutionContext, candidates: readonly Uint8Array[]) {
    return { ...(await this.inner.prepareBlock(ctx, candidates)), ...this.next(ctx) };
  }
  async executeBlock(ctx: BlockExecutionContext, txs: readonly Uint8Array[]) {
    return { ...(await this.inner.executeBlock(ctx, txs)), ...this.next(ctx) };
  }
  commitBlock(ctx: BlockExecutionContext, txs: readonly Uint8Array[]) {
    return this.inner.commitBlock(ctx, txs);
  }
  validatorSetAt(height: number) {
    return height >= SWITCH_AT ? { set: this.nextSet, startHeight: SWITCH_AT } : { set: this.genesisSet, startHeight: 1 };
  }
}

afterAll(async () => {
  for (const r of running.reverse()) await r.stop().catch(() => {});
  await removeDir(dir);
});

test("a new validator set takes over at the height the application names", async () => {
  dir = await makeTempDir("valset");
  const res = await initHomes({
    withApp: false,
    home: dir,
    validators: 4,
    chainId: "aegis-valset-1",
    host: HOST,
    p2pBasePort: await reservePortRange(4),
    apiBasePort: 1,
    consensus: { createEmptyBlocksIntervalMs: 100, rebroadcastIntervalMs: 500 },
    timeouts: { timeouts: { proposeMs: 1500, proposeDeltaMs: 250, prevoteMs: 400, prevoteDeltaMs: 200, precommitMs: 400, precommitDeltaMs: 200 } },
  });
  let genesisSet: ValidatorSet | undefined;
  let nextSet: ValidatorSet | undefined;
  for (const n of res.nodes) {
    running.push(
      await startNodeFromHome(n.home, {
        config: (c) => ({ ...c, api: { host: HOST, port: 0 } }),
        createApp: async (_db, genesis) => {
          genesisSet ??= genesis.validatorSet;
          nextSet ??= createValidatorSet(
            genesis.validatorSet.validators.map((v, i) => ({ blsPublicKey: v.blsPublicKey, power: BigInt(40 - 10 * i) })),
            { skipProofOfPossession: true },
          );
          return new EpochApp(genesis.hash, genesisSet, nextSet);
        },
      }),
    );
  }
  const nodes = running.map((r) => r.node);
  await waitFor(() => nodes.every((n) => n.engine.height >= SWITCH_AT + 4), 60_000, "heights past the switch");
  const db = nodes[0]!.db;
  const before = (await db.blocks.getBlock(SWITCH_AT - 1))!.header;
  expect(toHex(before.validatorSetRoot)).toBe(toHex(computeValidatorSetRoot(genesisSet!)));
  expect(toHex(before.nextValidatorSetRoot)).toBe(toHex(computeValidatorSetRoot(nextSet!)));
  for (let h = 1; h <= SWITCH_AT + 4; h++) {
    const cb = (await db.blocks.getCertified(h))!;
    const set = h >= SWITCH_AT ? nextSet! : genesisSet!;
    expect(toHex(cb.block.header.validatorSetRoot)).toBe(toHex(computeValidatorSetRoot(set)));
    // Each certificate verifies against the set that signed its height (same keys, other powers: the
    // header's validatorSetRoot is what tells the two sets apart).
    assertValidCommitCertificate(cb.certificate, { chainId: "aegis-valset-1", validatorSet: set, expectedHeight: h, expectedBlockHash: computeBlockHash(cb.block.header) });
    for (const other of nodes.slice(1)) expect(toHex((await other.db.blocks.getBlockHashAt(h))!)).toBe(toHex(computeBlockHash(cb.block.header)));
  }
  // From the switch on, consensus uses the new set and its own proposer schedule, which starts at the
  // switch height: its first proposer is the 40-power validator, and every block names the scheduled one.
  expect(nodes[0]!.engine.getValidatorSet(SWITCH_AT).totalPower).toBe(100n);
  expect(nodes[0]!.engine.getProposerIndex(SWITCH_AT, 0)).toBe(0);
  for (let h = SWITCH_AT; h <= SWITCH_AT + 4; h++) {
    const cb = (await db.blocks.getCertified(h))!;
    const expected = nextSet!.validators[nodes[0]!.engine.getProposerIndex(h, cb.certificate.round)]!.address;
    expect(toHex(cb.block.header.proposer)).toBe(toHex(expected));
  }
});
