/**
 * The files wallets and explorers read to add a chain: a Cosmos chain-registry `chain.json`
 * (github.com/cosmos/chain-registry's schema) and a Keplr `experimentalSuggestChain` chain info.
 * Pure: the devnet writes them next to devnet.json.
 */

/** A coin's display unit from its base denom: "uaeg" → AEG with 6 decimals (the Cosmos "u" = micro convention). */
export function displayDenom(denom: string): { display: string; decimals: number } {
  return /^u[a-z]{2,}$/.test(denom) ? { display: denom.slice(1).toUpperCase(), decimals: 6 } : { display: denom.toUpperCase(), decimals: 0 };
}

export interface ChainFilesInput {
  chainId: string;
  denom: string;
  bech32Prefix: string;
  /** CometBFT JSON-RPC endpoints. */
  rpc: string[];
  /**
   * REST endpoints: each node's HTTP API URL, which serves the Cosmos SDK's REST (gRPC-gateway) routes
   * under /cosmos that Keplr's `rest` and the chain registry's `apis.rest` are read through
   * (docs/cosmjs-compat.md, "REST routes (gRPC gateway)").
   */
  rest: string[];
  /** The devnet's minimum gas price (amount of `denom` per gas unit). */
  minGasPrice: number;
}

/** SLIP-44 coin type of Cosmos SDK chains (secp256k1 keys on m/44'/118'/0'/0/i). */
export const COSMOS_COIN_TYPE = 118;

export function buildChainRegistryJson(i: ChainFilesInput): Record<string, unknown> {
  const { display, decimals } = displayDenom(i.denom);
  return {
    $schema: "../chain.schema.json",
    chain_name: i.chainId.replace(/[^a-z0-9]/gi, "").toLowerCase(),
    chain_type: "cosmos",
    status: "live",
    network_type: "devnet",
    pretty_name: `Aegis ${i.chainId}`,
    chain_id: i.chainId,
    bech32_prefix: i.bech32Prefix,
    daemon_name: "aegis",
    slip44: COSMOS_COIN_TYPE,
    key_algos: ["secp256k1"],
    fees: {
      fee_tokens: [{ denom: i.denom, fixed_min_gas_price: i.minGasPrice, low_gas_price: i.minGasPrice, average_gas_price: i.minGasPrice * 2, high_gas_price: i.minGasPrice * 4 }],
    },
    staking: { staking_tokens: [{ denom: i.denom }] },
    apis: {
      rpc: i.rpc.map((address, k) => ({ address, provider: `node${k}` })),
      rest: i.rest.map((address, k) => ({ address, provider: `node${k}` })),
    },
    // The chain registry keeps assets in a separate assetlist.json; the essentials are repeated here.
    assets: [{ base: i.denom, display: display.toLowerCase(), symbol: display, denom_units: [{ denom: i.denom, exponent: 0 }, { denom: display.toLowerCase(), exponent: decimals }] }],
  };
}

export function buildKeplrChainInfo(i: ChainFilesInput): Record<string, unknown> {
  const { display, decimals } = displayDenom(i.denom);
  const currency = { coinDenom: display, coinMinimalDenom: i.denom, coinDecimals: decimals };
  const p = i.bech32Prefix;
  return {
    chainId: i.chainId,
    chainName: `Aegis ${i.chainId}`,
    rpc: i.rpc[0],
    rest: i.rest[0],
    bip44: { coinType: COSMOS_COIN_TYPE },
    bech32Config: {
      bech32PrefixAccAddr: p,
      bech32PrefixAccPub: `${p}pub`,
      bech32PrefixValAddr: `${p}valoper`,
      bech32PrefixValPub: `${p}valoperpub`,
      bech32PrefixConsAddr: `${p}valcons`,
      bech32PrefixConsPub: `${p}valconspub`,
    },
    currencies: [currency],
    feeCurrencies: [{ ...currency, gasPriceStep: { low: i.minGasPrice, average: i.minGasPrice * 2, high: i.minGasPrice * 4 } }],
    stakeCurrency: currency,
    features: [],
  };
}
