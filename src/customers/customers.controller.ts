import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type AuthUser, CurrentUser } from '../common/auth/auth.decorators';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { CustomersService } from './customers.service';
import { AddressDto, AddressEnvelope, AddressListResponse, toAddressResponse, UpdateAddressDto } from './dto/address.dto';
import { CustomerEnvelope, toCustomerResponse, UpdateMeDto } from './dto/customer.dto';

@ApiTags('customers')
@ApiBearerAuth()
@Controller('customers/me')
export class CustomersController {
  constructor(private readonly customers: CustomersService) {}

  @Get()
  @ApiOperation({ summary: 'The signed-in customer’s profile' })
  @ApiOkResponse({ type: CustomerEnvelope })
  @ApiErrors(401)
  async me(@CurrentUser() user: AuthUser): Promise<CustomerEnvelope> {
    return { customer: toCustomerResponse(await this.customers.getSelf(user.id)) };
  }

  @Patch()
  @ApiOperation({ summary: 'Update name or phone' })
  @ApiOkResponse({ type: CustomerEnvelope })
  @ApiErrors('VALIDATION_FAILED', 401)
  async update(@CurrentUser() user: AuthUser, @Body() dto: UpdateMeDto): Promise<CustomerEnvelope> {
    return { customer: toCustomerResponse(await this.customers.updateMe(user.id, dto)) };
  }

  @Get('addresses')
  @ApiOperation({ summary: 'The address book, newest first' })
  @ApiOkResponse({ type: AddressListResponse })
  @ApiErrors(401)
  async addresses(@CurrentUser() user: AuthUser): Promise<AddressListResponse> {
    const list = await this.customers.listAddresses(user.id);
    return { addresses: list.map(toAddressResponse), count: list.length };
  }

  @Post('addresses')
  @ApiOperation({ summary: 'Add an address' })
  @ApiCreatedResponse({ type: AddressEnvelope })
  @ApiErrors('VALIDATION_FAILED', 401)
  async addAddress(@CurrentUser() user: AuthUser, @Body() dto: AddressDto): Promise<AddressEnvelope> {
    return { address: toAddressResponse(await this.customers.addAddress(user.id, dto)) };
  }

  @Patch('addresses/:id')
  @ApiOperation({ summary: 'Update an address (`null` clears an optional field)' })
  @ApiOkResponse({ type: AddressEnvelope })
  @ApiErrors('VALIDATION_FAILED', 'BAD_REQUEST', 401, 'ADDRESS_NOT_FOUND')
  async updateAddress(
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateAddressDto,
  ): Promise<AddressEnvelope> {
    return { address: toAddressResponse(await this.customers.updateAddress(user.id, id, dto)) };
  }

  @Delete('addresses/:id')
  @ApiOperation({ summary: 'Delete an address' })
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiErrors('BAD_REQUEST', 401, 'ADDRESS_NOT_FOUND')
  async deleteAddress(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.customers.deleteAddress(user.id, id);
  }
}
