import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsInt, IsNotEmpty, IsOptional, IsString, IsUUID, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { AddressDto } from '../../customers/dto/address.dto';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class DirectOrderItemDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'A product with exactly one variant' }) @IsOptional() @IsUUID() productId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() variantId?: string;
  @ApiProperty({ minimum: 1, maximum: 999 }) @IsInt() @Min(1) @Max(999) quantity!: number;
}

export class DirectOrderDto {
  @ApiProperty({ type: [DirectOrderItemDto] }) @IsArray() @ArrayMaxSize(100) @ValidateNested({ each: true }) @Type(() => DirectOrderItemDto) items!: DirectOrderItemDto[];
  @ApiPropertyOptional() @IsOptional() @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(64) discountCode?: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'None: no shipping charge' }) @IsOptional() @IsUUID() deliveryMethodId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() shippingAddressId?: string;
  @ApiPropertyOptional({ type: AddressDto }) @IsOptional() @ValidateNested() @Type(() => AddressDto) shippingAddress?: AddressDto;
  @ApiPropertyOptional({ maxLength: 1000 }) @IsOptional() @IsString() @MaxLength(1000) notes?: string;
}

export class OrderPaymentResponse {
  @ApiProperty({ format: 'uuid' }) orderId!: string;
  @ApiProperty() paymentIntentId!: string;
  @ApiProperty({ description: 'For Stripe.js confirmPayment' }) clientSecret!: string;
  @ApiProperty({ description: 'Minor units' }) amount!: number;
  @ApiProperty() currency!: string;
}
