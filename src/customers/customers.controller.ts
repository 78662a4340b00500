import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
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
  @ApiOkResponse({ type: CustomerEnvelope })
  @ApiErrors(401)
  async me(@CurrentUser() user: AuthUser): Promise<CustomerEnvelope> {
    return { customer: toCustomerResponse(await this.customers.getSelf(user.id)) };
  }

  @Patch()
  @ApiOkResponse({ type: CustomerEnvelope })
  @ApiErrors(400, 401)
  async update(@CurrentUser() user: AuthUser, @Body() dto: UpdateMeDto): Promise<CustomerEnvelope> {
    return { customer: toCustomerResponse(await this.customers.updateMe(user.id, dto)) };
  }

  @Get('addresses')
  @ApiOkResponse({ type: AddressListResponse })
  @ApiErrors(401)
  async addresses(@CurrentUser() user: AuthUser): Promise<AddressListResponse> {
    const list = await this.customers.listAddresses(user.id);
    return { addresses: list.map(toAddressResponse), count: list.length };
  }

  @Post('addresses')
  @ApiCreatedResponse({ type: AddressEnvelope })
  @ApiErrors(400, 401)
  async addAddress(@CurrentUser() user: AuthUser, @Body() dto: AddressDto): Promise<AddressEnvelope> {
    return { address: toAddressResponse(await this.customers.addAddress(user.id, dto)) };
  }

  @Patch('addresses/:id')
  @ApiOkResponse({ type: AddressEnvelope })
  @ApiErrors(400, 401, 404)
  async updateAddress(
    @CurrentUser() user: AuthUser,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateAddressDto,
  ): Promise<AddressEnvelope> {
    return { address: toAddressResponse(await this.customers.updateAddress(user.id, id, dto)) };
  }

  @Delete('addresses/:id')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiErrors(400, 401, 404)
  async deleteAddress(@CurrentUser() user: AuthUser, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.customers.deleteAddress(user.id, id);
  }
}
