export * from "./applyDashboardUpdate.js";
export * from "./dashboardMetrics.js";
export * from "./dashboardSnapshot.js";
export * from "./networkAggregator.js";
export * from "./server.js";
