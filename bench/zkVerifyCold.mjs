// Child of the zk benchmark: the first verification of a certificate in a fresh process (the SDK
// already imported): the verifier's WASM loaded (initZkCertificateVerifier) and the key's points
// prepared on this first call, both included in `ms`; `initMs` is the WASM part alone.
import { readFileSync } from "node:fs";
import * as sdk from "@aegis/consumer-sdk";

const { cert, vkey, N } = JSON.parse(readFileSync(process.argv[2], "utf8"));
const c = { ...cert, blockHash: sdk.fromHex(cert.blockHash), proof: sdk.fromHex(cert.proof), prover: sdk.fromHex(cert.prover), validatorSetRoot: BigInt(cert.validatorSetRoot), nextValidatorSetRoot: BigInt(cert.nextValidatorSetRoot), signers: BigInt(cert.signers) };
const t0 = performance.now();
await sdk.initZkCertificateVerifier();
const t1 = performance.now();
sdk.assertValidZkCertificate(c, c.validatorSetRoot, { chainId: c.chainId, verificationKeys: { [c.circuit]: vkey }, capacities: { [c.circuit]: N } });
const t2 = performance.now();
process.stdout.write(JSON.stringify({ ms: +(t2 - t0).toFixed(1), initMs: +(t1 - t0).toFixed(1) }));
