/** Gossipsub topic for a message kind: `/aegis/<chainId>/<kind>/1`. */
export function gossipTopic(chainId: string, kind: string): string {
  return `/aegis/${chainId}/${kind}/1`;
}

/** Request/response protocol id: `/aegis/<chainId>/<name>/1`. */
export function requestProtocol(chainId: string, name: string): string {
  return `/aegis/${chainId}/${name}/1`;
}
