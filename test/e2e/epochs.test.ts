/**
 * Epochs end to end: four in-process validators running the application (genesis validators created
 * like gentxs, epochs of 5 blocks). A validator created with cosmjs (BLS and BabyJubJub attestation keys
 * with their proofs of possession), then delegated to by the faucet, joins the consensus validator set
 * at the next epoch boundary: the epoch's last header names the new set's root, later certificates
 * verify against the 5-member set, and the chain keeps finalizing.
 */
import { jest } from "@jest/globals";
import { fromBech32, toBech32 } from "@cosmjs/encoding";
import { DirectSecp256k1HdWallet, Registry } from "@cosmjs/proto-signing";
import { defaultRegistryTypes, GasPrice, SigningStargateClient } from "@cosmjs/stargate";
import {
  assertValidCommitCertificate,
  blsSign,
  computeBlockHash,
  computeValidatorSetRoot,
  computeVoteSignBytes,
  createBlsKeyPair,
  createBlsProofOfPossession,
  sha256,
  toHex,
  VoteType,
} from "@aegis/consumer-sdk";
import { QueryClient, setupSlashingExtension, setupStakingExtension } from "@cosmjs/stargate";
import { connectComet } from "@cosmjs/tendermint-rpc";
import {
  AegisMsgCreateValidator,
  createAttestationKeyPair,
  createAttestationProofOfPossession,
  encodeVote,
  initHomes,
  startNodeFromHome,
  type RunningNode,
} from "@aegis/hub";
import { HOST, makeTempDir, removeDir, reservePortRange, waitFor } from "../helpers/e2eUtils.js";

jest.setTimeout(90_000);

const EPOCH = 5;
const CHAIN_ID = "aegis-epochs-1";
let dir: string | undefined;
const running: RunningNode[] = [];
let client: SigningStargateClient | undefined;

afterAll(async () => {
  client?.disconnect();
  for (const r of running.reverse()) await r.stop().catch(() => {});
  await removeDir(dir);
});

test("a validator created with cosmjs, delegated to, joins the consensus set at the next epoch boundary with its power; its double sign is slashed and tombstoned", async () => {
  dir = await makeTempDir("epochs");
  const res = await initHomes({
    home: dir,
    validators: 4,
    chainId: CHAIN_ID,
    host: HOST,
    p2pBasePort: await reservePortRange(4),
    apiBasePort: 1,
    epochLength: EPOCH,
    consensus: { createEmptyBlocksIntervalMs: 100, rebroadcastIntervalMs: 500 },
    timeouts: { timeouts: { proposeMs: 1500, proposeDeltaMs: 250, prevoteMs: 400, prevoteDeltaMs: 200, precommitMs: 400, precommitDeltaMs: 200 } },
  });
  for (const n of res.nodes) running.push(await startNodeFromHome(n.home, { config: (c) => ({ ...c, api: { host: HOST, port: 0 } }) }));
  const nodes = running.map((r) => r.node);
  await waitFor(() => nodes.every((n) => n.engine.height >= 2), 30_000, "first blocks");
  expect(nodes[0]!.engine.getValidatorSet(1).validators).toHaveLength(4);

  // A new operator, funded by the faucet, creates a validator (no node runs its key: 4 × 100 of ~410 still sign).
  const faucet = await DirectSecp256k1HdWallet.fromMnemonic(res.faucet!.mnemonic, { prefix: "aegis" });
  const registry = new Registry([...defaultRegistryTypes, [AegisMsgCreateValidator.typeUrl, AegisMsgCreateValidator]]);
  const op = await DirectSecp256k1HdWallet.generate(12, { prefix: "aegis" });
  const opAddress = (await op.getAccounts())[0]!.address;
  client = await SigningStargateClient.connectWithSigner(running[0]!.api.url, faucet, { registry, gasPrice: GasPrice.fromString("0.025uaeg"), broadcastPollIntervalMs: 200 });
  expect((await client.sendTokens(res.faucet!.address, opAddress, [{ denom: "uaeg", amount: "20000000" }], "auto")).code).toBe(0);
  client.disconnect();
  client = await SigningStargateClient.connectWithSigner(running[1]!.api.url, op, { registry, gasPrice: GasPrice.fromString("0.025uaeg"), broadcastPollIntervalMs: 200 });
  const bls = createBlsKeyPair();
  const attestation = createAttestationKeyPair();
  const created = await client.signAndBroadcast(
    opAddress,
    [
      {
        typeUrl: AegisMsgCreateValidator.typeUrl,
        value: AegisMsgCreateValidator.fromPartial({
          description: { moniker: "joiner", identity: "", website: "", securityContact: "", details: "" },
          commission: { rate: "0.1", maxRate: "0.2", maxChangeRate: "0.01" },
          minSelfDelegation: "1",
          delegatorAddress: opAddress,
          validatorAddress: toBech32("aegisvaloper", fromBech32(opAddress, 90).data),
          value: { denom: "uaeg", amount: "10000000" }, // power 10
          blsPublicKey: bls.publicKey,
          blsProofOfPossession: createBlsProofOfPossession(bls.secretKey, fromBech32(opAddress, 90).data),
          attestationPublicKey: attestation.publicKey,
          attestationProofOfPossession: createAttestationProofOfPossession(attestation.secretKey, fromBech32(opAddress, 90).data),
        }),
      },
    ],
    "auto",
  );
  expect(created.code).toBe(0);
  // The faucet delegates to it with the standard cosmjs helper: power 10 + 5.
  client.disconnect();
  client = await SigningStargateClient.connectWithSigner(running[2]!.api.url, faucet, { registry, gasPrice: GasPrice.fromString("0.025uaeg"), broadcastPollIntervalMs: 200 });
  const delegated = await client.delegateTokens(res.faucet!.address, toBech32("aegisvaloper", fromBech32(opAddress, 90).data), { denom: "uaeg", amount: "5000000" }, "auto");
  expect(delegated.code).toBe(0);

  // The epoch's last block at or after the creating block: its end (after its transactions) computes
  // the next set, so a validator created in an epoch's last block is already in the next epoch's set.
  // The delegation may land in the same epoch or a later one: from its boundary on the power is 15.
  const boundary = Math.ceil(created.height / EPOCH) * EPOCH;
  const delegationBoundary = Math.ceil(delegated.height / EPOCH) * EPOCH;
  await waitFor(() => nodes.every((n) => n.engine.height >= delegationBoundary + 3), 60_000, `heights past the boundary ${delegationBoundary}`);
  for (const n of nodes) {
    const after = n.engine.getValidatorSet(boundary + 1);
    expect(after.validators).toHaveLength(5);
    expect(after.validators.find((v) => toHex(v.blsPublicKey) === toHex(bls.publicKey))?.power).toBe(delegationBoundary === boundary ? 15n : 10n);
    expect(n.engine.getValidatorSet(delegationBoundary + 1).validators.find((v) => toHex(v.blsPublicKey) === toHex(bls.publicKey))?.power).toBe(15n);
    expect(n.engine.getValidatorSet(boundary).validators).toHaveLength(4);
  }
  const db = nodes[0]!.db;
  const last = (await db.blocks.getBlock(boundary))!.header;
  const next = nodes[0]!.engine.getValidatorSet(boundary + 1);
  expect(toHex(last.nextValidatorSetRoot)).toBe(toHex(computeValidatorSetRoot(next)));
  const first = (await db.blocks.getCertified(boundary + 1))!;
  expect(toHex(first.block.header.validatorSetRoot)).toBe(toHex(computeValidatorSetRoot(next)));
  assertValidCommitCertificate(first.certificate, { chainId: CHAIN_ID, validatorSet: next, expectedHeight: boundary + 1, expectedBlockHash: computeBlockHash(first.block.header) });

  // A test harness makes the new validator sign two prevotes for different blocks at one height and
  // round (with its key: no node runs it). The engine turns them into evidence, a block carries it,
  // and cosmjs' staking and slashing queries show it slashed 5 % and tombstoned.
  const n0 = nodes[0]!;
  await waitFor(
    async () => {
      const h = n0.engine.height + 1;
      const index = n0.engine.getValidatorSet(h).validators.findIndex((v) => toHex(v.blsPublicKey) === toHex(bls.publicKey));
      expect(index).toBeGreaterThanOrEqual(0);
      for (const fill of [1, 2]) {
        const vote = { type: VoteType.Prevote, height: h, round: 0, blockHash: new Uint8Array(32).fill(fill) };
        const signed = { ...vote, validatorIndex: index, signature: blsSign(bls.secretKey, computeVoteSignBytes({ chainId: CHAIN_ID, ...vote })) };
        n0.engine.submitVote(await n0.gossip.validateVote(encodeVote(signed)));
      }
      await n0.engine.whenIdle();
      return (await n0.db.evidence.list({ fromHeight: h })).length > 0;
    },
    30_000,
    "evidence of the double sign",
    50,
  );
  const comet = await connectComet(running[0]!.api.url);
  try {
    const q = QueryClient.withExtensions(comet, setupStakingExtension, setupSlashingExtension);
    const valoper = toBech32("aegisvaloper", fromBech32(opAddress, 90).data);
    const info = await waitFor(
      async () => {
        const si = (await q.slashing.signingInfo(toBech32("aegisvalcons", sha256(bls.publicKey).slice(0, 20)))).valSigningInfo;
        return si?.tombstoned ? si : undefined;
      },
      30_000,
      "tombstoned",
      250,
    );
    expect(info.tombstoned).toBe(true);
    const v = (await q.staking.validator(valoper)).validator!;
    expect(v.jailed).toBe(true);
    expect(v.tokens).toBe(String(15_000_000n - 15_000_000n / 20n));
  } finally {
    comet.disconnect();
  }
});
