import { Body, Controller, Get, Headers, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
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
  @ApiOperation({ summary: 'Create an account; a guest X-Session-Id sent along merges that cart' })
  @ApiHeader({ name: 'x-session-id', required: false, description: 'A guest cart session to merge into the new account' })
  @ApiCreatedResponse({ type: AuthResponse })
  @ApiErrors('VALIDATION_FAILED', 'EMAIL_TAKEN', 'ACCOUNT_CLAIM_REQUIRED', 'RATE_LIMITED')
  register(@Body() dto: RegisterDto, @Headers('x-session-id') sessionId?: string): Promise<AuthResponse> {
    return this.auth.register(dto, sessionId);
  }

  @Public()
  @UseGuards(ThrottlerGuard)
  @Post('login')
  @ApiOperation({ summary: 'Log in; a guest X-Session-Id sent along merges that cart' })
  @ApiHeader({ name: 'x-session-id', required: false, description: 'A guest cart session to merge into the customer’s cart' })
  @HttpCode(200)
  @ApiOkResponse({ type: AuthResponse })
  @ApiErrors('VALIDATION_FAILED', 'INVALID_CREDENTIALS', 'RATE_LIMITED')
  login(@Body() dto: LoginDto, @Headers('x-session-id') sessionId?: string): Promise<AuthResponse> {
    return this.auth.login(dto, sessionId);
  }

  @Public()
  @UseGuards(ThrottlerGuard)
  @Post('refresh')
  @ApiOperation({ summary: 'Exchange a refresh token (single use) for a new token pair' })
  @HttpCode(200)
  @ApiOkResponse({ type: TokensResponse })
  @ApiErrors('VALIDATION_FAILED', 'INVALID_REFRESH_TOKEN', 'REFRESH_TOKEN_REUSED', 'RATE_LIMITED')
  refresh(@Body() dto: RefreshDto): Promise<TokensResponse> {
    return this.auth.refresh(dto.refreshToken);
  }

  @ApiBearerAuth()
  @Get('me')
  @ApiOperation({ summary: 'The signed-in customer' })
  @ApiOkResponse({ type: CustomerEnvelope })
  @ApiErrors(401)
  async me(@CurrentUser() user: AuthUser): Promise<CustomerEnvelope> {
    return { customer: toCustomerResponse(await this.customers.getSelf(user.id)) };
  }
}
