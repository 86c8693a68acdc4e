import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from "@libp2p/crypto/keys";
import type { PrivateKey } from "@libp2p/interface";
import { peerIdFromPrivateKey as libp2pPeerIdFromPrivateKey } from "@libp2p/peer-id";
import { NetworkError } from "./errors.js";

/** Generates a new Ed25519 libp2p identity key, protobuf-encoded (libp2p `privateKeyToProtobuf`). */
export async function createPeerPrivateKey(): Promise<Uint8Array> {
  return privateKeyToProtobuf(await generateKeyPair("Ed25519"));
}

/** Decodes a protobuf-encoded libp2p private key; throws NETWORK_ERROR_INVALID_ARGUMENT if malformed. */
export function decodePeerPrivateKey(key: Uint8Array): PrivateKey {
  try {
    return privateKeyFromProtobuf(key);
  } catch (err) {
    throw new NetworkError({ code: "NETWORK_ERROR_INVALID_ARGUMENT", field: "privateKey" }, "invalid protobuf-encoded private key", {
      cause: err,
    });
  }
}

/** The libp2p peer id (base58btc string) of a protobuf-encoded private key. */
export function peerIdFromPrivateKey(key: Uint8Array): string {
  return libp2pPeerIdFromPrivateKey(decodePeerPrivateKey(key)).toString();
}
