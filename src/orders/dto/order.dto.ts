import { ApiProperty } from '@nestjs/swagger';
import { ORDER_STATUSES, PAYMENT_STATUSES, type OrderStatus, type PaymentMethod, type PaymentStatus } from '../order.entity';

export class OrderAddressResponse {
  @ApiProperty() name!: string;
  @ApiProperty() street!: string;
  @ApiProperty() city!: string;
  @ApiProperty({ nullable: true, type: String }) state!: string | null;
  @ApiProperty() postalCode!: string;
  @ApiProperty({ nullable: true, type: String }) district!: string | null;
  @ApiProperty({ example: 'GB' }) country!: string;
  @ApiProperty({ nullable: true, type: String }) phone!: string | null;
}

export class OrderDeliveryMethodResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'Minor units' }) price!: number;
}

export class OrderItemResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) orderId!: string;
  @ApiProperty({ format: 'uuid' }) productId!: string;
  @ApiProperty({ format: 'uuid' }) variantId!: string;
  @ApiProperty({ example: 'Organic Cotton Tee — Black / M' }) productName!: string;
  @ApiProperty() sku!: string;
  @ApiProperty() quantity!: number;
  @ApiProperty({ description: 'Minor units, as sold' }) unitPrice!: number;
  @ApiProperty({ description: 'unitPrice × quantity' }) totalPrice!: number;
}

export class OrderHistoryResponse {
  @ApiProperty({ enum: ORDER_STATUSES }) status!: OrderStatus;
  @ApiProperty() at!: Date;
  @ApiProperty({ example: 'webhook:payment_intent.succeeded', description: '`system`, `customer:<id>`, `admin:<id>`, `webhook:<event type>`' }) actor!: string;
  @ApiProperty({ nullable: true, type: String }) note!: string | null;
}

export class OrderResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'ORD-000042' }) number!: string;
  @ApiProperty({ format: 'uuid' }) customerId!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ enum: ORDER_STATUSES }) status!: OrderStatus;
  @ApiProperty({ enum: PAYMENT_STATUSES }) paymentStatus!: PaymentStatus;
  @ApiProperty({ enum: ['card', 'cash_on_delivery'] }) paymentMethod!: PaymentMethod;
  @ApiProperty({ example: 'usd' }) currency!: string;
  @ApiProperty({ description: 'Minor units' }) subtotal!: number;
  @ApiProperty() discount!: number;
  @ApiProperty({ nullable: true, type: String }) discountCode!: string | null;
  @ApiProperty() shipping!: number;
  @ApiProperty() tax!: number;
  @ApiProperty({ description: 'Basis points applied to subtotal − discount' }) taxRateBps!: number;
  @ApiProperty({ description: 'subtotal − discount + shipping + tax' }) total!: number;
  @ApiProperty({ description: 'Money received' }) amountPaid!: number;
  @ApiProperty() amountRefunded!: number;
  @ApiProperty({ type: [OrderItemResponse] }) items!: OrderItemResponse[];
  @ApiProperty({ type: OrderAddressResponse }) shippingAddress!: OrderAddressResponse;
  @ApiProperty({ type: OrderAddressResponse }) billingAddress!: OrderAddressResponse;
  @ApiProperty({ type: OrderDeliveryMethodResponse, nullable: true }) deliveryMethod!: OrderDeliveryMethodResponse | null;
  @ApiProperty({ nullable: true, type: String }) notes!: string | null;
  @ApiProperty({ nullable: true, type: String }) trackingNumber!: string | null;
  @ApiProperty({ nullable: true, type: String }) paymentIntentId!: string | null;
  @ApiProperty({ type: [OrderHistoryResponse] }) history!: OrderHistoryResponse[];
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class OrderEnvelope {
  @ApiProperty({ type: OrderResponse }) order!: OrderResponse;
}
