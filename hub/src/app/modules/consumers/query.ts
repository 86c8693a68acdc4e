import { aegis } from "@aegis/proto";
import { isConsumerId } from "@aegis/consumer-sdk";
import type { ReadonlyKVStore } from "../../../state/index.js";
import { getConsumer, getLatestCheckpoint, listConsumers, toProtoCheckpointRecord, toProtoConsumer } from "./state.js";

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
 * consumers with their latest height from the latest checkpoint's entry. The state holds each
 * consumer's latest checkpoint only (decision 49): Query/Checkpoint answers that one (height 0 or
 * its height) and NotFound for an older height, whose record is in each node's checkpoint history
 * (the API's GET /consumers/:id/inclusion/:height). null: not a consumers path.
 */
export function queryConsumers(store: ReadonlyKVStore, path: string, data: Uint8Array, height: number): ConsumersQueryResult | null {
  if (!(CONSUMERS_QUERY_PATHS as readonly string[]).includes(path)) return null;
  const pb = aegis.consumers.v1;
  try {
    switch (path) {
      case "/aegis.consumers.v1.Query/Consumer": {
        const req = pb.QueryConsumerRequest.decode(data);
        if (!isConsumerId(req.consumer_id)) return invalid(`invalid consumer id ${JSON.stringify(req.consumer_id)}`, height);
        const c = getConsumer(store, req.consumer_id);
        if (!c) return notFound(`consumer ${req.consumer_id} not found`, height);
        const latest = getLatestCheckpoint(store, req.consumer_id);
        return {
          code: 0,
          height,
          value: pb.QueryConsumerResponse.encode({ consumer: toProtoConsumer(c), ...(latest ? { latest: toProtoCheckpointRecord(latest) } : {}) }).finish(),
        };
      }
      case "/aegis.consumers.v1.Query/Consumers": {
        pb.QueryConsumersRequest.decode(data);
        const consumers = listConsumers(store).map(toProtoConsumer);
        return { code: 0, height, value: pb.QueryConsumersResponse.encode({ consumers }).finish() };
      }
      default: {
        const req = pb.QueryCheckpointRequest.decode(data);
        if (!isConsumerId(req.consumer_id)) return invalid(`invalid consumer id ${JSON.stringify(req.consumer_id)}`, height);
        const h = Number(req.height.toString());
        if (!Number.isSafeInteger(h)) return invalid(`height ${req.height.toString()} is not a safe integer`, height);
        const latest = getLatestCheckpoint(store, req.consumer_id);
        if (!latest) return notFound(`consumer ${req.consumer_id} has no checkpoint`, height);
        if (h !== 0 && h !== latest.checkpoint.height) {
          return notFound(`checkpoint of ${req.consumer_id} at height ${h} is not its latest (${latest.checkpoint.height}); the state keeps the latest only, older ones are in the API's /consumers/${req.consumer_id}/inclusion/${h}`, height);
        }
        return { code: 0, height, value: pb.QueryCheckpointResponse.encode({ record: toProtoCheckpointRecord(latest) }).finish() };
      }
    }
  } catch (e) {
    return invalid((e as Error).message, height);
  }
}
