// The workflow bundler ignores tsconfig path aliases, so workflow code reaches the
// pure domain through this one relative re-export.
export * from '../libs/domain/src';
