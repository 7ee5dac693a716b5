export * from './roles';
export * from './policy/retain-policy';
export * from './time/local-time';
export * from './renewals/renewal-timeline';
