/** A bad or missing setting: the api and the worker print its message and stop. */
export class ConfigError extends Error {}
