/**
 * Who may call which route on what: the expected answer for every route, every role and
 * every relation of the object to the caller, in one table (docs/access.md says the same
 * in words; libs/domain access-policy.ts is the rule the api runs). access-matrix.e2e-spec.ts
 * runs each cell against a live stack.
 *
 * Each row lists the roles in this order, three letters each:
 *
 *     csm  csm_manager  director  vp  sales_rep  product  cs_ops  integration
 *
 * and each letter is one relation of the object (or, for a list, of the object looked
 * for in it) to the caller:
 *
 *   1. own:   the caller's own account (he owns it; his team's for a manager; his
 *             account as its sales rep; the plan item or promise he owns);
 *   2. team:  a teammate's account (another CSM of the same manager);
 *   3. other: an account of another team.
 *
 * `Y` allowed (or, for a list, shown), `-` refused with 403 (or, for a list, not shown).
 * The callers: csm-a1 (csm, reports to mgr-a), mgr-a (csm_manager, reports to dir-m),
 * dir-m (director, reports to vp-m), vp-m (vp), ae-a (sales rep of the own account),
 * pm-m (product, owner of the own account's plan item), ops-m (cs_ops), int-m
 * (integration). Directors and VPs stand above every team (they are in every owner's
 * management chain).
 */
export const ROLE_ORDER = [
  'csm',
  'csm_manager',
  'director',
  'vp',
  'sales_rep',
  'product',
  'cs_ops',
  'integration',
] as const;

//                                                         csm mgr dir vp  ae  pm  ops int
export const EXPECTED_ACCESS: Record<string, string> = {
  'GET /health': /*                                     */ 'YYY YYY YYY YYY YYY YYY YYY YYY',

  // The caller's own views: his principal; his dated items (asked with scope=all: every item he may see);
  // the concessions he may decide (the own and team worlds' 10% discounts need a csm_manager; never one's own).
  'GET /me': /*                                         */ 'YYY YYY YYY YYY YYY YYY YYY YYY',
  'GET /me/tasks': /*                                   */ 'Y-- YY- YYY YYY Y-- YYY YYY ---',
  'GET /me/approvals': /*                               */ '--- YY- YYY YYY --- --- --- ---',

  'POST /renewals': /*                                  */ '--- --- --- --- --- --- YYY ---',
  'POST /renewals/batch': /*                            */ '--- --- --- --- --- --- YYY ---',
  'GET /renewals': /*                                   */ 'Y-- YY- YYY YYY Y-- YYY YYY ---',
  'GET /renewals/:id': /*                               */ 'Y-- YY- YYY YYY Y-- YYY YYY ---',
  'GET /renewals/timeline': /*                          */ 'Y-- YY- YYY YYY Y-- YYY YYY ---',
  'POST /renewals/:id/tasks/:taskId/complete': /*       */ 'Y-- YY- YYY YYY Y-- --- --- ---',
  'POST /renewals/:id/decision': /*                     */ 'Y-- YY- YYY YYY Y-- --- YYY ---',
  'POST /renewals/:id/signals/:signalId/resolve': /*    */ 'Y-- YY- YYY YYY --- --- --- ---',
  'PATCH /renewals/:id': /* (a new renewal date)        */ '--- YY- YYY YYY --- --- YYY ---',
  'POST /renewals/:id/cancel': /*                       */ '--- --- --- --- --- --- YYY ---',

  'POST /saves': /*                                     */ 'Y-- YY- YYY YYY --- --- YYY ---',
  'GET /saves': /*                                      */ 'Y-- YY- YYY YYY --- --- YYY ---',
  'GET /saves/:id': /*                                  */ 'Y-- YY- YYY YYY --- --- YYY ---',
  'POST /saves/:id/triage': /*                          */ 'Y-- YY- YYY YYY --- --- --- ---',
  'POST /saves/:id/probability': /*                     */ 'Y-- YY- YYY YYY --- --- --- ---',
  'POST /saves/:id/issues': /*                          */ 'Y-- YY- YYY YYY --- --- --- ---',
  'POST /saves/:id/plan-items': /*                      */ 'Y-- YY- YYY YYY --- --- --- ---',
  'POST /saves/:id/plan-items/:itemId/status': /*       */ 'Y-- YY- YYY YYY --- Y-- --- ---',
  'POST /saves/:id/concessions': /*                     */ 'Y-- YY- YYY YYY --- --- --- ---',
  'POST /saves/:id/concessions/:cid/approve': /*        */ 'Y-- YY- YYY YYY --- --- --- ---',
  'POST /saves/:id/concessions/:cid/reject': /*         */ 'Y-- YY- YYY YYY --- --- --- ---',
  'POST /saves/:id/outcome': /*                         */ 'Y-- YY- YYY YYY --- --- --- ---',
  'POST /saves/:id/conversations': /*                   */ 'Y-- YY- YYY YYY --- --- --- ---',
  'POST /saves/:id/effort': /*                          */ 'Y-- YY- YYY YYY --- --- --- ---',
  'POST /saves/:id/escalation': /*                      */ 'Y-- YY- YYY YYY --- --- --- ---',
  'POST /saves/:id/escalation/steps/:step': /*          */ 'Y-- YY- YYY YYY --- --- --- ---',
  'POST /saves/:id/graceful-exit/steps/:step/complete': 'Y-- YY- YYY YYY --- --- --- ---',
  'GET /saves/:id/debrief': /*                          */ 'Y-- YY- YYY YYY --- --- YYY ---',
  'PUT /saves/:id/debrief': /*                          */ 'Y-- YY- YYY YYY --- --- --- ---',

  'POST /monitoring': /*                                */ 'Y-- YY- YYY YYY --- --- YYY ---',
  'GET /monitoring/:id': /*                             */ 'Y-- YY- YYY YYY --- --- YYY ---',
  'POST /monitoring/:id/promises/:pid/status': /*       */ 'Y-- YY- YYY YYY Y-- --- --- ---',
  'POST /monitoring/:id/tasks/:taskId/complete': /*     */ 'Y-- YY- YYY YYY --- --- --- ---',

  'GET /win-backs': /*                                  */ 'Y-- YY- YYY YYY --- --- YYY ---',
  'GET /win-backs/:id': /*                              */ 'Y-- YY- YYY YYY --- --- YYY ---',
  'POST /win-backs/:id/touchpoints/:kind/complete': /*  */ 'Y-- YY- YYY YYY --- --- --- ---',
  'POST /win-backs/:id/outcome': /*                     */ 'Y-- YY- YYY YYY --- --- --- ---',

  'POST /events': /*                                    */ '--- --- --- --- --- --- --- YYY',
  'GET /events/held': /*                                */ '--- --- --- --- --- --- YYY ---',
  // A vendor's webhook takes no API key: the Stripe signature's secret names the integration
  // principal (int-m), so whatever key comes with it, the signed event is taken.
  'POST /connectors/stripe': /*                         */ 'YYY YYY YYY YYY YYY YYY YYY YYY',
  'POST /connectors/zendesk': /*                        */ 'YYY YYY YYY YYY YYY YYY YYY YYY',
  'POST /connectors/hubspot': /*                        */ 'YYY YYY YYY YYY YYY YYY YYY YYY',
  'POST /connectors/salesforce': /*                     */ 'YYY YYY YYY YYY YYY YYY YYY YYY',
  'POST /connectors/segment': /*                        */ 'YYY YYY YYY YYY YYY YYY YYY YYY',
  'GET /connectors/:name/events': /*                    */ '--- --- --- --- --- --- YYY ---',

  'GET /alerts': /*                                     */ 'Y-- YY- YYY YYY --- --- YYY ---',
  'GET /alerts/catalogue': /*                           */ 'YYY YYY YYY YYY --- --- YYY ---',
  'POST /alerts/:id/acknowledge': /*                    */ 'Y-- YY- YYY YYY --- --- --- ---',
  'POST /alerts/:id/resolve': /*                        */ 'Y-- YY- YYY YYY --- --- --- ---',
  'POST /alerts/:id/tasks/:taskId/complete': /*         */ 'Y-- YY- YYY YYY --- --- --- ---',

  'GET /accounts/:accountId': /*                        */ 'Y-- YY- YYY YYY Y-- --- YYY ---',
  'PATCH /accounts/:accountId': /*                      */ '--- --- --- --- --- --- YYY ---',
  'POST /accounts/:accountId/suppressions': /*          */ 'Y-- YY- YYY YYY --- --- YYY ---',
  'DELETE /accounts/:accountId/suppressions/:suppressionId': 'Y-- YY- YYY YYY --- --- YYY ---',
  'GET /accounts/:accountId/risk': /*                   */ 'Y-- YY- YYY YYY Y-- --- YYY ---',

  'GET /audit': /*                                      */ '--- --- YYY YYY --- --- --- ---',

  // One's own notifications: the world's alert notification is listed for its recipients (the CSM, the
  // account's CSM manager, and on the own account its sales rep: every P0 reaches sales); marking one read
  // and one's contacts are every person's own (someone else's notification is a 404, not a 403).
  'GET /notifications': /*                              */ 'Y-- YY- --- --- Y-- --- --- ---',
  'POST /notifications/read-all': /*                    */ 'YYY YYY YYY YYY YYY YYY YYY ---',
  'POST /notifications/:id/read': /*                    */ 'YYY YYY YYY YYY YYY YYY YYY ---',
  'GET /me/contacts': /*                                */ 'YYY YYY YYY YYY YYY YYY YYY ---',
  'PATCH /me/contacts': /*                              */ 'YYY YYY YYY YYY YYY YYY YYY ---',

  'GET /policy': /*                                     */ 'YYY YYY YYY YYY --- --- YYY ---',
  'GET /policy/versions': /*                            */ 'YYY YYY YYY YYY --- --- YYY ---',
  'POST /policy/backtests': /*                          */ '--- --- YYY YYY --- --- YYY ---',
  'GET /policy/backtests': /*                           */ '--- --- YYY YYY --- --- YYY ---',
  'GET /policy/backtests/:id': /*                       */ '--- --- YYY YYY --- --- YYY ---',
  'POST /policy/backtests/:id/cancel': /*               */ '--- --- YYY YYY --- --- YYY ---',
  'PUT /policy': /*                                     */ '--- --- YYY YYY --- --- --- ---',

  // A metrics list "shows" the world when its account's figures are counted for the caller.
  'GET /metrics/saves': /*                              */ 'Y-- YY- YYY YYY --- --- YYY ---',
  'GET /metrics/renewals': /*                           */ 'Y-- YY- YYY YYY --- --- YYY ---',
  'GET /metrics/alerts': /*                             */ 'Y-- YY- YYY YYY --- --- YYY ---',
  'GET /metrics/programme': /*                          */ 'Y-- YY- YYY YYY --- --- YYY ---',
};
