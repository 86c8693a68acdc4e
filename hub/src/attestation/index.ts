export * from "./attestationKey.js";
