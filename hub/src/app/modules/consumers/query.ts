import { aegis } from "@aegis/proto";
import { isConsumerId } from "@aegis/consumer-sdk";
import type { ReadonlyKVStore } from "../../../state/index.js";
import { CONSUMER_PREFIX, consumerKey, checkpointKey, latestCheckpointKey } from "./state.js";
import { decodeU64 } from "../../storeKeys.js";

export interface ConsumersQueryResult {
  code: number;
  codespace?: string;
  log?: string;
  value?: Uint8Array;
  height: number;
}

export const CONSUMERS_QUERY_PATHS = ["/aegis.consumers.v1.Query/Consumer", "/aegis.consumers.v1.Query/Consumers", "/aegis.consumers.v1.Query/Checkpoint"] as const;

const NOT_FOUND = 22;
const INVALID_REQUEST = 18;

const notFound = (what: string, height: number): ConsumersQueryResult => ({ code: NOT_FOUND, codespace: "sdk", log: `rpc error: code = NotFound desc = ${what}: key not found`, height });
const invalid = (reason: string, height: number): ConsumersQueryResult => ({ code: INVALID_REQUEST, codespace: "sdk", log: `${reason}: invalid request`, height });

/**
 * The consumer queries (request and response messages in proto/src/aegis/consumers/v1/query.proto);
 * records are returned as stored. null: not a consumers path.
 */
export function queryConsumers(store: ReadonlyKVStore, path: string, data: Uint8Array, height: number): ConsumersQueryResult | null {
  if (!(CONSUMERS_QUERY_PATHS as readonly string[]).includes(path)) return null;
  const pb = aegis.consumers.v1;
  try {
    switch (path) {
      case "/aegis.consumers.v1.Query/Consumer": {
        const req = pb.QueryConsumerRequest.decode(data);
        if (!isConsumerId(req.consumer_id)) return invalid(`invalid consumer id ${JSON.stringify(req.consumer_id)}`, height);
        const raw = store.get(consumerKey(req.consumer_id));
        if (!raw) return notFound(`consumer ${req.consumer_id} not found`, height);
        const latestHeight = store.get(latestCheckpointKey(req.consumer_id));
        const latest = latestHeight ? store.get(checkpointKey(req.consumer_id, Number(decodeU64(latestHeight)))) : undefined;
        return {
          code: 0,
          height,
          value: pb.QueryConsumerResponse.encode({ consumer: pb.Consumer.decode(raw), ...(latest ? { latest: pb.CheckpointRecord.decode(latest) } : {}) }).finish(),
        };
      }
      case "/aegis.consumers.v1.Query/Consumers": {
        pb.QueryConsumersRequest.decode(data);
        const consumers = [...store.iterate(CONSUMER_PREFIX)].map(([, v]) => pb.Consumer.decode(v));
        return { code: 0, height, value: pb.QueryConsumersResponse.encode({ consumers }).finish() };
      }
      default: {
        const req = pb.QueryCheckpointRequest.decode(data);
        if (!isConsumerId(req.consumer_id)) return invalid(`invalid consumer id ${JSON.stringify(req.consumer_id)}`, height);
        let h = Number(req.height.toString());
        if (h === 0) {
          const latest = store.get(latestCheckpointKey(req.consumer_id));
          if (!latest) return notFound(`consumer ${req.consumer_id} has no checkpoint`, height);
          h = Number(decodeU64(latest));
        }
        if (!Number.isSafeInteger(h)) return invalid(`height ${req.height.toString()} is not a safe integer`, height);
        const raw = store.get(checkpointKey(req.consumer_id, h));
        if (!raw) return notFound(`checkpoint of ${req.consumer_id} at height ${h} not found`, height);
        return { code: 0, height, value: pb.QueryCheckpointResponse.encode({ record: pb.CheckpointRecord.decode(raw) }).finish() };
      }
    }
  } catch (e) {
    return invalid((e as Error).message, height);
  }
}
