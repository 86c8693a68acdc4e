/** Stable codes of the devnet's refusals: each says what is wrong and what to do, before anything starts. */
export type DevnetErrorCode =
  | "DEVNET_ALREADY_RUNNING"
  | "DEVNET_PORT_TAKEN"
  | "DEVNET_FOREIGN_HOME"
  | "DEVNET_WRONG_SHAPE"
  | "DEVNET_NODE_CRASH_LOOP"
  | "DEVNET_NOT_RUNNING";

export class DevnetError extends Error {
  constructor(
    readonly code: DevnetErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "DevnetError";
  }
}
