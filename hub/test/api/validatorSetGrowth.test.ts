/**
 * The API and the JSON-RPC after the validator set grew by a transaction: a one-validator node with the
 * application (epochs of 3 blocks), where the faucet creates a second validator with cosmjs
 * (MsgCreateValidator, moniker "joiner", a tenth of the genesis validator's power, so the chain keeps
 * finalizing without it). After the epoch boundary, /status counts the set that signs the next height,
 * /validators names the new validator by its staking description, and the installed cosmjs clients
 * decode the JSON-RPC `validators` answer.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromBech32, toBech32 } from "@cosmjs/encoding";
import { DirectSecp256k1HdWallet, Registry } from "@cosmjs/proto-signing";
import { defaultRegistryTypes, GasPrice, SigningStargateClient } from "@cosmjs/stargate";
import { Comet38Client, Tendermint37Client } from "@cosmjs/tendermint-rpc";
import { createBlsKeyPair, createBlsProofOfPossession, decodeStatusJson, decodeValidatorSetJson, toHex } from "@aegis/consumer-sdk";
import { createAttestationKeyPair, createAttestationProofOfPossession } from "../../src/attestation/index.js";
import { AegisMsgCreateValidator } from "../../src/app/modules/staking/index.js";
import { nullLogger } from "../../src/logger.js";
import { initHomes } from "../../src/node/initHomes.js";
import { startNodeFromHome, type RunningNode } from "../../src/node/runNode.js";

const CHAIN_ID = "aegis-api-growth-1";
const EPOCH = 3;
let dir: string | undefined;
let running: RunningNode | undefined;
let client: SigningStargateClient | undefined;

afterAll(async () => {
  client?.disconnect();
  await running?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const waitFor = async (what: string, done: () => boolean, ms = 30_000) => {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

test("a validator created by transaction: /status counts it, /validators names it, cosmjs decodes the JSON-RPC validators", async () => {
  dir = await mkdtemp(join(tmpdir(), "aegis-api-growth-"));
  const res = await initHomes({ home: dir, validators: 1, chainId: CHAIN_ID, epochLength: EPOCH, consensus: { createEmptyBlocksIntervalMs: 50, rebroadcastIntervalMs: 500 } });
  running = await startNodeFromHome(res.nodes[0]!.home, {
    logger: nullLogger,
    config: (c) => ({ ...c, api: { host: "127.0.0.1", port: 0 }, p2p: { listen: ["/ip4/127.0.0.1/tcp/0"], bootstrap: [] } }),
  });
  const { node } = running;
  const base = running.api.url;
  const getJson = async (path: string) => {
    const r = await fetch(base + path, { signal: AbortSignal.timeout(5000) });
    expect({ path, status: r.status }).toEqual({ path, status: 200 });
    return r.json();
  };
  await waitFor("the first block", () => node.engine.height >= 1);
  expect(decodeStatusJson(await getJson("/status")).validatorSetSize).toBe(1);

  // The faucet creates a validator (no node runs its key), power 10 against the genesis validator's 100.
  const faucet = await DirectSecp256k1HdWallet.fromMnemonic(res.faucet!.mnemonic, { prefix: "aegis" });
  const operator = fromBech32(res.faucet!.address, 90).data;
  const registry = new Registry([...defaultRegistryTypes, [AegisMsgCreateValidator.typeUrl, AegisMsgCreateValidator]]);
  client = await SigningStargateClient.connectWithSigner(base, faucet, { registry, gasPrice: GasPrice.fromString("0.025uaeg"), broadcastPollIntervalMs: 100 });
  const bls = createBlsKeyPair();
  const attestation = createAttestationKeyPair();
  const created = await client.signAndBroadcast(
    res.faucet!.address,
    [
      {
        typeUrl: AegisMsgCreateValidator.typeUrl,
        value: AegisMsgCreateValidator.fromPartial({
          description: { moniker: "joiner", identity: "", website: "", securityContact: "", details: "" },
          commission: { rate: "0.1", maxRate: "0.2", maxChangeRate: "0.01" },
          minSelfDelegation: "1",
          delegatorAddress: res.faucet!.address,
          validatorAddress: toBech32("aegisvaloper", operator),
          value: { denom: "uaeg", amount: "10000000" },
          blsPublicKey: bls.publicKey,
          blsProofOfPossession: createBlsProofOfPossession(bls.secretKey, operator),
          attestationPublicKey: attestation.publicKey,
          attestationProofOfPossession: createAttestationProofOfPossession(attestation.secretKey, operator),
        }),
      },
    ],
    "auto",
  );
  expect(created.code).toBe(0);
  // The end of the epoch's last block computes the next set: it signs from the height after it.
  const firstSigned = Math.ceil(created.height / EPOCH) * EPOCH + 1;
  await waitFor(`height ${firstSigned} in progress`, () => node.engine.height + 1 >= firstSigned);
  const current = node.engine.getValidatorSet(node.engine.height + 1);
  expect(current.validators).toHaveLength(2);
  expect(node.genesis.validatorSet.validators).toHaveLength(1);

  // /status: the size of the set that signs the next height, not the genesis set's.
  expect(decodeStatusJson(await getJson("/status")).validatorSetSize).toBe(2);

  // /validators: the new validator's moniker is its staking description's; the genesis one keeps its own.
  const validators = decodeValidatorSetJson(await getJson("/validators"));
  const byKey = new Map(validators.validatorSet.validators.map((v, i) => [toHex(v.blsPublicKey), validators.monikers[i]]));
  expect(byKey.get(toHex(bls.publicKey))).toBe("joiner");
  expect(byKey.get(toHex(node.genesis.validatorSet.validators[0]!.blsPublicKey))).toBe("node0");
  expect(decodeValidatorSetJson(await getJson("/validators?height=1")).monikers).toEqual(["node0"]);

  // The JSON-RPC validators answer decodes with the installed cosmjs clients (both answer shapes it picks from).
  for (const connect of [(u: string) => Comet38Client.connect(u), (u: string) => Tendermint37Client.connect(u)]) {
    const comet = await connect(base);
    try {
      const answer = await comet.validators({});
      expect(answer.total).toBe(2);
      expect(answer.validators.map((v) => ({ address: toHex(v.address), key: toHex(v.pubkey!.data), power: v.votingPower }))).toEqual(
        current.validators.map((v) => ({ address: toHex(v.address), key: toHex(v.blsPublicKey), power: v.power })),
      );
      const all = await comet.validatorsAll(1);
      expect(all.validators.map((v) => toHex(v.pubkey!.data))).toEqual([toHex(node.genesis.validatorSet.validators[0]!.blsPublicKey)]);
    } finally {
      comet.disconnect();
    }
  }
}, 90_000);
