import { useEffect, useMemo, useState } from "preact/hooks";
import { formatAgo, formatClock } from "./format.js";
import { LiveConnection, type LiveState } from "./liveConnection.js";
import { BlocksPanel, ConsumersPanel, EventsPanel, HeightChartPanel, LatencyChartPanel, NodesPanel, ValidatorsPanel } from "./panels.js";

function useNow(ms: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

export function App() {
  const [live, setLive] = useState<LiveState>({ snapshot: null, connected: false, attempts: 0, droppedAt: null, everConnected: false });
  useEffect(() => {
    const c = new LiveConnection(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/live`, setLive);
    c.start();
    return () => c.stop();
  }, []);
  const now = useNow(1000);
  const s = live.snapshot;
  const monikers = useMemo(() => new Map((s?.validators?.list ?? []).map((v) => [v.address, v.moniker ?? v.address.slice(0, 8)])), [s?.validators]);
  const monikerOf = (a: string | null) => (a ? (monikers.get(a) ?? `${a.slice(0, 8)}…`) : "–");
  const down = s?.nodes.filter((n) => n.up === false) ?? [];

  return (
    <div class="page">
      <header class="top">
        <h1>Aegis devnet</h1>
        <div class="muted">
          {s?.devnet ? (
            <>
              chain <strong>{s.devnet.chainId}</strong> · {s.nodes.length} validators · ZK {s.devnet.zk ? `${s.devnet.zk.circuit} (proved by ${s.devnet.zk.provers.join(", ")})` : "off"} · {s.consumers.length} consumer chains
            </>
          ) : (
            "waiting for the devnet…"
          )}
        </div>
        <div class={`live ${live.connected ? "live-on" : "live-off"}`} data-testid="live-status" data-connected={String(live.connected)}>
          {live.connected ? "● live" : "○ offline"}
        </div>
      </header>

      {!live.connected && (
        <div class="banner banner-warn" data-testid="connection-banner">
          {live.everConnected
            ? `Connection to the dashboard server lost ${formatAgo(live.droppedAt, now)} — reconnecting (attempt ${live.attempts})… The data below is stale.`
            : `Connecting to the dashboard server (attempt ${live.attempts})…`}
        </div>
      )}
      {s?.devnetError && (
        <div class="banner banner-warn" data-testid="devnet-banner">
          {s.devnetError}
        </div>
      )}
      {down.length > 0 && (
        <div class="banner banner-down" data-testid="nodes-down-banner">
          {down.map((n) => (
            <div key={n.moniker} data-testid={`down-${n.moniker}`}>
              <strong>{n.moniker} is down</strong> since {formatClock(n.downSince)} ({formatAgo(n.downSince, now)}) — {n.lastError ?? "no answer"}; last height {n.height ?? "–"}
            </div>
          ))}
        </div>
      )}

      {s && (
        <main class="grid">
          <NodesPanel s={s} now={now} />
          <HeightChartPanel s={s} />
          <LatencyChartPanel s={s} />
          <ValidatorsPanel s={s} />
          <BlocksPanel s={s} monikerOf={monikerOf} />
          <ConsumersPanel s={s} />
          <EventsPanel s={s} now={now} />
        </main>
      )}
    </div>
  );
}
