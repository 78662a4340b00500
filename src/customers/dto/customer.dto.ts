import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsNotEmpty, IsOptional, IsString, Matches, MaxLength, ValidateIf } from 'class-validator';
import { OmittableNotNull } from './address.dto';
import type { Customer } from '../customer.entity';

export class CustomerResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'ada@example.com' }) email!: string;
  @ApiProperty({ example: 'Ada Lovelace' }) name!: string;
  @ApiProperty({ nullable: true, type: String }) phone!: string | null;
  @ApiProperty({ enum: ['customer', 'admin'] }) role!: string;
  @ApiProperty() isGuest!: boolean;
  @ApiProperty() emailVerified!: boolean;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class CustomerEnvelope {
  @ApiProperty({ type: CustomerResponse }) customer!: CustomerResponse;
}

export class UpdateMeDto {
  @ApiPropertyOptional({ example: 'Ada King' })
  @OmittableNotNull() @Transform(({ value }) => (typeof value === 'string' ? value.trim() : value)) @IsString() @IsNotEmpty() @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ example: '+44 20 7946 0000', nullable: true, type: String, description: 'null clears it' })
  @ValidateIf((_, v) => v !== null) @IsOptional() @Matches(/^\+?[0-9 ()-]{5,32}$/, { message: 'phone must be a phone number' })
  phone?: string | null;
}

export const toCustomerResponse = (c: Customer): CustomerResponse => ({
  id: c.id,
  email: c.email,
  name: c.name,
  phone: c.phone,
  role: c.role,
  isGuest: c.isGuest,
  emailVerified: c.emailVerified,
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
});
