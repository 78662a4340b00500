import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import { Public } from '../common/auth/auth.decorators';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { CustomersService } from './customers.service';
import { ClaimDto, ClaimedResponse, ClaimRequestDto, ClaimRequestedResponse } from './dto/claim.dto';
import { toCustomerResponse } from './dto/customer.dto';

export const CLAIM_REQUESTED_MESSAGE = 'If this email belongs to a guest account, a link to claim it is on its way.';

/**
 * Account claiming for guests. Public and rate limited per client IP (AUTH_RATE_LIMIT per
 * AUTH_RATE_TTL_SECONDS, counted per route).
 */
@ApiTags('customers')
@Controller('customers/claim')
export class ClaimsController {
  constructor(private readonly customers: CustomersService) {}

  @Public()
  @UseGuards(ThrottlerGuard)
  @Post('request')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: ClaimRequestedResponse, description: 'Always, whether or not the email belongs to a guest' })
  @ApiErrors(400, 429)
  async request(@Body() dto: ClaimRequestDto): Promise<ClaimRequestedResponse> {
    await this.customers.requestClaim(dto.email);
    return { message: CLAIM_REQUESTED_MESSAGE };
  }

  @Public()
  @UseGuards(ThrottlerGuard)
  @Post()
  @HttpCode(200)
  @ApiOkResponse({ type: ClaimedResponse, description: 'Claimed: the account has a password now; log in with it' })
  @ApiErrors(400, 429)
  async claim(@Body() dto: ClaimDto): Promise<ClaimedResponse> {
    return { customer: toCustomerResponse(await this.customers.claimAccount(dto)) };
  }
}
