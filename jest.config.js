/** @type {import('jest').Config} */
export default {
  preset: "ts-jest/presets/default-esm",
  testEnvironment: "node",
  roots: ["<rootDir>/consumer-sdk", "<rootDir>/hub", "<rootDir>/devnet", "<rootDir>/proto", "<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "/dist/"],
  moduleNameMapper: {
    "^@aegis/consumer-sdk$": "<rootDir>/consumer-sdk/src/index.ts",
    "^@aegis/hub$": "<rootDir>/hub/src/index.ts",
    "^(\\.{1,2}/.*)\\.js$": "$1",
  },
  transform: {
    "^.+\\.ts$": ["ts-jest", { useESM: true, tsconfig: "<rootDir>/tsconfig.test.json" }],
  },
  testTimeout: 60000,
};
