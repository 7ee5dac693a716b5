import { registerDecorator, type ValidationOptions } from 'class-validator';
import { isIsoDate, isValidTimeZone } from '@retain/domain';

/** A real calendar date written YYYY-MM-DD (2027-02-30 is refused). */
export function IsIsoCalendarDate(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isIsoCalendarDate',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: '$property must be a calendar date written YYYY-MM-DD', ...options },
      validator: { validate: (v: unknown) => typeof v === 'string' && isIsoDate(v) },
    });
}

/** An IANA time zone name the runtime knows, e.g. Asia/Jakarta. */
export function IsTimeZone(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isTimeZone',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: '$property must be an IANA time zone such as Asia/Jakarta', ...options },
      validator: { validate: (v: unknown) => typeof v === 'string' && v.length <= 64 && isValidTimeZone(v) },
    });
}

/** Identifiers that end up in workflow ids: no separators, no spaces. */
export const BUSINESS_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const BUSINESS_ID_MESSAGE = '$property must be 1-128 letters, digits, dots, dashes or underscores';
