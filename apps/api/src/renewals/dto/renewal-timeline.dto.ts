import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { BUSINESS_ID_MESSAGE, BUSINESS_ID_PATTERN, IsIsoCalendarDate, QueryInt } from '../../common/validators';
import { RenewalView } from './renewal.view';

/** The widest range of renewal dates one timeline request covers (a wider one is a 400 naming `to`). */
export const TIMELINE_MAX_DAYS = 366;

export class RenewalTimelineQuery {
  @ApiProperty({ example: '2027-01-01', format: 'date', description: 'Renewal dates from this day (inclusive)' })
  @IsIsoCalendarDate()
  from!: string;

  @ApiProperty({
    example: '2027-03-31',
    format: 'date',
    description: `Renewal dates up to this day (inclusive); at most ${TIMELINE_MAX_DAYS} days after from`,
  })
  @IsIsoCalendarDate()
  to!: string;

  @ApiPropertyOptional({ description: 'Owner CSM principal id', pattern: BUSINESS_ID_PATTERN.source })
  @IsOptional()
  @Matches(BUSINESS_ID_PATTERN, { message: BUSINESS_ID_MESSAGE })
  owner?: string;

  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 200 })
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ description: "Opaque cursor from the previous page's nextCursor" })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  cursor?: string;
}

export class TimelineMilestoneView {
  @ApiProperty({ enum: ['assessment', 'preparation', 'engagement', 'closing', 'renewal_day'] }) phase!: string;
  @ApiProperty({ example: 'T-90', description: 'T-<days before the renewal>, or "renewal day"' }) label!: string;
  @ApiProperty({ example: 90 }) daysBefore!: number;
  @ApiProperty({ format: 'date', description: "Calendar date in the account's time zone" }) date!: string;
  @ApiProperty({ format: 'date-time', description: "When the phase's actions fire" }) at!: string;
  @ApiProperty({ description: "The renewal's phase is this one or a later one" }) done!: boolean;
}

export class TimelineTaskView {
  @ApiProperty() id!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ type: String, nullable: true }) ownerId!: string | null;
  @ApiProperty({ enum: ['open', 'done', 'cancelled'] }) state!: string;
  @ApiProperty({ format: 'date-time' }) dueAt!: string;
  @ApiProperty({ description: 'Open and past due' }) overdue!: boolean;
}

export class RenewalTimelineItem extends RenewalView {
  @ApiProperty() timeZone!: string;
  @ApiProperty({ type: [TimelineMilestoneView] }) milestones!: TimelineMilestoneView[];
  @ApiProperty({ type: [TimelineTaskView], description: 'Soonest due first' }) tasks!: TimelineTaskView[];
}

export class RenewalTimelinePage {
  @ApiProperty({ type: [RenewalTimelineItem], description: 'By renewal date, then id' }) items!: RenewalTimelineItem[];
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Pass as ?cursor= (with the same from and to) for the next page; null on the last page',
  })
  nextCursor!: string | null;
}
