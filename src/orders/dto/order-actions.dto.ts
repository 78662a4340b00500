import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

export class CancelOrderDto {
  @ApiPropertyOptional({ maxLength: 500 }) @IsOptional() @IsString() @MaxLength(500) reason?: string;
}

export class RefundOrderDto {
  @ApiPropertyOptional({ description: 'Minor units; default: everything not yet refunded' }) @IsOptional() @IsInt() @Min(1) @Max(2_000_000_000) amount?: number;
  @ApiPropertyOptional({ maxLength: 200 }) @IsOptional() @IsString() @MaxLength(200) reason?: string;
  @ApiPropertyOptional({ default: false, description: 'Put every unit still sold for this order back in stock' }) @IsOptional() @IsBoolean() restock?: boolean;
}
