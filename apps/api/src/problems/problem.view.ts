import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ERROR_CATALOGUE } from './error-codes';

export class FieldErrorView {
  @ApiProperty({ example: 'account.arrCents', description: 'The field, dotted from the body or query root' })
  field!: string;
  @ApiProperty({ example: 'arrCents must not be less than 0' }) message!: string;
}

/** RFC 9457 problem details, as every error of the api is answered (application/problem+json). */
export class ProblemDetailsView {
  @ApiProperty({ example: 'urn:retain:problem:validation-failed' }) type!: string;
  @ApiProperty({ example: 'The request is not valid' }) title!: string;
  @ApiProperty({ example: 400, minimum: 400, maximum: 599 }) status!: number;
  @ApiProperty({ example: 'Fix these fields: account.arrCents' }) detail!: string;
  @ApiProperty({ enum: Object.keys(ERROR_CATALOGUE), description: 'Stable code to branch on' }) code!: string;
  @ApiProperty({ example: '/renewals' }) instance!: string;
  @ApiPropertyOptional({ description: 'The request id (also in X-Request-Id)' }) requestId?: string;
  @ApiPropertyOptional({ type: [FieldErrorView] }) errors?: FieldErrorView[];
}
