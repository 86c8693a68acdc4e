import { execFileSync } from "node:child_process";
import { aegis } from "@aegis/proto";

// protobufjs' static ES6 output imports "protobufjs/minimal", which native Node ESM rejects in some
// versions (protobuf.js #1862, #1929, #2086); the generator rewrites it. Check both loaders.
test("generated code imports under native Node ESM", () => {
  const out = execFileSync(
    process.execPath,
    ["--input-type=module", "-e", 'import { aegis } from "@aegis/proto"; console.log(typeof aegis.v1.Vote.encode);'],
    { encoding: "utf8" },
  );
  expect(out.trim()).toBe("function");
});

test("a vote round-trips through the generated codec", () => {
  const bytes = aegis.v1.Vote.encode({ type: aegis.v1.VoteType.VOTE_TYPE_PRECOMMIT, height: 7, round: 2, block_hash: new Uint8Array(32).fill(1), validator_index: 3, signature: new Uint8Array(96).fill(2) }).finish();
  const v = aegis.v1.Vote.decode(bytes);
  expect(v.type).toBe(aegis.v1.VoteType.VOTE_TYPE_PRECOMMIT);
  expect(v.height.toString()).toBe("7");
  expect(v.validator_index).toBe(3);
  expect(Array.from(v.block_hash)).toEqual(Array(32).fill(1));
});

test("malformed bytes are rejected by the decoder", () => {
  expect(() => aegis.v1.Vote.decode(Uint8Array.of(0x0a, 0xff, 0xff, 0xff))).toThrow();
});
