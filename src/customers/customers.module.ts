import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Address } from './address.entity';
import { ClaimToken } from './claim-token.entity';
import { ClaimsController } from './claims.controller';
import { ClaimsRepository } from './claims.repository';
import { ClaimsService } from './claims.service';
import { Customer } from './customer.entity';
import { CustomersController } from './customers.controller';
import { CustomersRepository } from './customers.repository';
import { CustomersService } from './customers.service';
import { PasswordHasher } from './password-hasher';
import { AdminBootstrap } from './admin-bootstrap';

@Module({
  imports: [TypeOrmModule.forFeature([Customer, Address, ClaimToken])],
  controllers: [CustomersController, ClaimsController],
  providers: [CustomersService, CustomersRepository, PasswordHasher, AdminBootstrap, ClaimsService, ClaimsRepository],
  exports: [CustomersService],
})
export class CustomersModule {}
