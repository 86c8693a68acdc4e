import type { ComponentChildren } from "preact";
import { useMemo } from "preact/hooks";
import type { BlockView, DashboardSnapshot, NodeView, ValidatorView } from "../../src/dashboard/dashboardSnapshot.js";
import { formatAgo, formatAmount, formatClock, formatMs, formatShare, shortHex } from "./format.js";
import { LineChart, type Series } from "./lineChart.js";

const NODE_COLORS = ["#2563eb", "#16a34a", "#d97706", "#9333ea", "#dc2626", "#0891b2", "#4d7c0f", "#be185d"];

export function Panel({ title, testid, children, wide, aside }: { title: string; testid: string; children: ComponentChildren; wide?: boolean; aside?: ComponentChildren }) {
  return (
    <section class={`panel${wide ? " wide" : ""}`} data-testid={testid}>
      <header>
        <h2>{title}</h2>
        {aside}
      </header>
      <div class="panel-body">{children}</div>
    </section>
  );
}

const nodeState = (n: NodeView) => (n.up === null ? "unknown" : n.up ? "up" : "down");

export function NodesPanel({ s, now }: { s: DashboardSnapshot; now: number }) {
  const hubHeight = Math.max(0, ...s.nodes.map((n) => n.height ?? 0));
  return (
    <Panel
      title="Hub nodes"
      testid="panel-nodes"
      aside={
        <div class="big" data-testid="hub-height" data-value={hubHeight}>
          height <strong>{hubHeight || "–"}</strong>
        </div>
      }
    >
      <div class="nodes">
        {s.nodes.map((n, i) => (
          <div class={`node node-${nodeState(n)}`} data-testid={`node-${n.moniker}`} data-state={nodeState(n)} key={n.moniker}>
            <div class="node-head">
              <span class="dot" style={{ background: NODE_COLORS[i % NODE_COLORS.length] }} />
              <strong>{n.moniker}</strong>
              <span class={`badge badge-${nodeState(n)}`}>{nodeState(n).toUpperCase()}</span>
            </div>
            <dl>
              <dt>height</dt>
              <dd data-testid="node-height">{n.height ?? "–"}</dd>
              <dt>peers</dt>
              <dd>{n.peers ?? "–"}</dd>
              <dt>round</dt>
              <dd>{n.round ?? "–"}</dd>
              <dt>stream</dt>
              <dd>{n.streamConnected ? "live" : "closed"}</dd>
            </dl>
            {n.up === false && (
              <div class="node-down-note">
                down {formatAgo(n.downSince, now)} · {n.lastError}
              </div>
            )}
            <div class="muted small">{n.api}</div>
          </div>
        ))}
      </div>
    </Panel>
  );
}

export function HeightChartPanel({ s }: { s: DashboardSnapshot }) {
  const datasets = useMemo<Series[]>(
    () =>
      s.nodes.map((n, i) => ({
        label: n.moniker,
        data: s.heightSeries.map((p) => ({ x: p.t, y: p.heights[i] ?? null })),
        borderColor: NODE_COLORS[i % NODE_COLORS.length],
        backgroundColor: NODE_COLORS[i % NODE_COLORS.length],
        pointRadius: 0,
        borderWidth: 2,
        spanGaps: false,
      })),
    [s.heightSeries, s.nodes.length],
  );
  return (
    <Panel title="Hub height over time" testid="panel-height-chart">
      <LineChart datasets={datasets} xTitle="time" yTitle="height" xIsTime testid="chart-height" />
    </Panel>
  );
}

export function LatencyChartPanel({ s }: { s: DashboardSnapshot }) {
  const datasets = useMemo<Series[]>(
    () => [
      {
        label: "BLS finality latency (certificate − header time)",
        data: s.blocks.filter((b) => b.finalityLatencyMs !== null).map((b) => ({ x: b.height, y: b.finalityLatencyMs })),
        borderColor: "#2563eb",
        backgroundColor: "#2563eb",
        pointRadius: 1.5,
        borderWidth: 1.5,
      },
      {
        label: "ZK proving lag (zk − bls certificate)",
        data: s.blocks.filter((b) => b.zk?.provingLagMs != null).map((b) => ({ x: b.height, y: b.zk!.provingLagMs })),
        borderColor: "#9333ea",
        backgroundColor: "#9333ea",
        pointRadius: 3,
        borderWidth: 1.5,
        spanGaps: true,
      },
    ],
    [s.blocks],
  );
  return (
    <Panel title="Finality latency per block" testid="panel-latency-chart">
      <LineChart datasets={datasets} xTitle="block height" yTitle="ms" testid="chart-latency" />
    </Panel>
  );
}

function ZkCell({ b, zkAbove }: { b: BlockView; zkAbove: number | null }) {
  if (b.zk) {
    return (
      <td class="zk-proved" data-testid="zk-cert" data-lag={b.zk.provingLagMs ?? ""}>
        <span class="badge badge-zk">ZK</span> {b.zk.circuit} · {b.zk.signerCount} signers · lag <strong>{formatMs(b.zk.provingLagMs)}</strong>
        {b.zk.lagFrom === "header" && <span class="muted"> (from header time)</span>}
      </td>
    );
  }
  if (zkAbove !== null) return <td class="muted">final by ZK @{zkAbove}</td>;
  return <td class="muted">proving…</td>;
}

function BlockRow({ b, zkAbove, monikerOf }: { b: BlockView; zkAbove: number | null; monikerOf: (address: string | null) => string }) {
  return (
    <tr data-testid="block-row" data-height={b.height} class={b.conflictingBlockHash ? "conflict" : ""}>
      <td class="num">{b.height}</td>
      <td class="mono">
        {shortHex(b.blockHash)}
        {b.conflictingBlockHash && <span class="badge badge-down"> fork: {shortHex(b.conflictingBlockHash, 8)}</span>}
      </td>
      <td>{monikerOf(b.proposer)}</td>
      <td>{formatClock(b.headerTime)}</td>
      {b.blsArrivalMs !== null ? (
        <td data-testid="bls-cert" data-signed-power={b.signedPower} data-total-power={b.totalPower}>
          <span class="badge badge-bls">BLS</span> {b.signerCount} signers · {formatShare(b.signedPower, b.totalPower)} of power
        </td>
      ) : (
        <td class="muted">not seen (before the dashboard started)</td>
      )}
      <td class="num" data-testid="finality-latency">{formatMs(b.finalityLatencyMs)}</td>
      <ZkCell b={b} zkAbove={zkAbove} />
    </tr>
  );
}

function BlocksTable({ rows, zkAbove, monikerOf, testid }: { rows: BlockView[]; zkAbove: (h: number) => number | null; monikerOf: (address: string | null) => string; testid: string }) {
  return (
    <table data-testid={testid}>
      <thead>
        <tr>
          <th>height</th>
          <th>block</th>
          <th>proposer</th>
          <th>header time</th>
          <th>BLS certificate</th>
          <th>finality</th>
          <th>ZK certificate</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((b) => (
          <BlockRow key={b.height} b={b} zkAbove={zkAbove(b.height)} monikerOf={monikerOf} />
        ))}
      </tbody>
    </table>
  );
}

export function BlocksPanel({ s, monikerOf }: { s: DashboardSnapshot; monikerOf: (address: string | null) => string }) {
  const latest = s.blocks.filter((b) => b.blsArrivalMs !== null).slice(-12).reverse();
  const proved = s.blocks.filter((b) => b.zk).slice(-5).reverse();
  // The lowest ZK-certified height at or above each block (a succinct certificate finalizes every block below it).
  const zkHeights = s.blocks.filter((b) => b.zk).map((b) => b.height);
  const zkAbove = (h: number) => zkHeights.find((z) => z >= h) ?? null;
  return (
    <Panel title="Recent blocks and their certificates" testid="panel-blocks" wide>
      <h3>Latest blocks (BLS commit certificate at once)</h3>
      {latest.length === 0 ? <p class="muted">Waiting for the first certificate…</p> : <BlocksTable rows={latest} zkAbove={zkAbove} monikerOf={monikerOf} testid="latest-blocks" />}
      <h3>Latest succinct (ZK) certificates, with their proving lag</h3>
      {proved.length === 0 ? (
        <p class="muted">{s.devnet?.zk ? "No ZK certificate yet: the prover is at work…" : "This devnet makes no ZK certificates."}</p>
      ) : (
        <BlocksTable rows={proved} zkAbove={zkAbove} monikerOf={monikerOf} testid="zk-blocks" />
      )}
    </Panel>
  );
}

const statusClass = (v: ValidatorView) => `badge badge-${v.status}`;

export function ValidatorsPanel({ s }: { s: DashboardSnapshot }) {
  const v = s.validators;
  const denom = s.devnet?.denom ?? null;
  const totalStake = v?.list.reduce((a, x) => a + BigInt(x.tokens ?? "0"), 0n).toString() ?? null;
  return (
    <Panel
      title="Validators"
      testid="panel-validators"
      aside={
        v && (
          <div class="big" title="the fewest validators holding more than 1/3 of the voting power: enough to halt finality">
            Nakamoto coefficient <strong data-testid="nakamoto" data-value={v.nakamotoCoefficient}>{v.nakamotoCoefficient}</strong>
          </div>
        )
      }
    >
      {!v ? (
        <p class="muted">Loading the validator set…</p>
      ) : (
        <>
          <table>
            <thead>
              <tr>
                <th>validator</th>
                <th>address</th>
                <th>stake</th>
                <th>share</th>
                <th>power</th>
                <th>status</th>
                <th>missed</th>
              </tr>
            </thead>
            <tbody>
              {v.list.map((x) => (
                <tr key={x.address} data-testid="validator-row" data-status={x.status} data-tokens={x.tokens ?? ""}>
                  <td>{x.moniker ?? "–"}</td>
                  <td class="mono" title={x.operatorAddress ?? ""}>{shortHex(x.address, 12)}</td>
                  <td class="num" data-testid="validator-stake">{formatAmount(x.tokens, denom)}</td>
                  <td class="num">{formatShare(x.tokens, totalStake)}</td>
                  <td class="num">{x.power ?? "–"}</td>
                  <td>
                    <span class={statusClass(x)}>{x.status}</span>
                  </td>
                  <td class="num">{x.missedBlocks ?? "–"}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p class="muted small">
            Power of the set that signs the next height: {v.totalPower}.{!v.fromStaking && " Stake and status unavailable (staking queries failed): consensus set only."}
          </p>
        </>
      )}
    </Panel>
  );
}

export function ConsumersPanel({ s }: { s: DashboardSnapshot }) {
  return (
    <Panel title="Consumer chains" testid="panel-consumers" wide>
      {s.consumers.length === 0 ? (
        <p class="muted">No consumer chains in devnet.json (start the devnet with --consumers N).</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>chain</th>
              <th>vm</th>
              <th>latest height</th>
              <th>hub-final height</th>
              <th>behind</th>
              <th>via hub block</th>
              <th>tier</th>
              <th>ZK-final</th>
              <th>hub finality latency (last / mean)</th>
              <th>nodes</th>
            </tr>
          </thead>
          <tbody>
            {s.consumers.map((c) => (
              <tr key={c.id} data-testid="consumer-row" data-id={c.id} data-hub-final={c.hubFinalHeight ?? ""} class={c.misbehaviour ? "conflict" : ""}>
                <td>
                  <strong>{c.id}</strong>
                  {c.misbehaviour && <div class="badge badge-down">{c.misbehaviour}</div>}
                </td>
                <td>{c.vm}</td>
                <td class="num">{c.height ?? "–"}</td>
                <td class="num" data-testid="consumer-hub-final">{c.hubFinalHeight ?? "–"}</td>
                <td class="num">{c.height !== null && c.hubFinalHeight !== null ? c.height - c.hubFinalHeight : "–"}</td>
                <td class="num">{c.hubHeight ?? "–"}</td>
                <td>{c.tier ?? "–"}</td>
                <td class="num">{c.zkFinalHeight ?? "–"}</td>
                <td class="num" data-testid="consumer-latency">
                  {formatMs(c.lastFinalityLatencyMs)} / {formatMs(c.meanFinalityLatencyMs)}
                </td>
                <td>
                  <span class={`badge badge-${c.producerUp === false ? "down" : c.producerUp ? "up" : "unknown"}`}>producer</span>{" "}
                  <span class={`badge badge-${c.fullNodeUp === false ? "down" : c.fullNodeUp ? "up" : "unknown"}`}>full</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}

export function EventsPanel({ s, now }: { s: DashboardSnapshot; now: number }) {
  const events = [...s.events].reverse().slice(0, 40);
  return (
    <Panel title="Evidence and slashing" testid="panel-events" wide>
      <div class="columns">
        <div>
          <h3>Evidence ({s.evidence.length})</h3>
          {s.evidence.length === 0 ? (
            <p class="muted">No evidence of misbehaviour.</p>
          ) : (
            <ul class="list" data-testid="evidence-list">
              {[...s.evidence].reverse().map((e) => (
                <li key={`${e.kind}${e.height}${e.validatorIndex}${e.blockHashA}`}>
                  <span class="badge badge-jailed">{e.kind.replace("_", " ")}</span> validator #{e.validatorIndex} at height {e.height}
                  {e.round !== null && ` round ${e.round}`} · {shortHex(e.blockHashA, 8)} vs {shortHex(e.blockHashB, 8)} · {formatClock(e.time)}
                </li>
              ))}
            </ul>
          )}
          <h3>Fork cases ({s.forkCases.length})</h3>
          {s.forkCases.length === 0 ? (
            <p class="muted">No fork cases.</p>
          ) : (
            <ul class="list" data-testid="fork-case-list">
              {s.forkCases.map((c) => (
                <li key={c.id}>
                  #{c.id} {c.kind} at height {c.height} · opened {formatClock(c.openedMs)} · obligations {c.obligations.map((o) => o.status).join(", ") || "none"} · convicted{" "}
                  {c.convicted.length ? c.convicted.map((i) => `#${i}`).join(", ") : "nobody yet"}
                </li>
              ))}
            </ul>
          )}
        </div>
        <div>
          <h3>Events</h3>
          {events.length === 0 ? (
            <p class="muted">Nothing happened yet.</p>
          ) : (
            <ul class="list" data-testid="event-list">
              {events.map((e) => (
                <li key={e.id} data-kind={e.kind}>
                  <span class={`badge badge-ev-${e.kind}`}>{e.kind}</span> {e.message} <span class="muted">· {formatAgo(e.t, now)}</span>
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
    </Panel>
  );
}
