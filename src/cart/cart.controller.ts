import { Body, Controller, Delete, Get, Headers, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { type AuthUser, CurrentUser, OptionalAuth } from '../common/auth/auth.decorators';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { type CartWrite, CartService } from './cart.service';
import { AddCartItemDto, ApplyDiscountDto, CartEnvelope, CartQuery, UpdateCartItemDto } from './dto/cart.dto';

const SESSION_HEADER = 'X-Session-Id';

/**
 * The cart of the caller: a signed-in customer (Bearer token) or a guest (X-Session-Id). A guest's first
 * write creates the cart and returns its session id in the body and the X-Session-Id header.
 */
@ApiTags('cart')
@ApiBearerAuth()
@ApiSecurity('guest-session')
@ApiHeader({ name: SESSION_HEADER, required: false, description: 'Guest cart session, as issued by the first cart write' })
@OptionalAuth()
@Controller('cart')
export class CartController {
  constructor(private readonly carts: CartService) {}

  private envelope(res: Response, w: CartWrite): CartEnvelope {
    if (!w.issuedSessionId) return { cart: w.cart };
    res.setHeader(SESSION_HEADER, w.issuedSessionId);
    return { cart: w.cart, sessionId: w.issuedSessionId };
  }

  @Get()
  @ApiOkResponse({ type: CartEnvelope })
  @ApiErrors(400, 401, 404)
  async get(@CurrentUser() user: AuthUser | undefined, @Headers('x-session-id') session: string | undefined, @Query() q: CartQuery): Promise<CartEnvelope> {
    return { cart: await this.carts.view(this.carts.owner(user?.id, session), q) };
  }

  @Post('items')
  @ApiCreatedResponse({ type: CartEnvelope })
  @ApiErrors(400, 401, 404)
  async add(
    @CurrentUser() user: AuthUser | undefined,
    @Headers('x-session-id') session: string | undefined,
    @Body() dto: AddCartItemDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CartEnvelope> {
    return this.envelope(res, await this.carts.addItem(this.carts.owner(user?.id, session), dto, dto.quantity));
  }

  @Patch('items/:id')
  @ApiOkResponse({ type: CartEnvelope })
  @ApiErrors(400, 401, 404)
  async update(
    @CurrentUser() user: AuthUser | undefined,
    @Headers('x-session-id') session: string | undefined,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateCartItemDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CartEnvelope> {
    return this.envelope(res, await this.carts.updateItem(this.carts.owner(user?.id, session), id, dto.quantity));
  }

  @Delete('items/:id')
  @ApiOkResponse({ type: CartEnvelope })
  @ApiErrors(400, 401, 404)
  async remove(
    @CurrentUser() user: AuthUser | undefined,
    @Headers('x-session-id') session: string | undefined,
    @Param('id', ParseUUIDPipe) id: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CartEnvelope> {
    return this.envelope(res, await this.carts.removeItem(this.carts.owner(user?.id, session), id));
  }

  @Delete()
  @ApiOkResponse({ type: CartEnvelope })
  @ApiErrors(400, 401, 404)
  async clear(@CurrentUser() user: AuthUser | undefined, @Headers('x-session-id') session: string | undefined): Promise<CartEnvelope> {
    return { cart: await this.carts.clear(this.carts.owner(user?.id, session)) };
  }

  @Post('discount')
  @HttpCode(200)
  @ApiOkResponse({ type: CartEnvelope })
  @ApiErrors(400, 401, 404)
  async applyDiscount(
    @CurrentUser() user: AuthUser | undefined,
    @Headers('x-session-id') session: string | undefined,
    @Body() dto: ApplyDiscountDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CartEnvelope> {
    return this.envelope(res, await this.carts.applyDiscount(this.carts.owner(user?.id, session), dto.code));
  }

  @Delete('discount')
  @ApiOkResponse({ type: CartEnvelope })
  @ApiErrors(400, 401, 404)
  async removeDiscount(
    @CurrentUser() user: AuthUser | undefined,
    @Headers('x-session-id') session: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CartEnvelope> {
    return this.envelope(res, await this.carts.removeDiscount(this.carts.owner(user?.id, session)));
  }
}
