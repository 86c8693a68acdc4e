export * from "./gatewayErrors.js";
export * from "./gatewayJson.js";
export * from "./gatewayRoutes.js";
export * from "./registerGatewayRoutes.js";
