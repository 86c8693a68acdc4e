// Child of the zk benchmark: the first verification of a certificate in a fresh process (the SDK
// already imported; curve tables and the key's points are prepared on this first call).
import { readFileSync } from "node:fs";
import * as sdk from "@aegis/consumer-sdk";

const { cert, vkey, N } = JSON.parse(readFileSync(process.argv[2], "utf8"));
const c = { ...cert, blockHash: sdk.fromHex(cert.blockHash), proof: sdk.fromHex(cert.proof), validatorSetRoot: BigInt(cert.validatorSetRoot), nextValidatorSetRoot: BigInt(cert.nextValidatorSetRoot), signers: BigInt(cert.signers) };
const t0 = performance.now();
sdk.assertValidZkCertificate(c, c.validatorSetRoot, { chainId: c.chainId, verificationKeys: { [c.circuit]: vkey }, capacities: { [c.circuit]: N } });
process.stdout.write(JSON.stringify({ ms: +(performance.now() - t0).toFixed(1) }));
