import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { QueryInt } from '../common/validators';

export class ListNotificationsQuery {
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
  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'Only those not read yet' })
  @IsOptional()
  @IsIn(['true', 'false'])
  unread?: string;
}

/**
 * The body of `POST /notifications/{id}/read` and `/read-all`: none is needed (`{}` or
 * nothing); declared, as every POST's is, so an unknown field is a 400 and the OpenAPI
 * document states it.
 */
export class MarkReadBody {}

export class NotificationView {
  @ApiProperty({ example: 'alert:acc-1042:1:notification', description: 'The notification key' })
  id!: string;
  @ApiProperty({ example: 'alert' }) kind!: string;
  @ApiProperty({ example: 'acc-1042' }) accountId!: string;
  @ApiProperty({ nullable: true, type: String }) renewalId!: string | null;
  @ApiProperty({ nullable: true, type: String, enum: ['P0', 'P1', 'P2', 'P3'] }) severity!: string | null;
  @ApiProperty() subject!: string;
  @ApiProperty({ type: [String], description: 'The lines of an alert notification (empty for others)' })
  lines!: string[];
  @ApiProperty({ type: [String], description: 'The alerts it is about (empty for a workflow notification)' })
  alertIds!: string[];
  @ApiProperty({ type: 'object', additionalProperties: true }) detail!: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'When you marked it read' })
  readAt!: string | null;
}

export class NotificationPage {
  @ApiProperty({ type: [NotificationView] }) items!: NotificationView[];
  @ApiProperty({ description: 'How many of your notifications you have not read (the badge), whatever the page' })
  unread!: number;
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class ReadAllView {
  @ApiProperty({ description: 'How many were marked read now' }) marked!: number;
  @ApiProperty({ description: 'Unread left: 0' }) unread!: number;
}

export class ContactsView {
  @ApiProperty({ nullable: true, type: String, description: 'Set with the keys CLI' }) email!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'U012AB3CD',
    description: "A Slack user id (the bot's chat.postMessage) or an http(s):// incoming-webhook URL",
  })
  chat!: string | null;
  @ApiProperty({ nullable: true, type: String, example: '+14155550123', description: 'E.164, for SMS' })
  phone!: string | null;
}

/** A field absent stays as it is; null clears it. */
export class ChangeContactsDto {
  @ApiPropertyOptional({ nullable: true, type: String, example: 'U012AB3CD', maxLength: 2000 })
  @ValidateIf((_o: unknown, v: unknown) => v !== undefined && v !== null)
  @IsString()
  @MaxLength(2000)
  chat?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, example: '+14155550123', maxLength: 16 })
  @ValidateIf((_o: unknown, v: unknown) => v !== undefined && v !== null)
  @IsString()
  @MaxLength(16)
  phone?: string | null;
}
