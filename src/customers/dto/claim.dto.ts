import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsNotEmpty, IsString, MaxLength, MinLength } from 'class-validator';
import { CustomerResponse } from './customer.dto';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class ClaimRequestDto {
  @ApiProperty({ example: 'ada@example.com' }) @Transform(trim) @IsEmail() @MaxLength(254) email!: string;
}

export class ClaimDto {
  @ApiProperty({ example: 'ada@example.com', description: 'The guest email the claim link was sent to' })
  @Transform(trim) @IsEmail() @MaxLength(254)
  email!: string;

  @ApiProperty({ description: 'The token from the claim link (single use, expiring)' })
  @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(200)
  token!: string;

  @ApiProperty({ example: 'correct horse battery', minLength: 8 }) @IsString() @MinLength(8) @MaxLength(200) newPassword!: string;
}

export class ClaimRequestedResponse {
  @ApiProperty({ example: 'If this email belongs to a guest account, a link to claim it is on its way.' }) message!: string;
}

export class ClaimedResponse {
  @ApiProperty({ type: CustomerResponse }) customer!: CustomerResponse;
}
