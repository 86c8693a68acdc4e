import type { AbortOptions, Stream } from "@libp2p/interface";
import { decode, encode } from "it-length-prefixed";
import { Uint8ArrayList } from "uint8arraylist";

/**
 * libp2p 3 streams are event-driven message streams (`send()` / 'message' events) that are also
 * `AsyncIterable<Uint8Array | Uint8ArrayList>`. A frame is an unsigned-varint length prefix
 * followed by that many bytes.
 */

/** Thrown by `readFrame` when the remote closed its write side before a complete frame arrived. */
export class StreamEndedError extends Error {
  constructor() {
    super("stream ended before a complete frame was received");
    this.name = "StreamEndedError";
  }
}

/**
 * Reads exactly one length-prefixed frame. Throws it-length-prefixed's `InvalidDataLengthError`
 * as soon as the announced length exceeds `maxBytes` (before buffering the body), the stream's
 * close/reset error, or `StreamEndedError` on a clean premature end. Bytes after the first frame
 * are ignored.
 */
export async function readFrame(stream: Stream, maxBytes: number): Promise<Uint8Array> {
  for await (const frame of decode(stream, { maxDataLength: maxBytes })) {
    return frame.subarray();
  }
  throw new StreamEndedError();
}

/**
 * Writes one length-prefixed frame made of `parts` (concatenated without copying) and waits until
 * the stream has accepted it (respecting backpressure). Does not close the stream.
 */
export async function writeFrame(stream: Stream, parts: readonly Uint8Array[], options?: AbortOptions): Promise<void> {
  const body = new Uint8ArrayList(...parts);
  const framed = encode.single(body, { maxDataLength: Number.MAX_SAFE_INTEGER });
  if (!stream.send(framed)) {
    await stream.onDrain(options);
  }
}
