// The ZK view of an epoch's active set: slots in consensus order with the validators' attestation
// keys and powers, and its Poseidon root.
import { computeZkValidatorSetRoot, ZkError } from "@aegis/consumer-sdk";
import { AttestationError, getAttestationPoint } from "../../src/attestation/index.js";
import { getValidatorSetForEpoch, msgCreateValidatorHandler, processEpochEnd } from "../../src/app/modules/staking/index.js";
import { computeZkValidatorSetRootOf, computeZkValidatorSlots } from "../../src/zk/index.js";
import { attestationKey, createValidatorMsg, mustRun, setup, T0 } from "../app/staking/stakingFixtures.js";

const M = 1_000_000n;

test("an epoch's set gives one slot per validator, in consensus order, with its attestation key and power", () => {
  const s = setup();
  [3n * M, 5n * M, 4n * M].forEach((a, i) => mustRun(s, msgCreateValidatorHandler, createValidatorMsg(i + 1, a)));
  processEpochEnd(s, { height: 0, time: T0 });
  const epoch = getValidatorSetForEpoch(s, 0)!;
  const slots = computeZkValidatorSlots(epoch.validators);
  // Consensus order is power descending: validators 2 (5), 3 (4), 1 (3).
  expect(slots.map((x) => x.power)).toEqual([5n, 4n, 3n]);
  expect(slots.map(({ ax, ay }) => ({ ax, ay }))).toEqual([2, 3, 1].map((i) => getAttestationPoint(attestationKey(i))));
  expect(epoch.set.validators.map((v) => v.power)).toEqual(slots.map((x) => x.power));
  expect(computeZkValidatorSetRootOf(epoch.validators, 4)).toBe(computeZkValidatorSetRoot(slots, 4));
  expect(computeZkValidatorSetRootOf(epoch.validators, 8)).not.toBe(computeZkValidatorSetRootOf(epoch.validators, 4));
});

test("a set the circuit cannot hold, and a key that is no attestation key, are refused", () => {
  const v = (i: number, power = 1n) => ({ attestationPublicKey: attestationKey(i), power });
  expect(() => computeZkValidatorSetRootOf([v(1), v(2), v(3)], 2)).toThrow(expect.objectContaining({ type: { code: "ZK_ERROR_TOO_MANY_SLOTS", slots: 3, capacity: 2 } }));
  expect(() => computeZkValidatorSetRootOf([v(1), v(1, 2n)], 2)).toThrow(ZkError);
  expect(() => computeZkValidatorSetRootOf([v(1, 1n << 64n)], 2)).toThrow(ZkError);
  expect(() => computeZkValidatorSlots([{ attestationPublicKey: new Uint8Array(32), power: 1n }])).toThrow(AttestationError);
});
