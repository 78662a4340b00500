import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsEmail, IsIn, IsNotEmpty, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { AddressDto } from '../../customers/dto/address.dto';
import { OrderResponse } from '../../orders/dto/order.dto';
import { CHECKOUT_STATUSES, type CheckoutStatus, type PaymentFlow } from '../checkout.entity';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class CheckoutDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Signed-in customers: an address from the address book' })
  @IsOptional() @IsUUID() shippingAddressId?: string;
  @ApiPropertyOptional({ type: AddressDto, description: 'Inline address (required for guests)' })
  @IsOptional() @ValidateNested() @Type(() => AddressDto) shippingAddress?: AddressDto;
  @ApiPropertyOptional({ format: 'uuid', description: 'Default: the shipping address' }) @IsOptional() @IsUUID() billingAddressId?: string;
  @ApiPropertyOptional({ type: AddressDto }) @IsOptional() @ValidateNested() @Type(() => AddressDto) billingAddress?: AddressDto;
  @ApiProperty({ format: 'uuid' }) @IsUUID() deliveryMethodId!: string;
  @ApiProperty({ enum: ['card', 'cash_on_delivery'] }) @IsIn(['card', 'cash_on_delivery']) paymentMethod!: 'card' | 'cash_on_delivery';
  @ApiPropertyOptional({ enum: ['payment_intent', 'hosted'], default: 'payment_intent', description: 'card only: Payment Element (`clientSecret`) or Stripe-hosted page (`url`)' })
  @IsOptional() @IsIn(['payment_intent', 'hosted']) paymentFlow?: PaymentFlow;
  @ApiPropertyOptional({ description: 'Overrides the code applied to the cart' }) @IsOptional() @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(64) discountCode?: string;
  @ApiPropertyOptional({ maxLength: 1000 }) @IsOptional() @IsString() @MaxLength(1000) notes?: string;
  // Guests only:
  @ApiPropertyOptional({ description: 'Guests: required' }) @IsOptional() @Transform(trim) @IsEmail() @MaxLength(254) email?: string;
  @ApiPropertyOptional({ description: 'Guests: required' }) @IsOptional() @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(200) name?: string;
  @ApiPropertyOptional({ description: 'Guests: required' }) @IsOptional() @Matches(/^\+?[0-9 ()-]{5,32}$/, { message: 'phone must be a phone number' }) phone?: string;
  @ApiPropertyOptional({ description: 'Guests: also create an account with this password', minLength: 8 })
  @IsOptional() @IsString() @MinLength(8) @MaxLength(128) password?: string;
}

export class CardCheckoutResponse {
  @ApiProperty({ format: 'uuid' }) checkoutId!: string;
  @ApiProperty({ format: 'uuid', description: 'The id the order will have once paid' }) orderId!: string;
  @ApiPropertyOptional({ description: 'payment_intent flow: for Stripe.js confirmPayment' }) clientSecret?: string;
  @ApiPropertyOptional() paymentIntentId?: string;
  @ApiPropertyOptional({ description: 'hosted flow: redirect the buyer here' }) url?: string;
  @ApiProperty({ description: 'Minor units' }) amount!: number;
  @ApiProperty({ example: 'usd' }) currency!: string;
  @ApiProperty({ description: 'Stock is held until then' }) expiresAt!: Date;
  @ApiProperty({ enum: ['awaiting_payment'] }) status!: 'awaiting_payment';
}

export class CheckoutStatusResponse {
  @ApiProperty({ format: 'uuid' }) checkoutId!: string;
  @ApiProperty({ enum: CHECKOUT_STATUSES }) status!: CheckoutStatus;
  @ApiProperty({ format: 'uuid' }) orderId!: string;
  @ApiProperty() amount!: number;
  @ApiProperty() currency!: string;
  @ApiProperty() expiresAt!: Date;
  @ApiProperty({ nullable: true, type: String, description: 'Last payment failure reported by the provider' }) lastPaymentError!: string | null;
  @ApiPropertyOptional({ type: OrderResponse, description: 'Once completed' }) order?: OrderResponse;
}
