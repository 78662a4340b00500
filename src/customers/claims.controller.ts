import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
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
  @ApiOperation({ summary: 'Email a claim link to a guest account (always 202, whoever the email belongs to)' })
  @HttpCode(202)
  @ApiAcceptedResponse({ type: ClaimRequestedResponse, description: 'Always, whether or not the email belongs to a guest' })
  @ApiErrors('VALIDATION_FAILED', 'RATE_LIMITED')
  async request(@Body() dto: ClaimRequestDto): Promise<ClaimRequestedResponse> {
    await this.customers.requestClaim(dto.email);
    return { message: CLAIM_REQUESTED_MESSAGE };
  }

  @Public()
  @UseGuards(ThrottlerGuard)
  @Post()
  @ApiOperation({ summary: 'Claim a guest account with the emailed token: sets the password' })
  @HttpCode(200)
  @ApiOkResponse({ type: ClaimedResponse, description: 'Claimed: the account has a password now; log in with it' })
  @ApiErrors('VALIDATION_FAILED', 'INVALID_CLAIM_TOKEN', 'RATE_LIMITED')
  async claim(@Body() dto: ClaimDto): Promise<ClaimedResponse> {
    return { customer: toCustomerResponse(await this.customers.claimAccount(dto)) };
  }
}
