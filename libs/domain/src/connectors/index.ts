import type {
  ConnectorMapping,
  ConnectorName,
  ConnectorSpec,
  VendorEvent,
  VendorEventOutcome,
} from './connector-mapping';
import { STRIPE, mapStripeEvent } from './stripe.connector';

export * from './connector-mapping';
export * from './stripe.connector';

/** Every connector's spec (handlers, fields, default mapping), by name. */
export const CONNECTOR_SPECS: Record<ConnectorName, ConnectorSpec> = { stripe: STRIPE };

const MAPPERS: Record<ConnectorName, (event: VendorEvent, mapping: ConnectorMapping) => VendorEventOutcome> = {
  stripe: mapStripeEvent,
};

/** What the vendor event `event` of `connector` becomes under `mapping`. */
export function mapVendorEvent(
  connector: ConnectorName,
  event: VendorEvent,
  mapping: ConnectorMapping,
): VendorEventOutcome {
  return MAPPERS[connector](event, mapping);
}
