import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsISO31661Alpha2, IsNotEmpty, IsOptional, IsString, IsUUID, Max, MaxLength, Min, ValidateIf } from 'class-validator';

export const MAX_LINE_QUANTITY = 999;

export class AddCartItemDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'A product with exactly one variant (else give variantId)' })
  // Validated whenever given (with a variantId too: the service compares it with the variant's product).
  @ValidateIf((o: AddCartItemDto) => o.variantId === undefined || o.productId !== undefined)
  @IsUUID()
  productId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @ValidateIf((o: AddCartItemDto) => o.productId === undefined || o.variantId !== undefined)
  @IsUUID()
  variantId?: string;

  @ApiProperty({ minimum: 1, maximum: MAX_LINE_QUANTITY, example: 2 }) @IsInt() @Min(1) @Max(MAX_LINE_QUANTITY) quantity!: number;
}

export class UpdateCartItemDto {
  @ApiProperty({ minimum: 0, maximum: MAX_LINE_QUANTITY, description: '0 removes the line' })
  @IsInt() @Min(0) @Max(MAX_LINE_QUANTITY)
  quantity!: number;
}

export class ApplyDiscountDto {
  @ApiProperty({ example: 'SPRING10' })
  @Transform(({ value }) => (typeof value === 'string' ? value.trim() : value))
  @IsString() @IsNotEmpty() @MaxLength(64)
  code!: string;
}

export class CartQuery {
  @ApiPropertyOptional({ example: 'US', description: 'Destination country, for the tax estimate' })
  @IsOptional() @Transform(({ value }) => (typeof value === 'string' ? value.trim().toUpperCase() : value)) @IsISO31661Alpha2()
  country?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Delivery method, for the shipping estimate' })
  @IsOptional() @IsUUID()
  deliveryMethodId?: string;
}

export class CartItemResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) productId!: string;
  @ApiProperty({ format: 'uuid' }) variantId!: string;
  @ApiProperty() sku!: string;
  @ApiProperty({ description: 'Product name, with the variant name when it has several' }) name!: string;
  @ApiProperty({ description: 'Current price, minor units' }) unitPrice!: number;
  @ApiProperty() quantity!: number;
  @ApiProperty({ description: 'unitPrice × quantity' }) lineTotal!: number;
  @ApiProperty({ description: 'Units available to buy now' }) available!: number;
  @ApiProperty({ description: 'available ≥ quantity' }) inStock!: boolean;
  @ApiProperty({ description: 'false when the product or variant was deactivated or archived: not counted in totals' }) purchasable!: boolean;
}

export class CartTotalsResponse {
  @ApiProperty() subtotal!: number;
  @ApiProperty() discount!: number;
  @ApiProperty({ description: 'From ?deliveryMethodId=, else 0' }) shipping!: number;
  @ApiProperty({ description: 'Estimate: rate of ?country=, else the default rate' }) tax!: number;
  @ApiProperty() total!: number;
}

export class CartResponse {
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'null until the first item is added' }) id!: string | null;
  @ApiProperty({ example: 'usd' }) currency!: string;
  @ApiProperty({ type: [CartItemResponse] }) items!: CartItemResponse[];
  @ApiProperty({ description: 'Sum of quantities' }) itemCount!: number;
  @ApiProperty({ nullable: true, type: String }) discountCode!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Why the saved code does not apply now (expired, below minimum…)' })
  discountProblem!: string | null;
  @ApiProperty({ type: CartTotalsResponse }) totals!: CartTotalsResponse;
  @ApiProperty({ nullable: true, type: Date }) expiresAt!: Date | null;
}

export class CartEnvelope {
  @ApiProperty({ type: CartResponse }) cart!: CartResponse;
  @ApiPropertyOptional({ description: 'Only on the first guest write: the new X-Session-Id (also in the response header)' })
  sessionId?: string;
}
