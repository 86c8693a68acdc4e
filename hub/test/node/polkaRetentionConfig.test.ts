// The node option `consensus.polkaRetentionHeights` (how many heights of polkas a node keeps): 0 by
// default (keep every polka), a value from config.json kept, anything but a non-negative integer
// refused with CONFIG_ERROR_INVALID naming it.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, DEFAULT_NODE_CONFIG, loadNodeConfig } from "../../src/node/nodeConfig.js";

let home: string;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), "aegis-config-polkas-"));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

const write = (c: unknown) => writeFile(join(home, "config.json"), JSON.stringify(c));

test("default 0 (keep everything), also in a config written before the option; a value is kept", async () => {
  expect(DEFAULT_NODE_CONFIG.consensus.polkaRetentionHeights).toBe(0);
  await write({ consensus: { maxBlockTxs: 10 } });
  expect((await loadNodeConfig(home)).consensus).toMatchObject({ maxBlockTxs: 10, polkaRetentionHeights: 0 });
  await write({ consensus: { polkaRetentionHeights: 1_000_000 } });
  expect((await loadNodeConfig(home)).consensus.polkaRetentionHeights).toBe(1_000_000);
});

test.each([-1, 2.5, "100", null, true])("refuses %p", async (v) => {
  await write({ consensus: { polkaRetentionHeights: v } });
  const err = await loadNodeConfig(home).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as ConfigError).type).toMatchObject({ code: "CONFIG_ERROR_INVALID", field: "consensus.polkaRetentionHeights" });
});
