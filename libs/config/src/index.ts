export * from './app-config';
export * from './deployment-policy';
export * from './logging';
