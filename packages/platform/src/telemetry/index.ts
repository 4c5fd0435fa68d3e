export * from './graphqlMetricsPlugin.js';
export * from './instrumentFetch.js';
export * from './instrumentRequest.js';
export * from './logContext.js';
export * from './metrics.js';
export * from './tracing.js';
export * from './traceBus.js';
export * from './startTelemetry.js';
