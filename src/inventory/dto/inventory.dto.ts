import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsNotEmpty, IsString, Max, MaxLength, Min, NotEquals } from 'class-validator';
import type { InventoryMovement } from '../inventory-movement.entity';
import { MOVEMENT_KINDS } from '../inventory-movement.entity';

export class AdjustStockDto {
  @ApiProperty({ example: -2, description: 'Signed change of units on hand; non-zero, at most 1,000,000 either way' })
  @IsInt() @NotEquals(0, { message: 'delta must not be 0' }) @Min(-1_000_000) @Max(1_000_000)
  delta!: number;

  @ApiProperty({ example: 'Damaged in transit', minLength: 1, maxLength: 200 })
  @Transform(({ value }) => (typeof value === 'string' ? value.trim() : value)) @IsString() @IsNotEmpty() @MaxLength(200)
  reason!: string;
}

export class StockLevelsResponse {
  @ApiProperty({ format: 'uuid' }) variantId!: string;
  @ApiProperty({ example: 15 }) onHand!: number;
  @ApiProperty({ example: 3, description: 'Held by open checkouts' }) reserved!: number;
  @ApiProperty({ example: 12, description: 'onHand − reserved' }) available!: number;
}

export class MovementResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) variantId!: string;
  @ApiProperty({ example: -2 }) deltaOnHand!: number;
  @ApiProperty({ example: 0 }) deltaReserved!: number;
  @ApiProperty({ enum: MOVEMENT_KINDS }) kind!: string;
  @ApiProperty({ example: 'Damaged in transit' }) reason!: string;
  @ApiProperty({ nullable: true, type: String, description: 'Checkout or order id, …' }) reference!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) actorId!: string | null;
  @ApiProperty() createdAt!: Date;
}

export class MovementListResponse {
  @ApiProperty({ type: [MovementResponse] }) movements!: MovementResponse[];
  @ApiProperty() count!: number;
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export const toMovementResponse = (m: InventoryMovement): MovementResponse => ({
  id: m.id,
  variantId: m.variantId,
  deltaOnHand: m.deltaOnHand,
  deltaReserved: m.deltaReserved,
  kind: m.kind,
  reason: m.reason,
  reference: m.reference,
  actorId: m.actorId,
  createdAt: m.createdAt,
});
