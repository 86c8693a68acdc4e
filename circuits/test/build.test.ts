// The build pipeline: declarations checked field by field, cached artifacts reused only when their
// hashes match (the committed manifest for compiled files, the recorded hashes for phase 2), and
// rebuilt otherwise. Runs on a copy of the real cache in a temporary folder.
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CIRCUITS_DIR, cacheDir, compileCircuit, getCircuit, parseCircuits, setupCircuit, sourceHash, terminateCurve, type CircuitDeclaration } from "../scripts/build.mjs";

let quorum4: CircuitDeclaration;
let realCache: string;
let tempCache: string;
const saved = process.env.AEGIS_CIRCUITS_CACHE;

beforeAll(async () => {
  quorum4 = await getCircuit("quorum4");
  await setupCircuit(quorum4); // the real cache, as the other circuit tests use it
  realCache = cacheDir();
  tempCache = await mkdtemp(join(tmpdir(), "aegis-circuits-cache-"));
  await cp(join(realCache, "quorum4"), join(tempCache, "quorum4"), { recursive: true });
  process.env.AEGIS_CIRCUITS_CACHE = tempCache;
}, 300_000);

afterAll(async () => {
  if (saved === undefined) delete process.env.AEGIS_CIRCUITS_CACHE;
  else process.env.AEGIS_CIRCUITS_CACHE = saved;
  await rm(tempCache, { recursive: true, force: true });
  await terminateCurve();
});

const manifest = async () => JSON.parse(await readFile(join(CIRCUITS_DIR, "manifest.json"), "utf8"));

test("a cached build whose hashes match the manifest is reused", async () => {
  const c = await compileCircuit(quorum4);
  expect(c.dir).toBe(join(tempCache, "quorum4"));
  const m = await manifest();
  expect(c.sha256).toEqual({ r1cs: m.circuits.quorum4.r1cs, wasm: m.circuits.quorum4.wasm });
  expect(c.constraints).toBe(m.circuits.quorum4.constraints);
});

test("a cached file that no longer matches is not reused: the circuit is compiled again, to the manifest's bytes", async () => {
  const wasm = join(tempCache, "quorum4", "quorum4.wasm");
  await writeFile(wasm, "not the witness calculator");
  const c = await compileCircuit(quorum4);
  expect(c.sha256.wasm).toBe((await manifest()).circuits.quorum4.wasm);
  expect(await readFile(wasm)).not.toEqual(Buffer.from("not the witness calculator"));
}, 120_000);

test("sources that differ from the manifest are refused before anything is compiled", async () => {
  const changed = { ...quorum4, params: [2] };
  expect(await sourceHash(changed)).not.toBe(await sourceHash(quorum4));
  await expect(compileCircuit(changed)).rejects.toMatchObject({ code: "CIRCUIT_ERROR_MANIFEST_MISMATCH" });
});

test("a phase-2 key that no longer matches its recorded hash is made again", async () => {
  const zkey = join(tempCache, "quorum4", "quorum4.zkey");
  const before = await setupCircuit(quorum4);
  await writeFile(zkey, "truncated");
  const after = await setupCircuit(quorum4);
  expect(after.zkey).toBe(zkey);
  expect((await readFile(zkey)).length).toBeGreaterThan(1_000_000);
  // A fresh random contribution: another key.
  expect(after.vkey).not.toEqual(before.vkey);
  const record = JSON.parse(await readFile(join(tempCache, "quorum4", "phase2.json"), "utf8"));
  expect(record.r1cs).toBe(after.sha256.r1cs);
}, 300_000);

test("a phase-1 file whose hash the manifest does not record is refused", async () => {
  await expect(setupCircuit({ ...quorum4, ptau: "ptau/README.md" })).rejects.toMatchObject({ code: "CIRCUIT_ERROR_MANIFEST_MISMATCH" });
});

test("a circuit without a phase-1 file has no local setup", async () => {
  await expect(setupCircuit(await getCircuit("quorum64"))).rejects.toMatchObject({ code: "CIRCUIT_ERROR_NO_PTAU" });
});

const decl = { name: "q", template: "QuorumCertificate", source: "src/quorumCertificate.circom", params: [4], public: ["validatorSetRoot"], ptau: null };
test.each([
  ["no circuits array", {}, "`circuits` must be an array"],
  ["a bad name", { circuits: [{ ...decl, name: "Q 1" }] }, "circuits[0].name"],
  ["a name twice", { circuits: [decl, decl] }, "circuits[1].name"],
  ["a template that is no identifier", { circuits: [{ ...decl, template: "1x" }] }, "circuits[0].template"],
  ["a source outside circuits/", { circuits: [{ ...decl, source: "../x.circom" }] }, "circuits[0].source"],
  ["a negative parameter", { circuits: [{ ...decl, params: [-1] }] }, "circuits[0].params"],
  ["no public inputs", { circuits: [{ ...decl, public: [] }] }, "circuits[0].public"],
  ["a phase-1 path outside circuits/", { circuits: [{ ...decl, ptau: "../p.ptau" }] }, "circuits[0].ptau"],
])("a declaration with %s is refused, naming the field", (_name, json, field) => {
  expect(() => parseCircuits(json)).toThrow(expect.objectContaining({ code: "CIRCUIT_ERROR_INVALID_DECLARATION", message: expect.stringContaining(field) }));
});
