import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import type { ProductVariant } from '../../catalog/product-variant.entity';
import type { ProductWithVariants } from '../../catalog/catalog.service';
import { PageQueryDto } from '../../common/pagination';
import type { StockLevels } from '../inventory.service';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const bool = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);
/** Optional, but `null` is not a value for it (IsOptional would let null through to a NOT NULL column). */
const Absent = () => ValidateIf((_: unknown, v: unknown) => v !== undefined);
/** Optional; `null` clears it. */
const AbsentOrNull = () => ValidateIf((_: unknown, v: unknown) => v !== undefined && v !== null);

const INT4_MAX = 2_147_483_647;
const SKU = /^[A-Za-z0-9][A-Za-z0-9._\-/]*$/;
const SKU_MESSAGE = 'sku must start with a letter or digit and contain only letters, digits, ".", "_", "-", "/"';

// ---- requests ----

export class CreateVariantDto {
  @ApiProperty({ example: 'TEE-BLK-M', maxLength: 64, description: 'Unique, case-insensitively' })
  @Transform(trim) @IsString() @MaxLength(64) @Matches(SKU, { message: SKU_MESSAGE })
  sku!: string;

  @ApiProperty({ example: 'Black / M', maxLength: 200 })
  @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(200)
  name!: string;

  @ApiProperty({ example: 2500, description: 'Minor units (cents) of the store currency', minimum: 0 })
  @IsInt() @Min(0) @Max(INT4_MAX)
  price!: number;

  @ApiPropertyOptional({ default: true })
  @Absent() @IsBoolean()
  active?: boolean;

  @ApiPropertyOptional({ default: 0, minimum: 0, maximum: 1_000_000, description: 'Units on hand at creation' })
  @Absent() @IsInt() @Min(0) @Max(1_000_000)
  initialStock?: number;
}

export class CreateProductDto {
  @ApiProperty({ example: 'Organic cotton tee', maxLength: 200 })
  @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(200)
  name!: string;

  @ApiPropertyOptional({ example: 'Heavyweight, garment-dyed.', nullable: true, type: String, maxLength: 5000 })
  @AbsentOrNull() @IsString() @MaxLength(5000)
  description?: string | null;

  @ApiPropertyOptional({ default: true, description: 'Inactive products are hidden from the storefront' })
  @Absent() @IsBoolean()
  active?: boolean;

  @ApiProperty({ type: [CreateVariantDto], minItems: 1, maxItems: 100 })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(100) @ValidateNested({ each: true }) @Type(() => CreateVariantDto)
  variants!: CreateVariantDto[];
}

export class UpdateProductDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @Absent() @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ nullable: true, type: String, maxLength: 5000, description: 'null clears it' })
  @AbsentOrNull() @IsString() @MaxLength(5000)
  description?: string | null;

  @ApiPropertyOptional()
  @Absent() @IsBoolean()
  active?: boolean;
}

export class AddVariantDto extends CreateVariantDto {}

export class UpdateVariantDto {
  @ApiPropertyOptional({ example: 'TEE-BLK-M', maxLength: 64 })
  @Absent() @Transform(trim) @IsString() @MaxLength(64) @Matches(SKU, { message: SKU_MESSAGE })
  sku?: string;

  @ApiPropertyOptional({ maxLength: 200 })
  @Absent() @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ description: 'Minor units', minimum: 0 })
  @Absent() @IsInt() @Min(0) @Max(INT4_MAX)
  price?: number;

  @ApiPropertyOptional()
  @Absent() @IsBoolean()
  active?: boolean;
}

export class ProductListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Case-insensitive search in name, description and SKU', maxLength: 100 })
  @IsOptional() @Transform(trim) @IsString() @MaxLength(100)
  q?: string;
}

export class AdminProductListQueryDto extends ProductListQueryDto {
  @ApiPropertyOptional({ default: false, description: 'Include archived products' })
  @IsOptional() @Transform(bool) @IsBoolean()
  includeArchived?: boolean;

  @ApiPropertyOptional({ description: 'Only active (true) or inactive (false) products' })
  @IsOptional() @Transform(bool) @IsBoolean()
  active?: boolean;
}

// ---- responses ----

export class VariantResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'TEE-BLK-M' }) sku!: string;
  @ApiProperty({ example: 'Black / M' }) name!: string;
  @ApiProperty({ example: 2500, description: 'Minor units' }) price!: number;
  @ApiProperty({ example: 'usd' }) currency!: string;
  @ApiProperty({ example: 12, description: 'on hand − reserved' }) available!: number;
  @ApiProperty() active!: boolean;
}

export class AdminVariantResponse extends VariantResponse {
  @ApiProperty({ example: 15 }) onHand!: number;
  @ApiProperty({ example: 3 }) reserved!: number;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class ProductResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'Organic cotton tee' }) name!: string;
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty() active!: boolean;
  @ApiProperty({ type: [VariantResponse] }) variants!: VariantResponse[];
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class AdminProductResponse extends OmitType(ProductResponse, ['variants'] as const) {
  @ApiProperty({ type: [AdminVariantResponse] }) variants!: AdminVariantResponse[];
  @ApiProperty({ nullable: true, type: Date, description: 'Set when archived' }) archivedAt!: Date | null;
}

export class ProductEnvelope {
  @ApiProperty({ type: ProductResponse }) product!: ProductResponse;
}

export class AdminProductEnvelope {
  @ApiProperty({ type: AdminProductResponse }) product!: AdminProductResponse;
}

export class AdminVariantEnvelope {
  @ApiProperty({ type: AdminVariantResponse }) variant!: AdminVariantResponse;
}

export class ProductListResponse {
  @ApiProperty({ type: [ProductResponse] }) products!: ProductResponse[];
  @ApiProperty({ description: 'Items in this page' }) count!: number;
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class AdminProductListResponse {
  @ApiProperty({ type: [AdminProductResponse] }) products!: AdminProductResponse[];
  @ApiProperty({ description: 'Items in this page' }) count!: number;
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class MessageResponse {
  @ApiProperty({ example: 'Product archived' }) message!: string;
}

// ---- mappers ----

type Stock = Map<string, StockLevels>;
const NO_STOCK = { onHand: 0, reserved: 0, available: 0 };

export const toVariantResponse = (v: ProductVariant, currency: string, stock: Stock): VariantResponse => ({
  id: v.id,
  sku: v.sku,
  name: v.name,
  price: v.price,
  currency,
  available: (stock.get(v.id) ?? NO_STOCK).available,
  active: v.active,
});

export const toAdminVariantResponse = (v: ProductVariant, currency: string, stock: Stock): AdminVariantResponse => {
  const s = stock.get(v.id) ?? NO_STOCK;
  return { ...toVariantResponse(v, currency, stock), onHand: s.onHand, reserved: s.reserved, createdAt: v.createdAt, updatedAt: v.updatedAt };
};

export const toProductResponse = (p: ProductWithVariants, currency: string, stock: Stock): ProductResponse => ({
  id: p.id,
  name: p.name,
  description: p.description,
  active: p.active,
  variants: p.variants.map((v) => toVariantResponse(v, currency, stock)),
  createdAt: p.createdAt,
  updatedAt: p.updatedAt,
});

export const toAdminProductResponse = (p: ProductWithVariants, currency: string, stock: Stock): AdminProductResponse => ({
  id: p.id,
  name: p.name,
  description: p.description,
  active: p.active,
  variants: p.variants.map((v) => toAdminVariantResponse(v, currency, stock)),
  archivedAt: p.deletedAt,
  createdAt: p.createdAt,
  updatedAt: p.updatedAt,
});
