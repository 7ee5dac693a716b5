import { Transform } from 'class-transformer';
import { ValidateIf, registerDecorator, type ValidationOptions } from 'class-validator';
import { isIsoDate, isQuarterHours, isValidTimeZone } from '@retain/domain';
import { ACCOUNT_ID_PART } from './business-ids';

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
export const BUSINESS_ID_PATTERN = new RegExp(`^${ACCOUNT_ID_PART}$`);
export const BUSINESS_ID_MESSAGE = '$property must be 1-128 letters, digits, dots, dashes or underscores';

/** The message of a body that tries to state an account's facts where Retain reads them. */
export const ACCOUNT_FACTS_ARE_READ =
  'account facts are not accepted here: Retain reads the account named by accountId, whose facts cs_ops sets (POST /renewals, PATCH /accounts/{id}) or the CRM sends';

/** A field a body must not carry, with a message saying why (rather than "not a known field"). */
export function IsAbsent(options: ValidationOptions & { message: string }): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isAbsent',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: { validate: (v: unknown) => v === undefined },
    });
}

/**
 * A percentage a contract can state: a JSON number from 0.01 to 100 in hundredths
 * (1e-7 or 12.345 are refused; strings are never converted).
 */
export function IsPercentage(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isPercentage',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: '$property must be a number from 0.01 to 100 in hundredths of a percent', ...options },
      validator: {
        validate: (v: unknown) =>
          typeof v === 'number' &&
          Number.isFinite(v) &&
          v >= 0.01 &&
          v <= 100 &&
          Math.abs(Math.round(v * 100) - v * 100) < 1e-6,
      },
    });
}

/**
 * Hours of effort as time is logged: a JSON number above 0 in quarter hours (2.5, 0.75;
 * strings are never converted). The most one entry may state is the save's policy's
 * (metrics.maxEffortHoursPerEntry), which the save workflow checks.
 */
export function IsEffortHours(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isEffortHours',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: '$property must be a number of hours above 0, in quarter hours (0.25, 0.5, ...)',
        ...options,
      },
      validator: { validate: (v: unknown) => isQuarterHours(v) },
    });
}

/**
 * A whole number in a query string: only plain decimal digits are read as a number
 * ("1e3", "0x10", " 5" stay strings and fail the @IsInt that follows).
 */
export function QueryInt(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^-?\d{1,16}$/.test(value) ? Number(value) : value,
  );
}

/**
 * An optional body field: absent, or valid. Unlike @IsOptional, null is not "absent":
 * it is validated like any value (and refused unless the field says it may be null), so
 * a body cannot clear a required fact (an account's owner) by sending null.
 */
export function OptionalField(): PropertyDecorator {
  return ValidateIf((_object: unknown, value: unknown) => value !== undefined);
}
