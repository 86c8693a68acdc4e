/** @type {import('jest').Config} */
export default {
  preset: "ts-jest/presets/default-esm",
  testEnvironment: "node",
  roots: ["<rootDir>/p2p", "<rootDir>/consumer-sdk", "<rootDir>/consumer-runtime", "<rootDir>/consumer-chains", "<rootDir>/circuits", "<rootDir>/hub", "<rootDir>/devnet", "<rootDir>/proto", "<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "/dist/"],
  moduleNameMapper: {
    "^@aegis/consumer-sdk$": "<rootDir>/consumer-sdk/src/index.ts",
    "^@aegis/consumer-sdk/hub-tx$": "<rootDir>/consumer-sdk/src/hubTx/index.ts",
    "^@aegis/p2p$": "<rootDir>/p2p/src/index.ts",
    "^@aegis/consumer-runtime$": "<rootDir>/consumer-runtime/src/index.ts",
    "^@aegis/consumer-chains$": "<rootDir>/consumer-chains/src/index.ts",
    "^@aegis/hub$": "<rootDir>/hub/src/index.ts",
    "^(\\.{1,2}/.*)\\.js$": "$1",
  },
  transform: {
    "^.+\\.ts$": ["ts-jest", { useESM: true, tsconfig: "<rootDir>/tsconfig.test.json" }],
    // cosmjs (CommonJS) require()s ESM-only packages (@noble/*, @scure/*). Node 22 allows that natively,
    // jest's module runtime only from Node 24.9: ts-jest turns them into CommonJS when they are required.
    "^.+/node_modules/@(noble|scure)/.+\\.js$": ["ts-jest", { useESM: true, tsconfig: { allowJs: true, isolatedModules: true } }],
  },
  transformIgnorePatterns: ["/node_modules/(?!.*(@noble|@scure)/)"],
  testTimeout: 60000,
};
