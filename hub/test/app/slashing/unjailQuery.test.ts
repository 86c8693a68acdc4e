import { QueryClient, setupSlashingExtension } from "@cosmjs/stargate";

type SlashingExtension = ReturnType<typeof setupSlashingExtension>;
import { MsgUnjail } from "cosmjs-types/cosmos/slashing/v1beta1/tx";
import {
  consensusBech32,
  getSigningInfo,
  msgUnjailHandler,
  processBlockSignatures,
  processDuplicateVoteEvidence,
  querySlashing,
  SLASHING_HANDLERS,
} from "../../../src/app/modules/slashing/index.js";
import { DEC_ONE, getValidator, msgUndelegateHandler } from "../../../src/app/modules/staking/index.js";
import type { StateView } from "../../../src/state/index.js";
import { acc, addr, DENOM, mustRun, run, snapshot, T0, valoper } from "../staking/stakingFixtures.js";
import { CHAIN_ID, hash, indexOf, setAt, signersExcept, vote, world } from "./slashingFixtures.js";

const JAIL = 600_000;

/** Validator 1 misses heights 1..10 (window 10, max 5): jailed at height 10, time T0 + 10, until T0 + 10 + JAIL. */
function jailedWorld(): StateView {
  const s = world({ signedBlocksWindow: 10, minSignedPerWindow: DEC_ONE / 2n });
  for (let h = 1; h <= 10; h++) {
    const set = setAt(s, h);
    processBlockSignatures(s, { height: h, time: T0 + h, set, signers: signersExcept(set, [1]) });
  }
  expect(getValidator(s, addr(1))!.jailed).toBe(true);
  return s;
}

const unjail = (i: number): MsgUnjail => ({ validatorAddr: valoper(i) });

describe("MsgUnjail", () => {
  test("handler shape", () => {
    expect(SLASHING_HANDLERS.map((h) => h.typeUrl)).toEqual(["/cosmos.slashing.v1beta1.MsgUnjail", "/aegis.slashing.v1.MsgSubmitEvidence"]);
    expect(msgUnjailHandler.getSigners(unjail(1))).toEqual([addr(1)]);
    expect(() => msgUnjailHandler.validateBasic({ validatorAddr: acc(1) })).toThrow(/validator_addr/);
    const bytes = MsgUnjail.encode(unjail(1)).finish();
    expect(msgUnjailHandler.decode(bytes)).toEqual(unjail(1));
  });

  test("refused while within the jail time, accepted after; window starts again", () => {
    const s = jailedWorld();
    const before = snapshot(s);
    const early = run(s, msgUnjailHandler, unjail(1), { height: 11, time: T0 + 10 + JAIL - 1 });
    expect(early.ok).toBe(false);
    expect(early.error!.log).toMatch(/still jailed/);
    expect(snapshot(s)).toEqual(before);
    const out = mustRun(s, msgUnjailHandler, unjail(1), { height: 12, time: T0 + 10 + JAIL });
    expect(out.result!.response.typeUrl).toBe("/cosmos.slashing.v1beta1.MsgUnjailResponse");
    expect(getValidator(s, addr(1))!.jailed).toBe(false);
    expect(getSigningInfo(s, getValidator(s, addr(1))!.consensusAddress)).toMatchObject({ startHeight: 12, indexOffset: 0, missedBlocksCounter: 0 });
  });

  test("refused when not jailed", () => {
    const s = jailedWorld();
    const out = run(s, msgUnjailHandler, unjail(2), { height: 11, time: T0 + 2 * JAIL });
    expect(out.error!.log).toMatch(/not jailed/);
  });

  test("refused when the self-delegation is below the minimum", () => {
    const s = jailedWorld();
    mustRun(s, msgUndelegateHandler, { delegatorAddress: acc(1), validatorAddress: valoper(1), amount: { denom: DENOM, amount: getValidator(s, addr(1))!.tokens.toString() } }, { height: 11, time: T0 + 11 });
    const out = run(s, msgUnjailHandler, unjail(1), { height: 12, time: T0 + 2 * JAIL });
    expect(out.ok).toBe(false);
    expect(out.error!.log).toMatch(/self-delegation|self delegation/);
  });

  test("refused when tombstoned", () => {
    const s = world();
    const set = setAt(s, 3);
    processBlockSignatures(s, { height: 3, time: T0 + 3, set, signers: signersExcept(set, []) });
    const i = indexOf(set, 1);
    processDuplicateVoteEvidence(s, { voteA: vote(1, i, { height: 3, blockHash: hash(1) }), voteB: vote(1, i, { height: 3, blockHash: hash(2) }), time: T0 }, { height: 4, time: T0 + 4, chainId: CHAIN_ID });
    const out = run(s, msgUnjailHandler, unjail(1), { height: 5, time: T0 + 10 * JAIL });
    expect(out.error!.log).toMatch(/tombstoned/);
  });
});

function client(store: StateView): QueryClient & SlashingExtension {
  const comet = {
    abciQuery: async (q: { path: string; data: Uint8Array }) => {
      const r = querySlashing(store, q.path, q.data, 7);
      if (!r) throw new Error(`not a slashing path: ${q.path}`);
      if (r.code !== 0) throw new Error(r.log);
      return { code: r.code, log: r.log ?? "", value: r.value ?? new Uint8Array(0), height: r.height, key: new Uint8Array(0), index: 0, codespace: r.codespace ?? "" };
    },
  };
  return QueryClient.withExtensions(comet as never, setupSlashingExtension);
}

describe("querySlashing through cosmjs", () => {
  test("params, signing info, signing infos, not found", async () => {
    const s = jailedWorld();
    const c = client(s);
    const { params } = await c.slashing.params();
    expect(params.signedBlocksWindow).toBe(10n);
    expect(new TextDecoder().decode(params.minSignedPerWindow)).toBe((DEC_ONE / 2n).toString());
    expect(params.downtimeJailDuration.seconds).toBe(600n);
    const cons = consensusBech32(getValidator(s, addr(1))!.consensusAddress);
    expect(cons.startsWith("aegisvalcons1")).toBe(true);
    const { valSigningInfo } = await c.slashing.signingInfo(cons);
    expect(valSigningInfo).toMatchObject({ address: cons, startHeight: 1n, indexOffset: 0n, tombstoned: false, missedBlocksCounter: 0n });
    expect(valSigningInfo.jailedUntil.seconds).toBe(BigInt(Math.floor((T0 + 10 + JAIL) / 1000)));
    const all = await c.slashing.signingInfos();
    expect(all.info).toHaveLength(3);
    await expect(c.slashing.signingInfo(consensusBech32(new Uint8Array(20)))).rejects.toThrow(/key not found/);
    expect(querySlashing(s, "/cosmos.bank.v1beta1.Query/Balance", new Uint8Array(0), 1)).toBeNull();
    expect(querySlashing(s, "/cosmos.slashing.v1beta1.Query/SigningInfo", Uint8Array.of(10, 3, 0x61, 0x62, 0x63), 1)!.code).not.toBe(0);
  });
});
