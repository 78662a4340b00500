import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';

export class FieldProblem {
  @ApiProperty({ example: 'email' }) field!: string;
  @ApiProperty({ example: ['email must be an email'] }) messages!: string[];
}

/** The one error shape of the API (SPEC §2). */
@ApiSchema({ description: 'Every error. Branch on `code`; `message` is for people. A few codes add the optional fields below.' })
export class ErrorBody {
  @ApiProperty({ example: 400 }) statusCode!: number;
  @ApiProperty({ example: 'Bad Request' }) error!: string;
  @ApiProperty({ example: 'VALIDATION_FAILED', description: 'Stable UPPER_SNAKE identifier' }) code!: string;
  @ApiProperty({ example: 'email must be an email' }) message!: string;
  @ApiPropertyOptional({ type: [FieldProblem], description: 'Every field problem, for VALIDATION_FAILED' })
  errors?: FieldProblem[];
  // Extra fields, each only with the codes named (the error filter copies them from the domain error):
  @ApiPropertyOptional({ format: 'uuid', description: 'INSUFFICIENT_STOCK, PRODUCT_UNAVAILABLE, VARIANT_RESERVED, STOCK_NOT_RESERVED' }) variantId?: string;
  @ApiPropertyOptional({ description: 'INSUFFICIENT_STOCK: units available' }) available?: number;
  @ApiPropertyOptional({ description: 'VARIANT_RESERVED, STOCK_NOT_RESERVED: units reserved' }) reserved?: number;
  @ApiPropertyOptional({ type: [String], description: 'SKU_TAKEN, DUPLICATE_SKU' }) skus?: string[];
  @ApiPropertyOptional({ description: 'INVALID_STATUS_TRANSITION: current status' }) from?: string;
  @ApiPropertyOptional({ description: 'INVALID_STATUS_TRANSITION: requested status' }) to?: string;
  @ApiPropertyOptional({ description: 'ORDER_NOT_ARCHIVABLE' }) status?: string;
  @ApiPropertyOptional({ description: 'ORDER_NOT_ARCHIVABLE' }) paymentStatus?: string;
  @ApiPropertyOptional({ description: 'PAYMENT_NOT_COMPLETED: the provider’s payment status' }) providerStatus?: string;
  @ApiPropertyOptional({ description: 'PAYMENT_NOT_COMPLETED: the checkout status' }) checkoutStatus?: string;
  @ApiPropertyOptional({ description: 'REFUND_EXCEEDS_PAID, NOTHING_TO_REFUND: minor units still refundable' }) remaining?: number;
}
