// ZkService.stop() and work in flight: a catch-up whose peer answers after stop() was called must
// neither touch the database (which the node closes right after stop()) nor move the cursor.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Application } from "../../src/app/index.js";
import { encodeZkCertificatesResponse } from "../../src/codec/codec.js";
import { HubDb } from "../../src/db/hubDb.js";
import { nullLogger } from "../../src/logger.js";
import { ZkService, type ZkGenesisConfig } from "../../src/zk/zkService.js";

const CHAIN_ID = "aegis-stop-1";
const zk = { circuit: "quorum4", capacity: 4, verificationKey: {}, attestationIntervalMs: 1000, proverReward: "0", epochLength: 100 } as unknown as ZkGenesisConfig;
const cert = (height: number) => ({
  circuit: "quorum4",
  chainId: CHAIN_ID,
  height,
  time: 1_700_000_000_000 + height * 1000,
  blockHash: new Uint8Array(32).fill(height),
  validatorSetRoot: 1n,
  nextValidatorSetRoot: 1n,
  signers: 0b111n,
  prover: new Uint8Array(20).fill(0xa0),
  proof: new Uint8Array(256),
});

describe("ZkService.stop", () => {
  let dir: string;
  let db: HubDb;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "aegis-zkstop-"));
    db = await HubDb.open(dir);
  });
  afterEach(async () => {
    await db.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  test("waits for a catch-up in flight, which then stops without touching the closed database", async () => {
    let answer!: (bytes: Uint8Array) => void;
    let requests = 0;
    const svc = new ZkService(
      { chainId: CHAIN_ID, genesisTime: 0, zk, attestationKey: null, prover: null },
      {
        db,
        app: {} as Application, // not reached: the catch-up stops before checking a certificate
        committedHeight: () => 10,
        publish: () => undefined,
        logger: nullLogger,
        peers: () => ["peer-a"],
        request: (_peer, _name, _data) => {
          requests++;
          return new Promise<Uint8Array>((resolve) => (answer = resolve));
        },
      },
    );
    await svc.start();
    const caughtUp = svc.catchUp();
    await new Promise((r) => setImmediate(r));
    expect(requests).toBe(1);

    let stopped = false;
    const stopping = svc.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(stopped).toBe(false); // the request is still out

    answer(encodeZkCertificatesResponse([cert(1), cert(2)]));
    await stopping;
    await db.close(); // what the node does right after stop()
    await expect(caughtUp).resolves.toBe(0);

    // Nothing was stored and the cursor did not move.
    const reopened = await HubDb.open(dir);
    try {
      expect(await reopened.zkCertificates.get(1, CHAIN_ID)).toBeUndefined();
      expect(await reopened.meta.getMeta("zkSyncedThrough")).toBeUndefined();
    } finally {
      await reopened.close();
    }
  });

  test("a catch-up asked for after stop() does nothing", async () => {
    let asked = 0;
    const svc = new ZkService(
      { chainId: CHAIN_ID, genesisTime: 0, zk, attestationKey: null, prover: null },
      { db, app: {} as Application, committedHeight: () => 10, publish: () => undefined, logger: nullLogger, peers: () => ["peer-a"], request: async () => (asked++, encodeZkCertificatesResponse([])) },
    );
    await svc.start();
    await svc.stop();
    await expect(svc.catchUp()).resolves.toBe(0);
    expect(asked).toBe(0);
  });
});
