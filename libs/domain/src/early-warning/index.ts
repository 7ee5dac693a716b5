export * from './event-catalogue';
export * from './signal-state';
export * from './alert-rules';
export * from './severity-routing';
export * from './seasonal-windows';
export * from './overload';
export * from './forwarding';
export * from './alert-handling';
