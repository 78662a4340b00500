import { Body, Controller, Get, Headers, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import { type AuthUser, CurrentUser, Public } from '../common/auth/auth.decorators';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { CustomersService } from '../customers/customers.service';
import { CustomerEnvelope, toCustomerResponse } from '../customers/dto/customer.dto';
import { AuthService } from './auth.service';
import { AuthResponse, LoginDto, RefreshDto, RegisterDto, TokensResponse } from './dto/auth.dto';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly customers: CustomersService,
  ) {}

  @Public()
  @UseGuards(ThrottlerGuard)
  @Post('register')
  @ApiCreatedResponse({ type: AuthResponse })
  @ApiErrors(400, 409, 429)
  register(@Body() dto: RegisterDto, @Headers('x-session-id') sessionId?: string): Promise<AuthResponse> {
    return this.auth.register(dto, sessionId);
  }

  @Public()
  @UseGuards(ThrottlerGuard)
  @Post('login')
  @HttpCode(200)
  @ApiOkResponse({ type: AuthResponse })
  @ApiErrors(400, 401, 429)
  login(@Body() dto: LoginDto, @Headers('x-session-id') sessionId?: string): Promise<AuthResponse> {
    return this.auth.login(dto, sessionId);
  }

  @Public()
  @UseGuards(ThrottlerGuard)
  @Post('refresh')
  @HttpCode(200)
  @ApiOkResponse({ type: TokensResponse })
  @ApiErrors(400, 401, 429)
  refresh(@Body() dto: RefreshDto): Promise<TokensResponse> {
    return this.auth.refresh(dto.refreshToken);
  }

  @ApiBearerAuth()
  @Get('me')
  @ApiOkResponse({ type: CustomerEnvelope })
  @ApiErrors(401)
  async me(@CurrentUser() user: AuthUser): Promise<CustomerEnvelope> {
    return { customer: toCustomerResponse(await this.customers.getSelf(user.id)) };
  }
}
