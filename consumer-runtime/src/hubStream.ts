import type { Logger } from "@aegis/p2p";

/**
 * A wake-up signal from the hub: the certificate stream (`/stream/certificates`, WebSocket) of one hub
 * node at a time, each message a `commit` event for whoever waits on the hub (the follower, the
 * checkpoint submitter). Nothing in a message is trusted or even decoded: it only says "look now", and
 * what is then read is checked as always; the timers keep running, so a silent or lying stream only
 * costs latency. Reconnects (the next node, backing off up to 5 s) when the connection drops.
 */
export class HubStream {
  private socket: WebSocket | undefined;
  private stopped = false;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly urls: readonly string[],
    private readonly log: Logger,
  ) {}

  onCommit(listener: () => void): void {
    this.listeners.add(listener);
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  private connect(): void {
    if (this.stopped || this.urls.length === 0) return;
    const base = this.urls[this.attempt % this.urls.length]!.replace(/\/+$/, "").replace(/^http/, "ws");
    let socket: WebSocket;
    try {
      socket = new WebSocket(`${base}/stream/certificates`);
    } catch {
      return this.retry();
    }
    this.socket = socket;
    socket.onopen = () => (this.attempt = 0);
    socket.onmessage = () => {
      for (const l of this.listeners) l();
    };
    socket.onerror = () => {};
    socket.onclose = () => {
      if (this.socket === socket) this.socket = undefined;
      this.retry();
    };
  }

  private retry(): void {
    if (this.stopped) return;
    this.attempt++;
    const delay = Math.min(5000, 100 * 2 ** Math.min(this.attempt, 6));
    this.log.debug("hub stream reconnecting", { delayMs: delay });
    this.timer = setTimeout(() => this.connect(), delay);
    this.timer.unref?.();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.socket?.close();
    this.socket = undefined;
  }
}
