import fc from "fast-check";
import protobuf from "protobufjs/minimal.js";
import { BaseAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { MsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import { sha256, toHex } from "@aegis/consumer-sdk";
import { getTxHash } from "../../src/tx/index.js"; // importing it installs the exact-size allocation

test("encodings finish into exactly-sized buffers (no 8 KiB slab behind each) with the same bytes", () => {
  const account = BaseAccount.fromPartial({ address: "aegis1qqqq", accountNumber: 7n, sequence: 99n });
  const bytes = BaseAccount.encode(account).finish();
  expect(bytes.byteOffset).toBe(0);
  expect(bytes.buffer.byteLength).toBe(bytes.length);
  expect(BaseAccount.decode(bytes)).toEqual(account);
  // Same bytes as writing through a writer whose allocation is the library's pooled one.
  fc.assert(
    fc.property(fc.string({ maxLength: 60 }), fc.string({ maxLength: 60 }), fc.array(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), { maxLength: 4 }), (from, to, amounts) => {
      const msg = MsgSend.fromPartial({ fromAddress: from, toAddress: to, amount: amounts.map((a) => ({ denom: "uaeg", amount: a.toString() })) });
      const out = MsgSend.encode(msg).finish();
      expect(out.buffer.byteLength).toBe(out.length);
      expect(MsgSend.decode(out)).toEqual(msg);
      // The same bytes as an independent encoder (protobufjs' writer, its own allocation).
      const w = protobuf.Writer.create();
      if (from !== "") w.uint32(10).string(from);
      if (to !== "") w.uint32(18).string(to);
      for (const c of msg.amount) w.uint32(26).fork().uint32(10).string(c.denom).uint32(18).string(c.amount).ldelim();
      expect(Buffer.from(w.finish()).equals(Buffer.from(out))).toBe(true);
    }),
    { numRuns: 100 },
  );
});

test("getTxHash is the SHA-256 of the bytes, the same for equal bytes in another array", () => {
  const a = Uint8Array.of(1, 2, 3);
  const h = getTxHash(a);
  expect(h).toBe(toHex(sha256(a)));
  expect(getTxHash(a)).toBe(h);
  expect(getTxHash(Uint8Array.of(1, 2, 3))).toBe(h);
  expect(getTxHash(Uint8Array.of(1, 2, 4))).not.toBe(h);
});
