import type {
  ConnectorMapping,
  ConnectorName,
  ConnectorSpec,
  VendorEvent,
  VendorEventOutcome,
} from './connector-mapping';
import { HUBSPOT, mapHubSpotEvent } from './hubspot.connector';
import { SALESFORCE, mapSalesforceEvent } from './salesforce.connector';
import { SEGMENT, mapSegmentEvent } from './segment.connector';
import { STRIPE, mapStripeEvent } from './stripe.connector';
import { ZENDESK, mapZendeskEvent } from './zendesk.connector';

export * from './connector-mapping';
export * from './crm-activity';
export * from './stripe.connector';
export * from './zendesk.connector';
export * from './hubspot.connector';
export * from './salesforce.connector';
export * from './segment.connector';

/** Every connector's spec (handlers, fields, default mapping), by name. */
export const CONNECTOR_SPECS: Record<ConnectorName, ConnectorSpec> = {
  stripe: STRIPE,
  zendesk: ZENDESK,
  hubspot: HUBSPOT,
  salesforce: SALESFORCE,
  segment: SEGMENT,
};

const MAPPERS: Record<ConnectorName, (event: VendorEvent, mapping: ConnectorMapping) => VendorEventOutcome> = {
  stripe: mapStripeEvent,
  zendesk: mapZendeskEvent,
  hubspot: mapHubSpotEvent,
  salesforce: mapSalesforceEvent,
  segment: mapSegmentEvent,
};

/** What the vendor event `event` of `connector` becomes under `mapping`. */
export function mapVendorEvent(
  connector: ConnectorName,
  event: VendorEvent,
  mapping: ConnectorMapping,
): VendorEventOutcome {
  return MAPPERS[connector](event, mapping);
}
