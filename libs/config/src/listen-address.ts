/**
 * The `host:port` (or `off`) of a listener the configuration names: the metrics
 * listeners of the api and the worker. A host is a name, an IPv4 address or a
 * bracketed IPv6 address (`[::1]:9464`); port 0 asks the system for a free one.
 */
export const LISTEN_ADDRESS = /^(off|(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):\d{1,5})$/;

export interface ListenAddress {
  /** Without brackets, as `net.Server.listen` takes it. */
  host: string;
  port: number;
}

/** The address of a valid `host:port`; null for `off`. */
export function parseListenAddress(value: string): ListenAddress | null {
  if (value === 'off') return null;
  const at = value.lastIndexOf(':');
  const host = value.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(value.slice(at + 1)) };
}

/** The address to connect to a listener on `address`: a wildcard host is reached on loopback. */
export function connectHost(address: ListenAddress): string {
  const host = address.host === '0.0.0.0' ? '127.0.0.1' : address.host === '::' ? '::1' : address.host;
  return host.includes(':') ? `[${host}]` : host;
}
