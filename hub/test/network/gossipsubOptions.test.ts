import { sha256Js } from "@aegis/consumer-sdk";
import { computeGossipMessageId } from "@aegis/p2p";

const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) (out.set(p, o), (o += p.length));
  return out;
};

test.each([
  ["/aegis/hub-1/tx/1", new Uint8Array(0)],
  ["/aegis/hub-1/proposal/1", Uint8Array.from({ length: 200_000 }, (_, i) => i % 251)],
  ["/aegis/ünïcode/vote/1", Uint8Array.of(1, 2, 3)],
])("the gossip message id of %s is the first 20 bytes of SHA-256(topic || 0x00 || data)", (topic, data) => {
  const expected = sha256Js(concat(new TextEncoder().encode(topic), Uint8Array.of(0), data)).subarray(0, 20);
  expect(computeGossipMessageId(topic, data)).toEqual(new Uint8Array(expected));
});

test("message ids differ by topic and by data", () => {
  const data = Uint8Array.of(7, 7, 7);
  expect(computeGossipMessageId("/a", data)).not.toEqual(computeGossipMessageId("/b", data));
  expect(computeGossipMessageId("/a", data)).not.toEqual(computeGossipMessageId("/a", Uint8Array.of(7, 7)));
});
