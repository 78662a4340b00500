import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDate,
  IsIn,
  IsInt,
  IsISO31661Alpha2,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import type { DeliveryMethod } from '../delivery-method.entity';
import type { Discount } from '../discount.entity';
import type { TaxRate } from '../tax-rate.entity';

const MAX_MONEY = 100_000_000; // 1,000,000.00 in minor units; int4 columns, sums are computed in BigInt
const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const upperAll = ({ value }: { value: unknown }) =>
  Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? v.trim().toUpperCase() : v)) : value;
const upper = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toUpperCase() : value);

// ---- delivery methods ----

export class CreateDeliveryMethodDto {
  @ApiProperty({ example: 'Standard (3–5 days)' }) @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(120) name!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) description?: string;
  @ApiProperty({ example: 499, description: 'Minor units' }) @IsInt() @Min(0) @Max(MAX_MONEY) price!: number;
  @ApiProperty({ example: ['US', 'CA'], description: 'ISO alpha-2 codes; empty = every country' })
  @Transform(upperAll) @IsArray() @ArrayMaxSize(250) @IsISO31661Alpha2({ each: true })
  countries!: string[];
  @ApiPropertyOptional({ default: true }) @IsOptional() @IsBoolean() active?: boolean;
}

export class UpdateDeliveryMethodDto extends PartialType(CreateDeliveryMethodDto) {}

export class DeliveryMethodQuery {
  @ApiPropertyOptional({ example: 'US', description: 'Only methods serving this country' })
  @IsOptional() @Transform(upper) @IsISO31661Alpha2()
  country?: string;
}

export class DeliveryMethodResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty({ description: 'Minor units' }) price!: number;
  @ApiProperty({ example: 'usd' }) currency!: string;
  @ApiProperty({ type: [String] }) countries!: string[];
  @ApiProperty() active!: boolean;
}
export class DeliveryMethodEnvelope {
  @ApiProperty({ type: DeliveryMethodResponse }) deliveryMethod!: DeliveryMethodResponse;
}
export class DeliveryMethodList {
  @ApiProperty({ type: [DeliveryMethodResponse] }) deliveryMethods!: DeliveryMethodResponse[];
  @ApiProperty() count!: number;
}

export const toDeliveryMethodResponse = (m: DeliveryMethod, currency: string): DeliveryMethodResponse => ({
  id: m.id,
  name: m.name,
  description: m.description,
  price: m.price,
  currency,
  countries: m.countries,
  active: m.active,
});

// ---- discounts ----

export class CreateDiscountDto {
  @ApiProperty({ example: 'SPRING10', description: 'Letters, digits, - and _; matched case-insensitively' })
  @Transform(trim) @Matches(/^[A-Za-z0-9_-]{2,64}$/, { message: 'code must be 2–64 letters, digits, - or _' })
  code!: string;
  @ApiProperty({ enum: ['percentage', 'fixed'] }) @IsIn(['percentage', 'fixed']) type!: 'percentage' | 'fixed';
  @ApiProperty({ example: 10, description: 'Whole percent 1–100 for percentage; minor units for fixed' })
  @IsInt() @Min(1) @Max(MAX_MONEY)
  value!: number;
  @ApiPropertyOptional({ description: 'Minor units' }) @IsOptional() @IsInt() @Min(0) @Max(MAX_MONEY) minSubtotal?: number | null;
  @ApiPropertyOptional({ type: String, format: 'date-time' }) @IsOptional() @Type(() => Date) @IsDate() startsAt?: Date | null;
  @ApiPropertyOptional({ type: String, format: 'date-time' }) @IsOptional() @Type(() => Date) @IsDate() endsAt?: Date | null;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) usageLimit?: number | null;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) perCustomerLimit?: number | null;
  @ApiPropertyOptional({ default: true }) @IsOptional() @IsBoolean() active?: boolean;
}

export class UpdateDiscountDto extends PartialType(CreateDiscountDto) {}

export class DiscountResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() code!: string;
  @ApiProperty({ enum: ['percentage', 'fixed'] }) type!: string;
  @ApiProperty() value!: number;
  @ApiProperty({ nullable: true, type: Number }) minSubtotal!: number | null;
  @ApiProperty({ nullable: true, type: Date }) startsAt!: Date | null;
  @ApiProperty({ nullable: true, type: Date }) endsAt!: Date | null;
  @ApiProperty({ nullable: true, type: Number }) usageLimit!: number | null;
  @ApiProperty({ nullable: true, type: Number }) perCustomerLimit!: number | null;
  @ApiProperty() usedCount!: number;
  @ApiProperty() active!: boolean;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}
export class DiscountEnvelope {
  @ApiProperty({ type: DiscountResponse }) discount!: DiscountResponse;
}
export class DiscountList {
  @ApiProperty({ type: [DiscountResponse] }) discounts!: DiscountResponse[];
  @ApiProperty() count!: number;
}

export const toDiscountResponse = (d: Discount): DiscountResponse => ({
  id: d.id,
  code: d.code,
  type: d.type,
  value: d.value,
  minSubtotal: d.minSubtotal,
  startsAt: d.startsAt,
  endsAt: d.endsAt,
  usageLimit: d.usageLimit,
  perCustomerLimit: d.perCustomerLimit,
  usedCount: d.usedCount,
  active: d.active,
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
});

// ---- tax rates ----

export class PutTaxRateDto {
  @ApiProperty({ example: 825, description: 'Basis points: 825 = 8.25 %' }) @IsInt() @Min(0) @Max(10_000) rateBps!: number;
}

export class CountryParam {
  @ApiProperty({ example: 'US' }) @Transform(upper) @IsISO31661Alpha2() country!: string;
}

export class TaxRateResponse {
  @ApiProperty({ example: 'US' }) country!: string;
  @ApiProperty({ example: 825 }) rateBps!: number;
  @ApiProperty() updatedAt!: Date;
}
export class TaxRateEnvelope {
  @ApiProperty({ type: TaxRateResponse }) taxRate!: TaxRateResponse;
}
export class TaxRateList {
  @ApiProperty({ type: [TaxRateResponse] }) taxRates!: TaxRateResponse[];
  @ApiProperty() count!: number;
  @ApiProperty({ description: 'DEFAULT_TAX_RATE_BPS, used where no country rate is set' }) defaultRateBps!: number;
}

export const toTaxRateResponse = (t: TaxRate): TaxRateResponse => ({ country: t.country, rateBps: t.rateBps, updatedAt: t.updatedAt });
