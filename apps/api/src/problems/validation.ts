import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { ApiError, type FieldError } from './error-codes';

/** Flattens class-validator's tree into `{ field: 'account.arrCents', message }` pairs. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const e of errors) {
    const field = parent ? `${parent}.${e.property}` : e.property;
    for (const [constraint, message] of Object.entries(e.constraints ?? {})) {
      out.push({ field, message: constraint === 'whitelistValidation' ? 'is not a known field' : message });
    }
    if (e.children?.length) out.push(...flattenValidationErrors(e.children, field));
  }
  return out;
}

/** The global pipe: strips nothing silently; unknown fields are an error. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const fieldErrors = flattenValidationErrors(errors);
      const fields = [...new Set(fieldErrors.map((e) => e.field))];
      return new ApiError('VALIDATION.FAILED', `Fix these fields: ${fields.join(', ')}`, fieldErrors);
    },
  });
}
