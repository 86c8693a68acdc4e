import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** Prometheus metrics of one node, named aegis_<area>_<what>_<unit>; labels only from enums and error codes. */
export class NodeMetrics {
  readonly registry = new Registry();
  readonly height = new Gauge({ name: "aegis_consensus_height", help: "Last committed height", registers: [this.registry] });
  readonly round = new Gauge({ name: "aegis_consensus_round", help: "Round of the height in progress", registers: [this.registry] });
  readonly finality = new Histogram({
    name: "aegis_consensus_finality_seconds",
    help: "Proposal seen to commit certificate formed",
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly committedTxs = new Counter({ name: "aegis_consensus_committed_txs_total", help: "Transactions committed", registers: [this.registry] });
  readonly gossip = new Counter({
    name: "aegis_gossip_messages_total",
    help: "Gossip messages by kind and validation result",
    labelNames: ["kind", "result", "code"] as const,
    registers: [this.registry],
  });
  readonly zk = new Counter({
    name: "aegis_zk_messages_total",
    help: "Attestations and ZK certificates by outcome (signed, stored, accept, ignore:<reason>, reject:<reason>)",
    labelNames: ["kind", "result"] as const,
    registers: [this.registry],
  });
  readonly peers = new Gauge({ name: "aegis_p2p_peers", help: "Connected peers", registers: [this.registry] });

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: "aegis_process_" });
  }
}
