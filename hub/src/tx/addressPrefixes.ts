/** Bech32 human-readable prefixes of Aegis addresses (the Cosmos `Bech32PrefixAccAddr` family). */
export const ADDRESS_PREFIXES = Object.freeze({
  /** Account addresses: `aegis1...` */
  account: "aegis",
  /** Validator operator addresses: `aegisvaloper1...` */
  validatorOperator: "aegisvaloper",
});

export const ACCOUNT_ADDRESS_PREFIX = ADDRESS_PREFIXES.account;
export const VALIDATOR_OPERATOR_ADDRESS_PREFIX = ADDRESS_PREFIXES.validatorOperator;

/** Address byte lengths accepted by default: 20 (key-derived accounts) and 32 (module/derived accounts). */
export const DEFAULT_ADDRESS_LENGTHS: readonly number[] = Object.freeze([20, 32]);

/** Cosmos `address.MaxAddrLen`: no address may exceed 255 bytes. */
export const MAX_ADDRESS_LENGTH = 255;

/** Bech32 string length cap used by the Cosmos SDK (`bech32.Decode(bech, 1023)`). */
export const MAX_BECH32_LENGTH = 1023;
