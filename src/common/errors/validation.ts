import { BadRequestException, ValidationError as CvError } from '@nestjs/common';
import { FieldProblem } from './error-body';

function flatten(errors: CvError[], prefix = ''): FieldProblem[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, messages: Object.values(e.constraints) }] : [];
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** ValidationPipe's exceptionFactory: one 400 listing every field problem. */
export function validationExceptionFactory(errors: CvError[]): BadRequestException {
  const problems = flatten(errors);
  return new BadRequestException({
    code: 'VALIDATION_FAILED',
    message: problems.flatMap((p) => p.messages).join('; ') || 'Validation failed',
    errors: problems,
  });
}
