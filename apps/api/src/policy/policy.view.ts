import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class PolicyAdoptionView {
  @ApiProperty({ description: 'Who adopted it (a director or vp)' }) adoptedBy!: string;
  @ApiProperty({ format: 'date-time' }) adoptedAt!: string;
  @ApiProperty() reason!: string;
  @ApiProperty({ type: String, nullable: true, description: 'The back-test that justified it' })
  backtestId!: string | null;
}

export class PolicyInForceView {
  @ApiProperty({ description: 'The version every workflow started from now on carries' }) version!: string;
  @ApiProperty({
    enum: ['defaults', 'file', 'adoption'],
    description:
      'Where it comes from: the defaults, the RETAIN_POLICY_FILE settings over them, or an adoption (PUT /policy), which replaces both',
  })
  source!: 'defaults' | 'file' | 'adoption';
  @ApiProperty({
    type: PolicyAdoptionView,
    nullable: true,
    description: 'The adoption in force: by whom, when, why, on which back-test (null for the deployment policy)',
  })
  adoption!: PolicyAdoptionView | null;
  @ApiPropertyOptional({
    description: "Why the newest adoption is not in force (it no longer resolves over this release's policy), if so",
  })
  problem?: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The whole resolved policy (RetainPolicy; docs/rulebook.md names each setting)',
  })
  policy!: Record<string, unknown>;
}

export class PolicyVersionRunningView {
  @ApiProperty() renewals!: number;
  @ApiProperty() saves!: number;
  @ApiProperty() monitorings!: number;
  @ApiProperty() winBacks!: number;
}

export class PolicyVersionView {
  @ApiProperty() version!: string;
  @ApiProperty({ description: 'The version in force now (new workflows get it)' }) inForce!: boolean;
  @ApiProperty({ type: PolicyVersionRunningView, description: 'Running workflows that carry it, by kind' })
  running!: PolicyVersionRunningView;
}

export class AdoptedPolicyVersionView extends PolicyAdoptionView {
  @ApiProperty() version!: string;
  @ApiProperty({ description: 'Whether it is the policy in force (the newest adoption)' }) inForce!: boolean;
}

export class PolicyVersionsView {
  @ApiProperty({ type: [PolicyVersionView], description: 'The version in force first, then by how many carry it' })
  items!: PolicyVersionView[];
  @ApiProperty({ type: [AdoptedPolicyVersionView], description: 'Every policy adopted (PUT /policy), newest first' })
  adoptions!: AdoptedPolicyVersionView[];
}
