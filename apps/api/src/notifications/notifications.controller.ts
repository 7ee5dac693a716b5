import { Body, Controller, Get, HttpCode, HttpStatus, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { contactErrors } from '@retain/domain';
import {
  countUnreadInboxNotifications,
  isInboxNotificationOf,
  listInboxNotifications,
  markAllNotificationsRead,
  markNotificationRead,
  readInboxNotification,
  readPrincipalContacts,
  setPrincipalContacts,
  type InboxNotificationRow,
  type PrincipalContacts,
} from '@retain/persistence';
import { Access } from '../access/access.decorator';
import type { Principal } from '../auth/api-key-store';
import { CurrentPrincipal } from '../auth/roles.decorator';
import { decodeCursor, encodeCursor } from '../common/keyset-cursor';
import { Operation } from '../openapi/operation.decorator';
import { ApiError } from '../problems/error-codes';
import {
  ChangeContactsDto,
  ContactsView,
  ListNotificationsQuery,
  MarkReadBody,
  NotificationPage,
  NotificationView,
  ReadAllView,
} from './notifications.views';

/** A notification key: a workflow or alert id and what it is about (`alert:acc-1042:1:notification`). */
export const NOTIFICATION_KEY_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:@-]{0,299}$';
const NOTIFICATION_KEY = new RegExp(NOTIFICATION_KEY_PATTERN);
const ID = { name: 'id', pattern: NOTIFICATION_KEY_PATTERN, example: 'alert:acc-1042:1:notification' };

function view(r: InboxNotificationRow): NotificationView {
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  return {
    id: r.key,
    kind: r.kind,
    accountId: r.account_id,
    renewalId: r.renewal_id,
    severity: r.severity,
    subject: r.subject,
    lines: strings(r.detail['lines']),
    alertIds: strings(r.detail['alertIds']),
    detail: r.detail,
    createdAt: r.created_at.toISOString(),
    readAt: r.read_at?.toISOString() ?? null,
  };
}

/**
 * A person's in-app notifications (issue 19): every notification of the outbox that
 * names him (a recipient, or the escalation manager), newest first, with the unread
 * count; marking one read is his alone (anyone else's is a 404, never a 403, so ids do
 * not leak). Reads and writes the tables' SQL modules (notifications.sql.ts,
 * notification-reads.sql.ts).
 */
@ApiTags('notifications')
@Controller('notifications')
export class NotificationsController {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  @Get()
  @Access(['notification', 'read'])
  @Operation({
    id: 'listNotifications',
    summary: 'Your notifications, newest first, with how many you have not read (the badge)',
    ok: { status: 200, type: NotificationPage, description: 'One page' },
  })
  async list(@Query() q: ListNotificationsQuery, @CurrentPrincipal() p: Principal): Promise<NotificationPage> {
    const limit = q.limit ?? 50;
    const cursor = q.cursor ? decodeCursor(q.cursor, ['instant', NOTIFICATION_KEY]) : undefined;
    const rows = await listInboxNotifications(this.db, p.id, {
      limit: limit + 1,
      ...(cursor ? { before: { createdAt: new Date(cursor[0]!), key: cursor[1]! } } : {}),
      unreadOnly: q.unread === 'true',
    });
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return {
      items: items.map(view),
      unread: await countUnreadInboxNotifications(this.db, p.id),
      nextCursor: rows.length > limit && last ? encodeCursor([last.created_at.toISOString(), last.key]) : null,
    };
  }

  @Post('read-all')
  @Access(['notification', 'markRead'])
  @HttpCode(HttpStatus.OK)
  @Operation({
    id: 'markAllNotificationsRead',
    summary: 'Mark every notification of yours read',
    ok: { status: 200, type: ReadAllView, description: 'How many were marked; none are left unread' },
    body: true,
  })
  async readAll(@Body() _body: MarkReadBody, @CurrentPrincipal() p: Principal): Promise<ReadAllView> {
    const marked = await markAllNotificationsRead(this.db, p.id, new Date());
    return { marked, unread: await countUnreadInboxNotifications(this.db, p.id) };
  }

  @Post(':id/read')
  @Access(['notification', 'markRead'])
  @HttpCode(HttpStatus.OK)
  @Operation({
    id: 'markNotificationRead',
    summary: 'Mark a notification of yours read (again: it keeps the first time); 404 for anyone else’s',
    ok: { status: 200, type: NotificationView, description: 'The notification, read' },
    params: [ID],
    body: true,
    notFound: true,
  })
  async read(
    @Param('id') id: string,
    @Body() _body: MarkReadBody,
    @CurrentPrincipal() p: Principal,
  ): Promise<NotificationView> {
    if (!NOTIFICATION_KEY.test(id) || !(await isInboxNotificationOf(this.db, p.id, id)))
      throw new ApiError('NOTIFICATION.NOT_FOUND', `No notification ${id} of yours`);
    await markNotificationRead(this.db, p.id, id, new Date());
    const row = await readInboxNotification(this.db, p.id, id);
    if (!row) throw new ApiError('NOTIFICATION.NOT_FOUND', `No notification ${id} of yours`);
    return view(row);
  }
}

/** The caller's own contact addresses for personal notifications: chat and phone (the email is the keys CLI's). */
@ApiTags('notifications')
@Controller('me')
export class MyContactsController {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  @Get('contacts')
  @Access(['contacts', 'read'])
  @Operation({
    id: 'getMyContacts',
    summary: 'Your notification addresses: email, chat (Slack id or incoming webhook), phone (SMS)',
    ok: { status: 200, type: ContactsView, description: 'Your addresses' },
  })
  async get(@CurrentPrincipal() p: Principal): Promise<ContactsView> {
    return shown(await readPrincipalContacts(this.db, p.id));
  }

  @Patch('contacts')
  @Access(['contacts', 'change'])
  @Operation({
    id: 'changeMyContacts',
    summary:
      'Set or clear your chat address (a Slack user id or an http(s) incoming-webhook URL) and phone (E.164); an absent field stays',
    ok: { status: 200, type: ContactsView, description: 'Your addresses as stored' },
    body: true,
  })
  async change(@Body() body: ChangeContactsDto, @CurrentPrincipal() p: Principal): Promise<ContactsView> {
    const errors = contactErrors(body);
    if (errors.length)
      throw new ApiError(
        'VALIDATION.FAILED',
        'The contact addresses are not valid',
        errors.map((e) => ({ field: e.slice(0, e.indexOf(':')), message: e.slice(e.indexOf(':') + 2) })),
      );
    if (body.chat === undefined && body.phone === undefined)
      throw new ApiError('REQUEST.EMPTY_CHANGE', 'Give chat, phone or both');
    return shown(
      await setPrincipalContacts(this.db, p.id, {
        ...(body.chat !== undefined ? { chat: body.chat } : {}),
        ...(body.phone !== undefined ? { phone: body.phone } : {}),
      }),
    );
  }
}

function shown(c: PrincipalContacts | undefined): ContactsView {
  return { email: c?.email ?? null, chat: c?.chat ?? null, phone: c?.phone ?? null };
}
