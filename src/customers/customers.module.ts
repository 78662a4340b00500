import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Address } from './address.entity';
import { Customer } from './customer.entity';
import { CustomersController } from './customers.controller';
import { CustomersRepository } from './customers.repository';
import { CustomersService } from './customers.service';
import { PasswordHasher } from './password-hasher';
import { AdminBootstrap } from './admin-bootstrap';

@Module({
  imports: [TypeOrmModule.forFeature([Customer, Address])],
  controllers: [CustomersController],
  providers: [CustomersService, CustomersRepository, PasswordHasher, AdminBootstrap],
  exports: [CustomersService],
})
export class CustomersModule {}
