/**
 * A proposer re-sends its proposal at every rebroadcast; a copy the round state would ignore must not
 * be validated and executed again (a block of many transactions costs its execution each time). Two
 * real engines over in-memory databases (SimDisk), timers that never fire: the round-0 proposer's
 * proposal is handed to the other engine three times, and its application executes the block once.
 */
import { computeBlockHash, createBlsKeyPair, createBlsProofOfPossession, toHex } from "@aegis/consumer-sdk";
import { PlaceholderApplication } from "../../src/app/placeholderApplication.js";
import { ConsensusEngine } from "../../src/consensus/consensusEngine.js";
import { Step, type ProposalMessage } from "../../src/consensus/types.js";
import { HubDb } from "../../src/db/hubDb.js";
import { parseGenesis } from "../../src/genesis.js";
import { nullLogger } from "../../src/logger.js";
import { Mempool } from "../../src/node/mempool.js";
import { PrivValidator } from "../../src/signer/index.js";
import { SimDisk } from "../../src/sim/simDisk.js";
import { toBech32 } from "../../src/tx/toBech32.js";

const CHAIN_ID = "aegis-proposal-copies";
const GENESIS_TIME = Date.UTC(2026, 0, 1);
const never = { schedule: () => null, cancel: () => undefined };

test("a copy of a proposal the engine already has is neither validated nor executed again", async () => {
  const keys = [1, 2, 3].map((i) => createBlsKeyPair(new Uint8Array(32).fill(i)));
  const genesis = parseGenesis({
    chainId: CHAIN_ID,
    genesisTime: GENESIS_TIME,
    validators: keys.map((k, i) => {
      const operator = new Uint8Array(20).fill(i + 1);
      return { moniker: `v${i}`, operator: toBech32("aegis", operator), blsPublicKey: toHex(k.publicKey), proofOfPossession: toHex(createBlsProofOfPossession(k.secretKey, operator)), power: "1" };
    }),
  });
  const keyOf = (index: number) => keys.find((k) => toHex(k.publicKey) === toHex(genesis.validatorSet.validators[index]!.blsPublicKey))!;

  const engines: ConsensusEngine[] = [];
  const dbs: HubDb[] = [];
  const proposals: ProposalMessage[] = [];
  async function engine(validatorIndex: number): Promise<{ engine: ConsensusEngine; executions: () => number }> {
    const db = HubDb.fromLevel(await new SimDisk().open(), `copies:${validatorIndex}`);
    dbs.push(db);
    const app = new PlaceholderApplication({ genesisHash: genesis.hash });
    let executions = 0;
    const execute = app.executeBlock.bind(app);
    app.executeBlock = (ctx, txs) => {
      executions++;
      return execute(ctx, txs);
    };
    const e = new ConsensusEngine(
      { genesis, createEmptyBlocksIntervalMs: 0, rebroadcastIntervalMs: 1000 },
      {
        db,
        mempool: new Mempool({ maxTxs: 10 }),
        privValidator: await PrivValidator.load({ blsSecretKey: keyOf(validatorIndex).secretKey }, { db }),
        app,
        logger: nullLogger,
        clock: { now: () => GENESIS_TIME + 1000 },
        ticker: never,
        outbox: { proposal: (m) => proposals.push(m), vote: () => undefined, evidence: () => undefined, requestSync: () => undefined },
      },
    );
    engines.push(e);
    await e.start();
    await e.whenIdle();
    return { engine: e, executions: () => executions };
  }

  try {
    const first = await engine(0);
    const proposer = first.engine.getProposerIndex(1, 0);
    const other = [0, 1, 2].find((i) => i !== proposer)!;
    const p = proposer === 0 ? first : await engine(proposer);
    const receiver = other === 0 ? first : await engine(other);
    for (let i = 0; i < 50 && proposals.length === 0; i++) await p.engine.whenIdle();
    const msg = proposals.find((m) => m.proposal.proposerIndex === proposer && m.proposal.round === 0);
    if (!msg) throw new Error("the proposer made no proposal");
    const blockHash = computeBlockHash(msg.block.header);

    const before = receiver.executions();
    for (let copy = 0; copy < 3; copy++) {
      receiver.engine.submitProposal(msg, blockHash);
      await receiver.engine.whenIdle();
    }
    expect(receiver.executions() - before).toBe(1);
    // The proposal was taken in: the receiver's step moved on from propose (it prevoted the block).
    expect(receiver.engine.round).toBe(0);
    expect(receiver.engine.step).toBe(Step.Prevote);
  } finally {
    for (const e of engines) await e.stop();
    for (const db of dbs) if (db.isOpen) await db.close();
  }
});
