import { ApiServer } from "../api/apiServer.js";
import { createConsoleLogger, type Logger } from "../logger.js";
import { HubNode, type HubNodeModules } from "./hubNode.js";
import { getHomePaths, loadGenesis, loadNodeConfig, loadNodeKey, loadOperatorMnemonic, loadProverMnemonic, loadValidatorKey, loadValidatorKeys, type NodeConfig } from "./nodeConfig.js";
import { NodeMetrics } from "./nodeMetrics.js";

export interface RunningNode {
  node: HubNode;
  api: ApiServer;
  stop(): Promise<void>;
}

/** Opens a node from its home folder and starts it with its HTTP API. */
export async function startNodeFromHome(
  home: string,
  overrides: { logger?: Logger; config?: (c: NodeConfig) => NodeConfig; defaultMetrics?: boolean; createApp?: HubNodeModules["createApp"] } = {},
): Promise<RunningNode> {
  let config = await loadNodeConfig(home);
  if (overrides.config) config = overrides.config(config);
  const genesis = await loadGenesis(home);
  const logger = overrides.logger ?? createConsoleLogger(config.logLevel);
  // The attestation key only where the chain makes ZK certificates (reading it builds the BabyJubJub tables).
  const keys = genesis.zk ? await loadValidatorKeys(home) : null;
  const blsSecretKey = genesis.zk ? (keys?.blsSecretKey ?? null) : await loadValidatorKey(home);
  const proverMnemonic = genesis.zk && config.zk.prover ? await loadProverMnemonic(home) : undefined;
  // The operator account defends the validator in a fork case (only the application has cases).
  const operatorMnemonic = genesis.appState ? await loadOperatorMnemonic(home) : undefined;
  const node = new HubNode(
    { genesis, config, dataDir: getHomePaths(home).data, blsSecretKey, attestationKey: keys?.attestation ?? null, nodeKey: await loadNodeKey(home), ...(proverMnemonic ? { proverMnemonic } : {}), ...(operatorMnemonic ? { operatorMnemonic } : {}) },
    { logger, metrics: new NodeMetrics({ defaultMetrics: overrides.defaultMetrics }), ...(overrides.createApp ? { createApp: overrides.createApp } : {}) },
  );
  await node.start();
  const api = new ApiServer({ host: config.api.host, port: config.api.port, ...(config.api.limits ? { limits: config.api.limits } : {}) }, { node, logger: node.logger });
  try {
    await api.start();
  } catch (e) {
    await node.stop();
    throw e;
  }
  return {
    node,
    api,
    async stop() {
      await api.stop();
      await node.stop();
    },
  };
}
