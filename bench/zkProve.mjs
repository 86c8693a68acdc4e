// Child of the zk benchmark: proves `runs` times (witness included) and reports the times and the
// process's peak RSS, so the memory figure is the prover's alone.
import { readFileSync } from "node:fs";
import * as snarkjs from "snarkjs";

const [wasm, zkey, inputFile, runs] = process.argv.slice(2);
const input = JSON.parse(readFileSync(inputFile, "utf8"));
const seconds = [];
let result;
for (let i = 0; i < Number(runs); i++) {
  const t0 = performance.now();
  result = await snarkjs.groth16.fullProve(input, wasm, zkey);
  seconds.push((performance.now() - t0) / 1000);
}
await globalThis.curve_bn128?.terminate?.();
process.stdout.write(JSON.stringify({ seconds, maxRssKiB: process.resourceUsage().maxRSS, proof: result.proof, publicSignals: result.publicSignals }));
