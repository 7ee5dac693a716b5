export * from './app-config';
export * from './deployment-policy';
export * from './logging';
export * from './listen-address';
export * from './metrics-server';
export * from './workflow-client-metrics';
export * from './process-metrics';
export * from './connector-mappings';
