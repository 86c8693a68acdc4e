import { createHash } from "node:crypto";
import { DbError } from "../../src/db/dbError.js";
import { MAX_INDEXED_VALUE_BYTES, type IndexedTx } from "../../src/db/txIndexRepository.js";
import { useTempHubDb } from "./fixtures.js";

const t = useTempHubDb();

/** The raw key space the repository writes into (to corrupt records on purpose). */
function rawIndex() {
  return t.db.stateModules.root.sublevel<string, Uint8Array>("txindex", { keyEncoding: "utf8", valueEncoding: "view" });
}

function send(height: number, index: number, from: string, to: string, code = 0): IndexedTx {
  const tx = new TextEncoder().encode(`tx ${height}/${index} ${from}->${to}`);
  return {
    hash: createHash("sha256").update(tx).digest("hex").toUpperCase(),
    height,
    index,
    tx,
    result: {
      code,
      codespace: code === 0 ? "" : "sdk",
      log: code === 0 ? "" : "insufficient funds",
      gasWanted: 100_000n,
      gasUsed: 61_234n,
      events: [
        { type: "message", attributes: [{ key: "action", value: "/cosmos.bank.v1beta1.MsgSend" }, { key: "sender", value: from }] },
        { type: "transfer", attributes: [{ key: "recipient", value: to }, { key: "sender", value: from }, { key: "amount", value: "1uaegis" }] },
        // The same attribute twice in one tx (two messages): the tx is found once.
        { type: "transfer", attributes: [{ key: "recipient", value: to }] },
      ],
      data: Uint8Array.of(1, 2, 3),
    },
  };
}

const hashes = (xs: IndexedTx[]) => xs.map((x) => [x.height, x.index]);

test("a stored tx reads back whole by hash (either case), by height, and by event in (height, index) order", async () => {
  const b1 = [send(1, 0, "alice", "carol"), send(1, 1, "bob", "dave", 5), send(1, 2, "alice", "dave")];
  const b2 = [send(2, 0, "bob", "carol"), send(2, 1, "alice", "carol")];
  await t.db.txs.putBlock(1, b1);
  await t.db.txs.putBlock(2, b2);
  expect(await t.db.txs.getByHash(b1[1]!.hash)).toEqual(b1[1]);
  expect(await t.db.txs.getByHash(b1[1]!.hash.toLowerCase())).toEqual(b1[1]);
  expect(await t.db.txs.getByHash("00".repeat(32))).toBeUndefined();
  expect(await t.db.txs.listByHeight(1)).toEqual(b1);
  expect(await t.db.txs.listByHeight(2)).toEqual(b2);
  expect(await t.db.txs.listByHeight(3)).toEqual([]);
  expect(hashes(await t.db.txs.findByEvent("transfer.recipient", "carol"))).toEqual([[1, 0], [2, 0], [2, 1]]);
  expect(hashes(await t.db.txs.findByEvent("message.sender", "alice"))).toEqual([[1, 0], [1, 2], [2, 1]]);
  expect(hashes(await t.db.txs.findByEvent("transfer.recipient", "dave"))).toEqual([[1, 1], [1, 2]]);
  expect(hashes(await t.db.txs.findByEvent("message.action", "/cosmos.bank.v1beta1.MsgSend"))).toHaveLength(5);
  expect(hashes(await t.db.txs.findByEvent("message.action", "/cosmos.bank.v1beta1.MsgSend", 4))).toEqual([[1, 0], [1, 1], [1, 2], [2, 0]]);
  expect(await t.db.txs.findByEvent("transfer.recipient", "nobody")).toEqual([]);
  // A value that is a prefix of another value does not match it.
  expect(await t.db.txs.findByEvent("transfer.recipient", "car")).toEqual([]);
});

test("writing the same block again (re-executed after a crash) leaves the same index", async () => {
  const b1 = [send(1, 0, "alice", "carol"), send(1, 1, "bob", "carol")];
  await t.db.txs.putBlock(1, b1);
  await t.db.txs.putBlock(1, b1);
  expect(await t.db.txs.listByHeight(1)).toEqual(b1);
  expect(hashes(await t.db.txs.findByEvent("transfer.recipient", "carol"))).toEqual([[1, 0], [1, 1]]);
  await t.reopen();
  expect(await t.db.txs.listByHeight(1)).toEqual(b1);
});

test("attribute values longer than the limit, and malformed event keys, are kept with the tx but not indexed", async () => {
  const long = "x".repeat(MAX_INDEXED_VALUE_BYTES + 1);
  const tx = send(1, 0, "alice", "carol");
  tx.result.events.push({ type: "memo", attributes: [{ key: "text", value: long }] }, { type: "bad key", attributes: [{ key: "k", value: "v" }] });
  await t.db.txs.putBlock(1, [tx]);
  expect(await t.db.txs.findByEvent("memo.text", long)).toEqual([]);
  expect(await t.db.txs.findByEvent("bad key.k", "v")).toEqual([]);
  expect((await t.db.txs.getByHash(tx.hash))?.result.events).toEqual(tx.result.events);
  expect(hashes(await t.db.txs.findByEvent("memo.text", "x".repeat(MAX_INDEXED_VALUE_BYTES)))).toEqual([]);
});

test("a block whose records do not match its height, positions or hash form is refused and nothing is written", async () => {
  const good = send(3, 0, "alice", "carol");
  const cases: IndexedTx[][] = [
    [good, send(3, 2, "bob", "carol")], // position skipped
    [good, send(4, 1, "bob", "carol")], // another height
    [good, { ...send(3, 1, "bob", "carol"), hash: "abc" }], // not a hash
    [good, { ...send(3, 1, "bob", "carol"), hash: send(3, 1, "bob", "carol").hash.toLowerCase() }], // lowercase
  ];
  for (const txs of cases) {
    await expect(t.db.txs.putBlock(3, txs)).rejects.toMatchObject({ type: { code: "DB_ERROR_INVALID_ARGUMENT", field: "txs[1]" } });
    expect(await t.db.txs.listByHeight(3)).toEqual([]);
    expect(await t.db.txs.getByHash(good.hash)).toBeUndefined();
    expect(await t.db.txs.findByEvent("transfer.recipient", "carol")).toEqual([]);
  }
  await expect(t.db.txs.putBlock(-1, [good])).rejects.toBeInstanceOf(DbError);
});

test("corrupt stored records are reported as DB_ERROR_CORRUPT with their key", async () => {
  const b1 = [send(1, 0, "alice", "carol")];
  await t.db.txs.putBlock(1, b1);
  const raw = rawIndex();
  await raw.put(`h/${b1[0]!.hash}`, Uint8Array.of(0xff, 0xff, 0xff));
  await expect(t.db.txs.getByHash(b1[0]!.hash)).rejects.toMatchObject({ type: { code: "DB_ERROR_CORRUPT", key: `h/${b1[0]!.hash}` } });

  await t.db.txs.putBlock(1, b1);
  await raw.put("b/0000000000000001", new Uint8Array(31));
  await expect(t.db.txs.listByHeight(1)).rejects.toMatchObject({ type: { code: "DB_ERROR_CORRUPT", key: "b/0000000000000001" } });

  await t.db.txs.putBlock(1, b1);
  const posting = `e/transfer.recipient/${Buffer.from("carol").toString("hex")}/0000000000000001`;
  await raw.put(posting, Uint8Array.of(0, 0, 0));
  await expect(t.db.txs.findByEvent("transfer.recipient", "carol")).rejects.toMatchObject({ type: { code: "DB_ERROR_CORRUPT", key: posting } });
  await raw.put(posting, Uint8Array.of(0, 0, 0, 7));
  await expect(t.db.txs.findByEvent("transfer.recipient", "carol")).rejects.toMatchObject({ type: { code: "DB_ERROR_CORRUPT", key: posting } });
});

test("a block's index is a handful of entries, not one per attribute of every tx", async () => {
  const txs = Array.from({ length: 50 }, (_, i) => send(1, i, `sender${i % 5}`, "carol"));
  await t.db.txs.putBlock(1, txs);
  let entries = 0;
  for await (const _ of rawIndex().keys()) entries++;
  // 50 records + 1 hash list + postings: action 1, message.sender 5, transfer.sender 5, recipient 1, amount 1.
  expect(entries).toBe(50 + 1 + 13);
  expect(await t.db.txs.listByHeight(1)).toEqual(txs);
});
