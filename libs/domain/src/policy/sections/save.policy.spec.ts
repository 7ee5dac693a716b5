import { SAVE_DEFAULTS, validateSavePolicy, type SavePolicy } from './save.policy';

const MATRIX = 'one of full, standard, light, none (the matrix must be total)';
const EFFORT = '0 <= minDays <= maxDays, hoursPlanned >= 0';
const APPROVAL = 'save.approval: csm <= csm_manager <= director < executiveFromPct <= 100';
const BAND = '0 <= minDiscountPct <= maxDiscountPct <= 100, options non-empty texts';
const TEMPLATE =
  'issue, fix and successMetric non-empty, ownerRole csm, csm_manager or product, dueInDays whole days >= 1';

/** Each row changes the defaults and names every message that change must give. */
const rejected: Array<[string, (p: SavePolicy) => void, string[]]> = [
  [
    'an effort level outside the list',
    (p) => {
      (p.effortMatrix.high as any).low = 'maybe';
    },
    [`save.effortMatrix.high.low: ${MATRIX}`],
  ],
  [
    'a matrix without a value row',
    (p) => {
      delete (p.effortMatrix as any).low;
    },
    [
      `save.effortMatrix.low.high: ${MATRIX}`,
      `save.effortMatrix.low.medium: ${MATRIX}`,
      `save.effortMatrix.low.low: ${MATRIX}`,
    ],
  ],
  [
    'an effort whose minimum exceeds its maximum',
    (p) => {
      p.efforts.light.minDays = 20;
    },
    [`save.efforts.light: ${EFFORT}`],
  ],
  [
    'an effort starting before day 0',
    (p) => {
      p.efforts.none.minDays = -1;
    },
    [`save.efforts.none: ${EFFORT}`],
  ],
  [
    'an effort of fractional days',
    (p) => {
      p.efforts.standard.maxDays = 20.5;
    },
    [`save.efforts.standard: ${EFFORT}`],
  ],
  [
    'an effort with negative hours',
    (p) => {
      p.efforts.full.hoursPlanned = -1;
    },
    [`save.efforts.full: ${EFFORT}`],
  ],
  [
    'a missing effort',
    (p) => {
      delete (p.efforts as any).none;
    },
    [`save.efforts.none: ${EFFORT}`],
  ],
  [
    'a concession approved by an unknown role',
    (p) => {
      (p.approval.byConcessionType as any).service = 'ceo';
    },
    ['save.approval.byConcessionType.service: csm, csm_manager, director or vp'],
  ],
  [
    'a negative csm discount',
    (p) => {
      p.approval.maxDiscountPct.csm = -1;
    },
    [APPROVAL],
  ],
  [
    'a csm allowed more than their manager',
    (p) => {
      p.approval.maxDiscountPct.csm = 20;
    },
    [APPROVAL],
  ],
  [
    'a manager allowed more than the director',
    (p) => {
      p.approval.maxDiscountPct.csm_manager = 30;
    },
    [APPROVAL],
  ],
  [
    'a director allowed the executive discount',
    (p) => {
      p.approval.maxDiscountPct.director = 30;
    },
    [APPROVAL],
  ],
  [
    'an executive threshold above 100 percent',
    (p) => {
      p.approval.executiveFromPct = 101;
    },
    [APPROVAL],
  ],
  [
    'an approval SLA of 0 hours',
    (p) => {
      p.approvalSlaHours = 0;
    },
    ['save.approvalSlaHours: whole hours >= 1'],
  ],
  [
    'a fractional approval SLA',
    (p) => {
      p.approvalSlaHours = 1.5;
    },
    ['save.approvalSlaHours: whole hours >= 1'],
  ],
  [
    'a negative continued service',
    (p) => {
      p.continuedServiceDays = -1;
    },
    ['save.continuedServiceDays: whole days >= 0'],
  ],
  [
    'a fractional continued service',
    (p) => {
      p.continuedServiceDays = 0.5;
    },
    ['save.continuedServiceDays: whole days >= 0'],
  ],
  [
    'a negative executive-escalation ARR',
    (p) => {
      p.executiveEscalation.fromArrCents = -1;
    },
    ['save.executiveEscalation: fromArrCents >= 0, stepDays >= 1'],
  ],
  [
    'executive-escalation steps of 0 days',
    (p) => {
      p.executiveEscalation.stepDays = 0;
    },
    ['save.executiveEscalation: fromArrCents >= 0, stepDays >= 1'],
  ],
  [
    'a negative hour cost',
    (p) => {
      p.lostCause.hourCostCents = -1;
    },
    ['save.lostCause: hourCostCents >= 0, suggestStopFromSigns >= 1'],
  ],
  [
    'stopping suggested from 0 signs',
    (p) => {
      p.lostCause.suggestStopFromSigns = 0;
    },
    ['save.lostCause: hourCostCents >= 0, suggestStopFromSigns >= 1'],
  ],
  [
    'a high value band no higher than the medium one',
    (p) => {
      p.value.highFromArrCents = p.value.mediumFromArrCents;
    },
    ['save.value: highFromArrCents > mediumFromArrCents > 0'],
  ],
  [
    'a medium value band from 0',
    (p) => {
      p.value.mediumFromArrCents = 0;
    },
    ['save.value: highFromArrCents > mediumFromArrCents > 0'],
  ],
  [
    'a high probability no higher than the low cut-off',
    (p) => {
      p.probability.highFromPoints = 3;
    },
    ['save.probability: highFromPoints > lowUpToPoints'],
  ],
  [
    'a guidance band whose minimum exceeds its maximum',
    (p) => {
      p.concessionGuidance.medium.minDiscountPct = 25;
    },
    [`save.concessionGuidance.medium: ${BAND}`],
  ],
  [
    'a guidance band above 100 percent',
    (p) => {
      p.concessionGuidance.high.maxDiscountPct = 130;
    },
    [`save.concessionGuidance.high: ${BAND}`],
  ],
  [
    'a guidance band with a blank option',
    (p) => {
      p.concessionGuidance.low.options = ['payment terms', ' '];
    },
    [`save.concessionGuidance.low: ${BAND}`],
  ],
  [
    'a missing guidance band',
    (p) => {
      delete (p.concessionGuidance as any).low;
    },
    [`save.concessionGuidance.low: ${BAND}`],
  ],
  [
    'a too-late rule that is not true or false',
    (p) => {
      (p.concessionTiming as any).refuseDiscountOnceCommitted = 'yes';
    },
    ['save.concessionTiming.refuseDiscountOnceCommitted: true or false'],
  ],
  [
    'a template owned by an unknown role',
    (p) => {
      (p.planTemplates.value_redemonstration as any).ownerRole = 'ceo';
    },
    [`save.planTemplates.value_redemonstration: ${TEMPLATE}`],
  ],
  [
    'a template due in 0 days',
    (p) => {
      p.planTemplates.product_team.dueInDays = 0;
    },
    [`save.planTemplates.product_team: ${TEMPLATE}`],
  ],
  [
    'a template with an empty fix',
    (p) => {
      p.planTemplates.relationship_repair.fix = '';
    },
    [`save.planTemplates.relationship_repair: ${TEMPLATE}`],
  ],
];

describe('policy section save', () => {
  it('accepts its defaults', () => {
    expect(validateSavePolicy(SAVE_DEFAULTS)).toEqual([]);
  });

  it.each(rejected)('refuses %s', (_what, change, messages) => {
    const p = structuredClone(SAVE_DEFAULTS);
    change(p);
    expect(validateSavePolicy(p)).toEqual(messages);
  });
});
