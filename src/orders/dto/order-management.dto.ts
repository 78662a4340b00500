import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsEmail, IsIn, IsISO8601, IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength, ValidateIf } from 'class-validator';
import { PageQueryDto } from '../../common/pagination';
import { ORDER_STATUSES, type OrderStatus } from '../order.entity';
import { OrderResponse } from './order.dto';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const bool = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);
/** Optional, but `null` is not a value for it. */
const Absent = () => ValidateIf((_: unknown, v: unknown) => v !== undefined);

// ---- requests ----

export class OrderListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ORDER_STATUSES })
  @IsOptional() @IsIn(ORDER_STATUSES)
  status?: OrderStatus;
}

export class AdminOrderListQueryDto extends OrderListQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional() @IsUUID()
  customerId?: string;

  @ApiPropertyOptional({ description: 'Exact, case-insensitive: the email the order was placed with, or the customer\'s current email' })
  @IsOptional() @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'createdAt ≥ from (ISO 8601)' })
  @IsOptional() @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'createdAt < to (ISO 8601)' })
  @IsOptional() @IsISO8601({ strict: true })
  to?: string;

  @ApiPropertyOptional({ type: Boolean, description: 'true: only archived orders · false: hide them · absent: both' })
  @IsOptional() @Transform(bool) @IsBoolean()
  archived?: boolean;
}

export class AdminOrderExportQueryDto extends OmitType(AdminOrderListQueryDto, ['limit', 'cursor'] as const) {}

export class UpdateOrderStatusDto {
  @ApiProperty({ enum: ORDER_STATUSES, description: 'The target status; see docs/orders.md for the allowed transitions' })
  @IsIn(ORDER_STATUSES)
  status!: OrderStatus;

  @ApiPropertyOptional({ maxLength: 100, description: 'Only with `shipped` (optional there); sent in the shipped email' })
  @Absent() @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(100)
  trackingNumber?: string;

  @ApiPropertyOptional({ maxLength: 500, description: 'Recorded in the history entry' })
  @Absent() @IsString() @MaxLength(500)
  note?: string;
}

export class MarkPaidDto {
  @ApiPropertyOptional({ maxLength: 500, example: 'Cash received by courier', description: 'Recorded in the history entry (default "Marked as paid")' })
  @Absent() @IsString() @MaxLength(500)
  note?: string;
}

export class OrderLookupDto {
  @ApiProperty({ example: 'guest@example.com', description: 'The email the order was placed with (any case)' })
  @Transform(trim) @IsEmail() @MaxLength(254)
  email!: string;

  @ApiProperty({ example: 'ORD-000042', description: 'The order number from the confirmation email (any case)' })
  @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(32)
  orderNumber!: string;
}

// ---- responses ----

export class OrderListResponse {
  @ApiProperty({ type: [OrderResponse] }) orders!: OrderResponse[];
  @ApiProperty({ description: 'Orders matching the filter, over all pages' }) count!: number;
  @ApiProperty({ nullable: true, type: String, description: 'Pass as `cursor` for the next page; null on the last' }) nextCursor!: string | null;
}

export class OrderCustomerResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'The customer\'s current email (the order\'s own `email` is the one it was placed with)' }) email!: string;
  @ApiProperty() isGuest!: boolean;
}

export class AdminOrderResponse extends OrderResponse {
  @ApiProperty({ nullable: true, type: Date, description: 'Set when the order was deleted (archived); hidden from the customer' }) archivedAt!: Date | null;
  @ApiProperty({ type: OrderCustomerResponse }) customer!: OrderCustomerResponse;
}

export class AdminOrderEnvelope {
  @ApiProperty({ type: AdminOrderResponse }) order!: AdminOrderResponse;
}

export class AdminOrderListResponse {
  @ApiProperty({ type: [AdminOrderResponse] }) orders!: AdminOrderResponse[];
  @ApiProperty({ description: 'Orders matching the filter, over all pages' }) count!: number;
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class OrderMessageResponse {
  @ApiProperty({ example: 'Order deleted successfully' }) message!: string;
}
