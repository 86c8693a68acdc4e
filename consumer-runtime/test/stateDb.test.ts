import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Level } from "level";
import { toHex, utf8 } from "@aegis/consumer-sdk";
import { EMPTY_STATE_ROOT, ExecutionError, StateDb } from "../src/index.js";

describe("StateDb", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "aegis-statedb-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("keeps every version's root readable after reopening, and refuses an unknown root", async () => {
    let db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: "view", valueEncoding: "view" });
    let state = new StateDb(db.sublevel<Uint8Array, Uint8Array>("s", { keyEncoding: "view", valueEncoding: "view" }));
    const empty = await state.openTrie();
    expect(toHex(empty.root())).toBe(toHex(EMPTY_STATE_ROOT));
    await empty.put(utf8("a"), utf8("1"));
    const root1 = empty.root();
    const t2 = await state.openTrie(root1);
    await t2.put(utf8("a"), utf8("2"));
    await t2.put(utf8("b"), utf8("3"));
    const root2 = t2.root();
    await db.close();

    db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: "view", valueEncoding: "view" });
    state = new StateDb(db.sublevel<Uint8Array, Uint8Array>("s", { keyEncoding: "view", valueEncoding: "view" }));
    const v1 = await state.openTrie(root1);
    const v2 = await state.openTrie(root2);
    expect(await v1.get(utf8("a"))).toEqual(utf8("1"));
    expect(await v1.get(utf8("b"))).toBeNull();
    expect(await v2.get(utf8("a"))).toEqual(utf8("2"));
    await expect(state.openTrie(new Uint8Array(32).fill(7))).rejects.toMatchObject({ code: "EXECUTION_ERROR_MISSING_STATE" });
    await expect(state.openTrie(new Uint8Array(32).fill(7))).rejects.toBeInstanceOf(ExecutionError);
    await db.close();
  });
});
