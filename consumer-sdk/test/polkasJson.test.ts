// `GET /polkas/:height` (decision 52) in the SDK: the route in the table, encodePolkasJson's shape,
// and decodePolkasJson, which gives back real polkas (they still verify) and refuses with a
// HubApiError naming the path: bad hex, wrong lengths, missing and unknown fields, out-of-range
// numbers, too many entries, and entries out of (round, block hash) order or repeated.
import {
  assertValidPolkaCertificate,
  blsAggregateSignatures,
  blsSign,
  computeHubApiPath,
  computeVoteSignBytes,
  createSignerBitmap,
  decodePolkasJson,
  encodePolkasJson,
  HUB_API_ROUTES,
  HUB_MAX_POLKAS_PER_HEIGHT,
  HUB_MAX_SIGNER_BITMAP_BYTES,
  HubApiError,
  toHex,
  VoteType,
  type HubApiResponseJson,
  type PolkaCertificate,
  type PolkasJson,
} from "../src/index.js";
import { fill, hubKeys, makeValidatorSet } from "./helpers/hubChain.js";

const CHAIN = "aegis-polkas-json";
const HEIGHT = 12;
const set = makeValidatorSet(hubKeys.slice(0, 4), [10n, 10n, 10n, 10n]);
const secretOf = new Map(hubKeys.map((k) => [toHex(k.publicKey), k.secretKey]));

function polka(round: number, blockHash: Uint8Array, signers: number[]): PolkaCertificate {
  const msg = computeVoteSignBytes({ chainId: CHAIN, height: HEIGHT, round, type: VoteType.Prevote, blockHash });
  const signature = blsAggregateSignatures(signers.map((i) => blsSign(secretOf.get(toHex(set.validators[i]!.blsPublicKey))!, msg)));
  return { height: HEIGHT, round, blockHash, signers: createSignerBitmap(4, signers), signature };
}

const polkas = [polka(0, fill(0x22), [0, 1, 2]), polka(0, fill(0x23), [1, 2, 3]), polka(2, fill(0x01), [0, 1, 2, 3])];
/** What goes over the wire: JSON text, parsed again. */
const wire = <T>(x: T): any => JSON.parse(JSON.stringify(x));

function errorOf(json: unknown): { code: string; path: string } | undefined {
  try {
    decodePolkasJson(json);
    return undefined;
  } catch (e) {
    if (!(e instanceof HubApiError)) throw e;
    return { code: e.code, path: e.type.path };
  }
}

test("the route is in the table and its path is built from the height", () => {
  expect(HUB_API_ROUTES.polkas).toEqual({ method: "GET", path: "/polkas/:height", response: "PolkasJson" });
  expect(computeHubApiPath("polkas", { height: 7 })).toBe("/polkas/7");
  expect(computeHubApiPath("polkas", { height: "latest" })).toBe("/polkas/latest");
  const typed: HubApiResponseJson<"polkas"> = encodePolkasJson(HEIGHT, []);
  expect(typed).toEqual({ height: HEIGHT, polkas: [] });
});

test("encode: lowercase hex, the height once; decode gives the same polkas back, and they verify", () => {
  const json: PolkasJson = encodePolkasJson(HEIGHT, polkas);
  expect(json.polkas[0]).toEqual({ round: 0, blockHash: "22".repeat(32), signers: "07", signature: toHex(polkas[0]!.signature) });
  expect(Object.keys(json)).toEqual(["height", "polkas"]);
  const decoded = decodePolkasJson(wire(json));
  expect(decoded).toEqual({ height: HEIGHT, polkas });
  for (const p of decoded.polkas) assertValidPolkaCertificate(p, { chainId: CHAIN, validatorSet: set, expectedHeight: HEIGHT });
  expect(decodePolkasJson({ height: 1, polkas: [] })).toEqual({ height: 1, polkas: [] });
});

test("encode refuses a polka of another height", () => {
  expect(() => encodePolkasJson(HEIGHT + 1, polkas)).toThrow(TypeError);
});

const M = "HUB_API_ERROR_MALFORMED";
const I = "HUB_API_ERROR_INCONSISTENT";
const good = () => wire(encodePolkasJson(HEIGHT, polkas));
const withPolka = (i: number, f: (p: any) => void) => {
  const j = good();
  f(j.polkas[i]);
  return j;
};

test.each<[string, () => unknown, string, string]>([
  ["not an object", () => [], M, "$"],
  ["null", () => null, M, "$"],
  ["a missing height", () => ({ polkas: [] }), M, "$.height"],
  ["a missing list", () => ({ height: 1 }), M, "$.polkas"],
  ["an unknown top-level field", () => ({ ...good(), next: 13 }), M, "$.next"],
  ["height 0", () => ({ ...good(), height: 0 }), M, "$.height"],
  ["a negative height", () => ({ ...good(), height: -3 }), M, "$.height"],
  ["a fractional height", () => ({ ...good(), height: 1.5 }), M, "$.height"],
  ["a height as a string", () => ({ ...good(), height: "12" }), M, "$.height"],
  ["a height above 2^53", () => ({ ...good(), height: 2 ** 53 }), M, "$.height"],
  ["a list that is an object", () => ({ height: 1, polkas: {} }), M, "$.polkas"],
  ["too many polkas", () => ({ height: 1, polkas: Array.from({ length: HUB_MAX_POLKAS_PER_HEIGHT + 1 }, () => null) }), M, "$.polkas"],
  ["an entry that is not an object", () => ({ height: 1, polkas: ["x"] }), M, "$.polkas[0]"],
  ["an unknown field in an entry", () => withPolka(1, (p) => (p.height = HEIGHT)), M, "$.polkas[1].height"],
  ["signerIndices (a commit certificate's field)", () => withPolka(0, (p) => (p.signerIndices = [0, 1, 2])), M, "$.polkas[0].signerIndices"],
  ["a missing signature", () => withPolka(2, (p) => delete p.signature), M, "$.polkas[2].signature"],
  ["a negative round", () => withPolka(0, (p) => (p.round = -1)), M, "$.polkas[0].round"],
  ["a round above u32", () => withPolka(2, (p) => (p.round = 2 ** 32)), M, "$.polkas[2].round"],
  ["a round as a string", () => withPolka(0, (p) => (p.round = "0")), M, "$.polkas[0].round"],
  ["uppercase hex", () => withPolka(0, (p) => (p.blockHash = p.blockHash.toUpperCase().replace(/2/g, "A"))), M, "$.polkas[0].blockHash"],
  ["a 0x prefix", () => withPolka(0, (p) => (p.blockHash = `0x${p.blockHash.slice(2)}`)), M, "$.polkas[0].blockHash"],
  ["not hex", () => withPolka(0, (p) => (p.signature = `zz${p.signature.slice(2)}`)), M, "$.polkas[0].signature"],
  ["an odd number of digits", () => withPolka(0, (p) => (p.signers = "7")), M, "$.polkas[0].signers"],
  ["a 31-byte block hash", () => withPolka(0, (p) => (p.blockHash = "22".repeat(31))), M, "$.polkas[0].blockHash"],
  ["a 33-byte block hash", () => withPolka(0, (p) => (p.blockHash = "22".repeat(33))), M, "$.polkas[0].blockHash"],
  ["a 95-byte signature", () => withPolka(1, (p) => (p.signature = p.signature.slice(2))), M, "$.polkas[1].signature"],
  ["an empty signer bitmap", () => withPolka(1, (p) => (p.signers = "")), M, "$.polkas[1].signers"],
  ["a signer bitmap above the limit", () => withPolka(1, (p) => (p.signers = "ff".repeat(HUB_MAX_SIGNER_BITMAP_BYTES + 1))), M, "$.polkas[1].signers"],
  ["bytes as an array", () => withPolka(0, (p) => (p.blockHash = Array.from({ length: 32 }, () => 0x22))), M, "$.polkas[0].blockHash"],
  ["two entries swapped (rounds)", () => ({ ...good(), polkas: [good().polkas[2], good().polkas[0]] }), I, "$.polkas[1]"],
  ["two entries swapped (hashes in one round)", () => ({ ...good(), polkas: [good().polkas[1], good().polkas[0]] }), I, "$.polkas[1]"],
  ["a repeated entry", () => ({ ...good(), polkas: [good().polkas[0], good().polkas[0]] }), I, "$.polkas[1]"],
])("refuses %s", (_name, make, code, path) => {
  expect(errorOf(make())).toEqual({ code, path });
});

test("what the decoder lets through but the rule refuses: a polka with a signature of the wrong block", () => {
  const j = withPolka(0, (p) => (p.blockHash = "24".repeat(32)));
  j.polkas.sort((a: any, b: any) => a.round - b.round || (a.blockHash < b.blockHash ? -1 : 1));
  const decoded = decodePolkasJson(j);
  const forged = decoded.polkas.find((p) => toHex(p.blockHash) === "24".repeat(32))!;
  expect(() => assertValidPolkaCertificate(forged, { chainId: CHAIN, validatorSet: set })).toThrow(expect.objectContaining({ code: "CERT_ERROR_INVALID_SIGNATURE" }));
});
