import { ApiProperty } from '@nestjs/swagger';

export class PolicyInForceView {
  @ApiProperty({ description: 'The version every workflow started from now on carries' }) version!: string;
  @ApiProperty({ description: 'Where it comes from: the defaults, or the RETAIN_POLICY_FILE settings over them' })
  source!: string;
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
  @ApiProperty({ description: 'The version the api runs with now (new workflows get it)' }) inForce!: boolean;
  @ApiProperty({ type: PolicyVersionRunningView, description: 'Running workflows that carry it, by kind' })
  running!: PolicyVersionRunningView;
}

export class PolicyVersionsView {
  @ApiProperty({ type: [PolicyVersionView], description: 'The version in force first, then by how many carry it' })
  items!: PolicyVersionView[];
}
