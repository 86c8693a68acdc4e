/**
 * A Ledger user's flows against a real hub: a one-validator node in this process (its JSON-RPC on
 * loopback), and an unchanged cosmjs SigningStargateClient with an amino-only signer
 * (Secp256k1HdWallet: SIGN_MODE_LEGACY_AMINO_JSON, as a Ledger's Cosmos app signs) and
 * `new AminoTypes({ ...createDefaultAminoConverters(), ...createAegisAminoConverters() })`. It sends
 * tokens, delegates, withdraws rewards, sets a withdraw address, undelegates and creates a validator
 * (an Aegis message), fee "auto"; each is committed. A tampered amino signature, or a message changed
 * under one, is refused at CheckTx with the SDK's code 4 and changes nothing.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { coin, type Secp256k1HdWallet } from "@cosmjs/amino";
import { fromBech32, toBech32 } from "@cosmjs/encoding";
import { BroadcastTxError, GasPrice, QueryClient, setupDistributionExtension, setupStakingExtension, SigningStargateClient, StargateClient } from "@cosmjs/stargate";
import { createBlsKeyPair, createBlsProofOfPossession } from "@aegis/consumer-sdk";
import { MsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import { MsgSetWithdrawAddress } from "cosmjs-types/cosmos/distribution/v1beta1/tx";
import { SignMode } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import { AuthInfo, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { AegisMsgCreateValidator } from "../../src/app/index.js";
import { createAttestationKeyPair, createAttestationProofOfPossession } from "../../src/attestation/index.js";
import { nullLogger } from "../../src/logger.js";
import { initHomes } from "../../src/node/initHomes.js";
import { startNodeFromHome, type RunningNode } from "../../src/node/runNode.js";
import { aminoWallet, createAegisAminoTypes, createAegisRegistry } from "../tx/aminoFixtures.js";

const CHAIN_ID = "aegis-amino-node-1";
const DENOM = "uaeg";
let dir: string | undefined;
let running: RunningNode | undefined;
let client: SigningStargateClient | undefined;
let reader: StargateClient | undefined;

afterAll(async () => {
  client?.disconnect();
  reader?.disconnect();
  await running?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const waitFor = async (what: string, done: () => boolean | Promise<boolean>, ms = 30_000) => {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

test("an amino-only signer sends, delegates, withdraws, undelegates and creates a validator; a tampered amino signature is refused", async () => {
  dir = await mkdtemp(join(tmpdir(), "aegis-amino-node-"));
  const res = await initHomes({ home: dir, validators: 1, chainId: CHAIN_ID, consensus: { createEmptyBlocksIntervalMs: 50, rebroadcastIntervalMs: 500 } });
  running = await startNodeFromHome(res.nodes[0]!.home, {
    logger: nullLogger,
    config: (c) => ({ ...c, api: { host: "127.0.0.1", port: 0 }, p2p: { listen: ["/ip4/127.0.0.1/tcp/0"], bootstrap: [] } }),
  });
  const { node } = running;
  const base = running.api.url;
  await waitFor("the first block", () => node.engine.height >= 1);

  const faucet = res.faucet!.address;
  const wallet: Secp256k1HdWallet = await aminoWallet(res.faucet!.mnemonic);
  expect("signDirect" in wallet).toBe(false); // amino only: cosmjs signs SIGN_MODE_LEGACY_AMINO_JSON
  client = await SigningStargateClient.connectWithSigner(base, wallet, {
    registry: createAegisRegistry(),
    aminoTypes: createAegisAminoTypes(),
    gasPrice: GasPrice.fromString("0.025uaeg"),
    broadcastPollIntervalMs: 100,
  });
  reader = await StargateClient.connect(base);
  const queries = QueryClient.withExtensions(client.getCometClient()!, setupStakingExtension, setupDistributionExtension);
  const [validator] = (await queries.staking.validators("BOND_STATUS_BONDED")).validators;
  const valoper = validator!.operatorAddress;
  const recipient = (await (await aminoWallet()).getAccounts())[0]!.address;

  // Send.
  const sent = await client.sendTokens(faucet, recipient, [coin(1_000_000, DENOM)], "auto", "from a Ledger & co");
  expect({ code: sent.code, log: sent.rawLog }).toEqual({ code: 0, log: "" });
  expect((await reader.getBalance(recipient, DENOM)).amount).toBe("1000000");
  const account = await reader.getAccount(faucet);
  expect(account!.pubkey).not.toBeNull(); // set from the amino signer's signer info
  const committed = TxRaw.decode((await reader.getTx(sent.transactionHash))!.tx);
  expect(AuthInfo.decode(committed.authInfoBytes).signerInfos.map((s) => s.modeInfo?.single?.mode)).toEqual([SignMode.SIGN_MODE_LEGACY_AMINO_JSON]);

  // Delegate, withdraw rewards, set a withdraw address, undelegate.
  const delegated = await client.delegateTokens(faucet, valoper, coin(3_000_000, DENOM), "auto");
  expect(delegated.code).toBe(0);
  expect((await reader.getDelegation(faucet, valoper))!.amount).toBe("3000000");
  const from = node.engine.height;
  await waitFor("two more blocks", () => node.engine.height >= from + 2);
  const withdrawn = await client.withdrawRewards(faucet, valoper, "auto");
  expect(withdrawn.code).toBe(0);
  expect(withdrawn.events.some((e) => e.type === "withdraw_rewards")).toBe(true);
  const setWithdraw = await client.signAndBroadcast(
    faucet,
    [{ typeUrl: MsgSetWithdrawAddress.typeUrl, value: MsgSetWithdrawAddress.fromPartial({ delegatorAddress: faucet, withdrawAddress: recipient }) }],
    "auto",
  );
  expect(setWithdraw.code).toBe(0);
  expect((await queries.distribution.delegatorWithdrawAddress(faucet)).withdrawAddress).toBe(recipient);
  const undelegated = await client.undelegateTokens(faucet, valoper, coin(1_000_000, DENOM), "auto");
  expect(undelegated.code).toBe(0);
  expect((await reader.getDelegation(faucet, valoper))!.amount).toBe("2000000");
  expect((await queries.staking.delegatorUnbondingDelegations(faucet)).unbondingResponses).toHaveLength(1);

  // Create a validator: the hub's own message, its amino name "aegis/MsgCreateValidator".
  const operator = fromBech32(faucet).data;
  const bls = createBlsKeyPair();
  const attestation = createAttestationKeyPair();
  const created = await client.signAndBroadcast(
    faucet,
    [
      {
        typeUrl: AegisMsgCreateValidator.typeUrl,
        value: AegisMsgCreateValidator.fromPartial({
          description: { moniker: "ledger validator", identity: "", website: "", securityContact: "", details: "" },
          commission: { rate: "0.1", maxRate: "0.2", maxChangeRate: "0.01" },
          minSelfDelegation: "1",
          delegatorAddress: faucet,
          validatorAddress: toBech32("aegisvaloper", operator),
          value: { denom: DENOM, amount: "10000000" },
          blsPublicKey: bls.publicKey,
          blsProofOfPossession: createBlsProofOfPossession(bls.secretKey, operator),
          attestationPublicKey: attestation.publicKey,
          attestationProofOfPossession: createAttestationProofOfPossession(attestation.secretKey, operator),
        }),
      },
    ],
    "auto",
    "joining with a Ledger",
  );
  expect({ code: created.code, log: created.rawLog }).toEqual({ code: 0, log: "" });
  expect((await queries.staking.validator(toBech32("aegisvaloper", operator))).validator!.description!.moniker).toBe("ledger validator");

  // Tampering: a signature byte, or the amount under a valid signature. Refused at CheckTx with code 4; nothing changes.
  const before = { balance: (await reader.getBalance(faucet, DENOM)).amount, sequence: (await reader.getAccount(faucet))!.sequence, mempool: node.mempool.size };
  const fee = { amount: [coin(10_000, DENOM)], gas: "200000" };
  const send = { typeUrl: MsgSend.typeUrl, value: MsgSend.fromPartial({ fromAddress: faucet, toAddress: recipient, amount: [coin(5, DENOM)] }) };
  const signed = await client.sign(faucet, [send], fee, "");
  const badSignature = Uint8Array.from(signed.signatures[0]!);
  badSignature[5] ^= 0x01;
  const body = TxBody.decode(signed.bodyBytes);
  const otherBody = TxBody.encode({ ...body, messages: [createAegisRegistry().encodeAsAny({ ...send, value: { ...send.value, amount: [coin(500_000, DENOM)] } })] }).finish();
  for (const tampered of [
    TxRaw.encode({ ...signed, signatures: [badSignature] }).finish(),
    TxRaw.encode({ ...signed, bodyBytes: otherBody }).finish(),
  ]) {
    let caught: unknown;
    try {
      await client.broadcastTxSync(tampered);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(BroadcastTxError);
    const err = caught as BroadcastTxError;
    expect({ code: err.code, codespace: err.codespace }).toEqual({ code: 4, codespace: "sdk" });
    expect(err.log).toContain("signature verification failed");
  }
  expect({ balance: (await reader.getBalance(faucet, DENOM)).amount, sequence: (await reader.getAccount(faucet))!.sequence, mempool: node.mempool.size }).toEqual(before);
  // The untampered transaction is still good.
  const good = await client.broadcastTx(TxRaw.encode(signed).finish());
  expect(good.code).toBe(0);
  expect((await reader.getAccount(faucet))!.sequence).toBe(before.sequence + 1);
}, 120_000);
