/**
 * The words the demo book makes its people, companies and customer quotes of. Plain
 * lists: the book draws from them with its seeded generator (demo-random.ts).
 */

export const FIRST_NAMES = [
  'Ava',
  'Ben',
  'Chloe',
  'Daniel',
  'Elena',
  'Farid',
  'Grace',
  'Hiro',
  'Isla',
  'Jonas',
  'Kira',
  'Liam',
  'Maya',
  'Noah',
  'Olivia',
  'Priya',
  'Quinn',
  'Rafael',
  'Sofia',
  'Tomas',
  'Uma',
  'Victor',
  'Wen',
  'Ximena',
  'Yusuf',
  'Zoe',
  'Aiko',
  'Bruno',
  'Carmen',
  'Dev',
] as const;

export const LAST_NAMES = [
  'Anders',
  'Baker',
  'Castillo',
  'Dubois',
  'Eriksen',
  'Fischer',
  'Garcia',
  'Hayashi',
  'Ibrahim',
  'Jensen',
  'Kowalski',
  'Larsen',
  'Moreau',
  'Nakamura',
  'Okafor',
  'Patel',
  'Quist',
  'Rossi',
  'Schmidt',
  'Tanaka',
  'Ueda',
  'Vargas',
  'Walsh',
  'Xu',
  'Young',
  'Zimmer',
  'Lindqvist',
  'Mensah',
  'Novak',
  'Oliveira',
] as const;

export const COMPANY_PREFIXES = [
  'Northwind',
  'Bluepeak',
  'Cedar',
  'Driftwood',
  'Evergreen',
  'Foxglove',
  'Granite',
  'Harbor',
  'Ironbark',
  'Juniper',
  'Kestrel',
  'Lumen',
  'Meridian',
  'Nimbus',
  'Oakridge',
  'Pinecrest',
  'Quartz',
  'Redwood',
  'Silverline',
  'Tidewater',
  'Upland',
  'Vantage',
  'Willow',
  'Yarrow',
  'Zephyr',
  'Atlas',
  'Beacon',
  'Copper',
  'Delta',
  'Ember',
  'Fjord',
  'Glacier',
  'Helix',
  'Indigo',
  'Jetstream',
  'Keystone',
  'Lakeshore',
  'Mosaic',
  'Nova',
  'Orchid',
] as const;

export const COMPANY_SUFFIXES = [
  'Analytics',
  'Logistics',
  'Health',
  'Foods',
  'Robotics',
  'Capital',
  'Learning',
  'Energy',
  'Media',
  'Systems',
  'Retail',
  'Labs',
  'Mobility',
  'Insurance',
  'Biotech',
  'Software',
  'Manufacturing',
  'Travel',
  'Security',
  'Studios',
] as const;

export const COMPANY_FORMS = ['Inc.', 'Ltd', 'GmbH', 'KK', 'SA', 'AB', 'Pty Ltd', 'LLC'] as const;

export const SPONSOR_TITLES = [
  'VP Operations',
  'Chief Operating Officer',
  'CIO',
  'VP Customer Experience',
  'CFO',
] as const;
export const CHAMPION_TITLES = [
  'Operations Manager',
  'Head of Analytics',
  'Team Lead',
  'Product Owner',
  'IT Manager',
] as const;

export const COMPETITORS = ['Rivalry', 'Churnless', 'Stickly', 'Loyalta', 'KeepWise'] as const;

/** Account time zones, with how many accounts (by weight) sit in each. */
export const ACCOUNT_TIME_ZONES = {
  'America/New_York': 5,
  'America/Chicago': 3,
  'America/Los_Angeles': 4,
  'Europe/London': 3,
  'Europe/Berlin': 3,
  'Europe/Paris': 2,
  'Asia/Tokyo': 3,
  'Asia/Singapore': 2,
  'Australia/Sydney': 1,
} as const;

/** What churned customers said, in their words. */
export const CHURN_REASONS = [
  'We moved to a competitor that bundles this with our CRM.',
  'Budget for the team was cut after the reorganisation.',
  'After the acquisition the parent company standardised on its own tool.',
  'We never got the adoption we needed to justify the cost.',
  'The integrations we rely on kept breaking.',
  'The project this supported was cancelled.',
] as const;

export const DOWNSIZE_REASONS = [
  'Fewer seats after the reorganisation.',
  'Dropping the add-on module we did not use.',
  'One region moved to another tool.',
] as const;

export const EXPANSION_REASONS = [
  'Adding the analytics module for the finance team.',
  'Rolling out to two more regions.',
  'More seats for the new support team.',
] as const;

export const PAUSE_REASONS = [
  'A seasonal pause while they re-plan the programme.',
  'On hold until the new budget year.',
] as const;

export const SURVEY_COMPLAINTS = [
  'Support takes too long and we are thinking of switching.',
  'Frustrated with the reporting: we are looking at alternatives.',
  'The new release broke our workflow again.',
] as const;

export const ALERT_RESOLUTIONS: Readonly<Record<string, readonly string[]>> = {
  usage: ['Usage recovered after a training session.', 'Seasonal dip, confirmed with the customer.'],
  engagement: ['Met the new contact and agreed a cadence.', 'Rebuilt the relationship with the successor.'],
  sentiment: [
    'Called the customer; the concern is addressed in the plan.',
    'Follow-up call held; detractor turned passive.',
  ],
  support: ['Ticket resolved with engineering; customer confirmed.', 'Escalation closed after the hotfix shipped.'],
  business: ['Confirmed the impact with the sponsor; renewal plan updated.', 'Budget review done with the customer.'],
  competition: ['Ran a comparison workshop; the customer stays.', 'Competitive threat handled in the save plan.'],
  commercial: ['Payment collected.', 'Cancellation concern addressed with the account owner.'],
  health: ['Health reviewed; plan in place.', 'Score recovered after the adoption push.'],
};
