import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsISO31661Alpha2, IsNotEmpty, IsOptional, IsString, Matches, MaxLength, ValidateIf } from 'class-validator';
import type { Address } from '../address.entity';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const upper = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toUpperCase() : value);
const PHONE = /^\+?[0-9 ()-]{5,32}$/;

/**
 * May be left out of a PATCH, but not sent as `null`: unlike `@IsOptional()` (which also skips `null`),
 * a `null` is validated and rejected, instead of reaching a NOT NULL column as a 500.
 */
export const OmittableNotNull = () => ValidateIf((_: object, v: unknown) => v !== undefined);

export class AddressDto {
  @ApiProperty({ example: 'Ada Lovelace' }) @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(200) name!: string;
  @ApiProperty({ example: '12 Analytical Row' }) @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(300) street!: string;
  @ApiProperty({ example: 'London' }) @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(120) city!: string;
  @ApiPropertyOptional({ example: 'Greater London' }) @IsOptional() @Transform(trim) @IsString() @MaxLength(120) state?: string;
  @ApiProperty({ example: 'EC1A 1BB' }) @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(20) postalCode!: string;
  @ApiPropertyOptional() @IsOptional() @Transform(trim) @IsString() @MaxLength(120) district?: string;
  @ApiProperty({ example: 'GB', description: 'ISO 3166-1 alpha-2' }) @Transform(upper) @IsISO31661Alpha2() country!: string;
  @ApiPropertyOptional({ example: '+44 20 7946 0000' }) @IsOptional() @Matches(PHONE, { message: 'phone must be a phone number' }) phone?: string;
}

/** Partial update. Required fields may be omitted but not nulled; `null` clears `state`, `district` and `phone`. */
export class UpdateAddressDto {
  @ApiPropertyOptional({ example: 'Ada Lovelace' }) @OmittableNotNull() @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(200) name?: string;
  @ApiPropertyOptional({ example: '12 Analytical Row' }) @OmittableNotNull() @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(300) street?: string;
  @ApiPropertyOptional({ example: 'London' }) @OmittableNotNull() @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(120) city?: string;
  @ApiPropertyOptional({ example: 'Greater London', nullable: true, type: String, description: 'null clears it' })
  @IsOptional() @Transform(trim) @IsString() @MaxLength(120) state?: string | null;
  @ApiPropertyOptional({ example: 'EC1A 1BB' }) @OmittableNotNull() @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(20) postalCode?: string;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'null clears it' })
  @IsOptional() @Transform(trim) @IsString() @MaxLength(120) district?: string | null;
  @ApiPropertyOptional({ example: 'GB', description: 'ISO 3166-1 alpha-2' }) @OmittableNotNull() @Transform(upper) @IsISO31661Alpha2() country?: string;
  @ApiPropertyOptional({ example: '+44 20 7946 0000', nullable: true, type: String, description: 'null clears it' })
  @IsOptional() @Matches(PHONE, { message: 'phone must be a phone number' }) phone?: string | null;
}

export class AddressResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() street!: string;
  @ApiProperty() city!: string;
  @ApiProperty({ nullable: true, type: String }) state!: string | null;
  @ApiProperty() postalCode!: string;
  @ApiProperty({ nullable: true, type: String }) district!: string | null;
  @ApiProperty() country!: string;
  @ApiProperty({ nullable: true, type: String }) phone!: string | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class AddressEnvelope {
  @ApiProperty({ type: AddressResponse }) address!: AddressResponse;
}

export class AddressListResponse {
  @ApiProperty({ type: [AddressResponse] }) addresses!: AddressResponse[];
  @ApiProperty() count!: number;
}

export const toAddressResponse = (a: Address): AddressResponse => ({
  id: a.id,
  name: a.name,
  street: a.street,
  city: a.city,
  state: a.state,
  postalCode: a.postalCode,
  district: a.district,
  country: a.country,
  phone: a.phone,
  createdAt: a.createdAt,
  updatedAt: a.updatedAt,
});
