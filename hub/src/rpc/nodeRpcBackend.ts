import { computeBlockHash } from "@aegis/consumer-sdk";
import type { IndexedTx } from "../db/index.js";
import type { HubNode } from "../node/hubNode.js";
import type { CometRpcBackend, IndexedTxRecord, TxSearchCondition } from "./cometRpc.js";

/** The CometBFT RPC backed by a running hub node. */
export function createNodeRpcBackend(node: HubNode): CometRpcBackend {
  return {
    status() {
      const tip = node.engine.chainTip;
      return {
        chainId: node.chainId,
        moniker: node.config.moniker,
        nodeId: node.network.peerId,
        latestBlockHash: tip.height === 0 ? null : tip.blockHash,
        latestStateRoot: tip.stateRoot,
        latestHeight: tip.height,
        latestTime: tip.time,
      };
    },
    async abciQuery(path, data) {
      const q = node.app.queryAsync ? await node.app.queryAsync(path, data) : node.app.query?.(path, data);
      return q ?? { code: 6, codespace: "sdk", log: `unknown query path ${path}: unknown request`, height: Math.max(1, node.engine.height) };
    },
    async broadcastTxSync(tx) {
      const r = await node.submitTx(tx);
      return { code: r.code, codespace: r.codespace, log: r.log };
    },
    async searchTxs(conditions: TxSearchCondition[]) {
      // The application indexes a block's txs before it persists the block's state (crash safety), so a
      // record above the application's height is not visible yet: once tx_search returns a tx, abci_query
      // must already serve the state after its block (cosmjs signs the next tx with the queried sequence).
      const committedHeight = node.app.height;
      let found: IndexedTx[] | null = null;
      for (const c of conditions) {
        let matches: IndexedTx[];
        if (c.key === "tx.hash") {
          const r = await node.db.txs.getByHash(c.value);
          matches = r ? [r] : [];
        } else if (c.key === "tx.height") {
          matches = await node.db.txs.listByHeight(Number(c.value));
        } else {
          matches = await node.db.txs.findByEvent(c.key, c.value);
        }
        const keys = new Set(matches.map((m) => m.hash));
        found = found === null ? matches : found.filter((f) => keys.has(f.hash));
      }
      return ((found ?? []) as IndexedTxRecord[]).filter((r) => r.height <= committedHeight).sort((a, b) => a.height - b.height || a.index - b.index);
    },
    async block(height) {
      const h = height ?? node.engine.height;
      if (h < 1) return null;
      const block = await node.db.blocks.getBlock(h);
      if (!block) return null;
      const header = block.header;
      return {
        height: header.height,
        time: header.time,
        chainId: header.chainId,
        blockHash: computeBlockHash(header),
        parentHash: header.height > 1 ? header.parentHash : null,
        stateRoot: header.stateRoot,
        proposer: header.proposer,
        txs: block.txs,
      };
    },
    async validators(height) {
      const h = height ?? node.engine.height + 1;
      if (h < 1 || h > node.engine.height + 1) return null;
      const set = node.engine.getValidatorSet(h);
      return { height: h, validators: set.validators.map((v) => ({ address: v.address, blsPublicKey: v.blsPublicKey, power: v.power })) };
    },
  };
}
