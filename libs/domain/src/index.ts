export * from './roles';
export * from './policy/retain-policy';
export * from './time/local-time';
export * from './renewals/renewal-timeline';
export * from './renewals/risk-classification';
export * from './renewals/renewal-ownership';
export * from './renewals/renewal-tasks';
export * from './saves/save-triage';
