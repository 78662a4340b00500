import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class FieldProblem {
  @ApiProperty({ example: 'email' }) field!: string;
  @ApiProperty({ example: ['email must be an email'] }) messages!: string[];
}

/** The one error shape of the API (SPEC §2). */
export class ErrorBody {
  @ApiProperty({ example: 400 }) statusCode!: number;
  @ApiProperty({ example: 'Bad Request' }) error!: string;
  @ApiProperty({ example: 'VALIDATION_FAILED', description: 'Stable UPPER_SNAKE identifier' }) code!: string;
  @ApiProperty({ example: 'email must be an email' }) message!: string;
  @ApiPropertyOptional({ type: [FieldProblem], description: 'Every field problem, for VALIDATION_FAILED' })
  errors?: FieldProblem[];
}
