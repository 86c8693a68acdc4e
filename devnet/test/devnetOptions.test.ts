import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Devnet } from "../src/devnet.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "aegis-devnet-opts-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

test.each([[[4]], [[-1]], [[0.5]], [[0, 7]]])("zkProvers %j is refused before anything is built or written", async (zkProvers) => {
  const home = join(dir, "net");
  const devnet = new Devnet({ home, validators: 4, chainId: "aegis-opts-1", host: "127.0.0.1", p2pBasePort: 1, apiBasePort: 5, zkProvers, dashboardPort: null, log: () => {} });
  await expect(devnet.start()).rejects.toThrow(/zkProvers: .* is not a node index of a 4-validator devnet/);
  expect(existsSync(join(home, "devnet.json"))).toBe(false);
  expect(existsSync(join(home, "zk"))).toBe(false);
});
