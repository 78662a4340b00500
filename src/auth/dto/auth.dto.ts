import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsNotEmpty, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { CustomerResponse } from '../../customers/dto/customer.dto';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class RegisterDto {
  @ApiProperty({ example: 'ada@example.com' }) @Transform(trim) @IsEmail() @MaxLength(254) email!: string;
  @ApiProperty({ example: 'correct horse battery', minLength: 8 }) @IsString() @MinLength(8) @MaxLength(200) password!: string;
  @ApiProperty({ example: 'Ada Lovelace' }) @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(200) name!: string;
  @ApiPropertyOptional({ example: '+44 20 7946 0000' })
  @IsOptional() @Matches(/^\+?[0-9 ()-]{5,32}$/, { message: 'phone must be a phone number' })
  phone?: string;
}

export class LoginDto {
  @ApiProperty({ example: 'ada@example.com' }) @Transform(trim) @IsEmail() @MaxLength(254) email!: string;
  @ApiProperty({ example: 'correct horse battery' }) @IsString() @IsNotEmpty() @MaxLength(200) password!: string;
}

export class RefreshDto {
  @ApiProperty({ description: 'The refresh token from login, register or the previous refresh' })
  @IsString() @IsNotEmpty() @MaxLength(200)
  refreshToken!: string;
}

export class TokensResponse {
  @ApiProperty() accessToken!: string;
  @ApiProperty({ description: 'Single use: each refresh returns a new one' }) refreshToken!: string;
  @ApiProperty({ example: 'Bearer' }) tokenType!: 'Bearer';
  @ApiProperty({ description: 'Access token lifetime in seconds', example: 900 }) expiresIn!: number;
}

export class AuthResponse extends TokensResponse {
  @ApiProperty({ type: CustomerResponse }) customer!: CustomerResponse;
}
