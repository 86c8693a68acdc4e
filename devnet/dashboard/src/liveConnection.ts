import { applyDashboardUpdate } from "../../src/dashboard/applyDashboardUpdate.js";
import type { DashboardMessage, DashboardSnapshot } from "../../src/dashboard/dashboardSnapshot.js";

export interface LiveState {
  snapshot: DashboardSnapshot | null;
  /** Whether the page's WebSocket to the dashboard server is open. */
  connected: boolean;
  /** Connection attempts since the socket was last open (0 while open). */
  attempts: number;
  /** When the socket last dropped (null: never, or open). */
  droppedAt: number | null;
  /** Whether it was ever open (the first connect is not a "drop"). */
  everConnected: boolean;
}

/**
 * The page's WebSocket to `/live`: a snapshot on every (re)connect, then updates applied with
 * applyDashboardUpdate; reconnects with backoff (0.5 s doubling to 5 s) when it drops.
 */
export class LiveConnection {
  private ws: WebSocket | null = null;
  private timer: number | undefined;
  private stopped = false;
  private state: LiveState = { snapshot: null, connected: false, attempts: 0, droppedAt: null, everConnected: false };

  constructor(
    private readonly url: string,
    private readonly onState: (s: LiveState) => void,
  ) {}

  start(): void {
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.ws?.close();
  }

  private set(patch: Partial<LiveState>): void {
    this.state = { ...this.state, ...patch };
    this.onState(this.state);
  }

  private connect(): void {
    if (this.stopped) return;
    const ws = new WebSocket(this.url);
    this.ws = ws;
    this.set({ attempts: this.state.attempts + 1 });
    ws.onopen = () => this.set({ connected: true, attempts: 0, droppedAt: null, everConnected: true });
    ws.onmessage = (ev) => {
      const m = JSON.parse(String(ev.data)) as DashboardMessage;
      if (m.type === "snapshot") this.set({ snapshot: m.snapshot });
      else if (this.state.snapshot) this.set({ snapshot: applyDashboardUpdate(this.state.snapshot, m.update) });
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.state.connected) this.set({ connected: false, droppedAt: Date.now() });
      if (this.stopped) return;
      const delay = Math.min(5000, 500 * 2 ** Math.min(this.state.attempts, 4));
      this.timer = window.setTimeout(() => this.connect(), delay);
    };
  }
}
