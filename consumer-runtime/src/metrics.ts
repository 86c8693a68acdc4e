import { Counter, Gauge, Registry } from "prom-client";

/** Prometheus metrics of a consumer node (GET /metrics), in their own registry. */
export class ConsumerMetrics {
  readonly registry = new Registry();
  readonly headHeight: Gauge;
  readonly finalHeight: Gauge;
  readonly hubVerifiedHeight: Gauge;
  readonly mempoolSize: Gauge;
  readonly peers: Gauge;
  readonly blocksRefused: Counter<"code">;
  readonly checkpointsSent: Gauge;

  constructor(consumerId: string) {
    this.registry.setDefaultLabels({ consumer: consumerId });
    const r = [this.registry];
    this.headHeight = new Gauge({ name: "aegis_consumer_head_height", help: "Height of the node's head block", registers: r });
    this.finalHeight = new Gauge({ name: "aegis_consumer_hub_final_height", help: "Highest consumer height that is hub-final on this node", registers: r });
    this.hubVerifiedHeight = new Gauge({ name: "aegis_consumer_hub_verified_height", help: "Highest hub height the light client verified", registers: r });
    this.mempoolSize = new Gauge({ name: "aegis_consumer_mempool_size", help: "Transactions waiting", registers: r });
    this.peers = new Gauge({ name: "aegis_consumer_peers", help: "Connected libp2p peers", registers: r });
    this.blocksRefused = new Counter({ name: "aegis_consumer_blocks_refused_total", help: "Blocks refused, by error code", labelNames: ["code"], registers: r });
    this.checkpointsSent = new Gauge({ name: "aegis_consumer_checkpoints_sent", help: "Checkpoint transactions sent to the hub", registers: r });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
