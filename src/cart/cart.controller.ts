import { Body, Controller, Delete, Get, Headers, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
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
@ApiSecurity({}) // anonymous: GET and DELETE answer an empty cart, the first POST /items creates a guest cart
@ApiSecurity('guest-session')
@ApiBearerAuth()
@ApiHeader({ name: SESSION_HEADER, required: false, description: 'Guest cart session, as issued by the first cart write' })
@OptionalAuth()
@Controller('cart')
export class CartController {
  constructor(private readonly carts: CartService) {}

  private envelope(res: FastifyReply, w: CartWrite): CartEnvelope {
    if (!w.issuedSessionId) return { cart: w.cart };
    void res.header(SESSION_HEADER, w.issuedSessionId);
    return { cart: w.cart, sessionId: w.issuedSessionId };
  }

  @Get()
  @ApiOperation({ summary: 'The caller’s cart: live prices, availability, totals estimate' })
  @ApiOkResponse({ type: CartEnvelope })
  @ApiErrors('VALIDATION_FAILED', 'INVALID_SESSION_ID', 401, 'CART_SESSION_NOT_FOUND', 'DELIVERY_METHOD_NOT_FOUND')
  async get(@CurrentUser() user: AuthUser | undefined, @Headers('x-session-id') session: string | undefined, @Query() q: CartQuery): Promise<CartEnvelope> {
    return { cart: await this.carts.view(this.carts.owner(user?.id, session), q) };
  }

  @Post('items')
  @ApiOperation({ summary: 'Add an item; a guest’s first add creates the cart and issues its X-Session-Id' })
  @ApiCreatedResponse({
    type: CartEnvelope,
    headers: { 'X-Session-Id': { description: 'Only when this request created a guest cart: its new session id (also `sessionId` in the body)', schema: { type: 'string' } } },
  })
  @ApiErrors('VALIDATION_FAILED', 'VARIANT_REQUIRED', 'INSUFFICIENT_STOCK', 'QUANTITY_LIMIT', 'CART_FULL', 'INVALID_SESSION_ID', 401, 'PRODUCT_NOT_FOUND', 'VARIANT_NOT_FOUND', 'CART_SESSION_NOT_FOUND')
  async add(
    @CurrentUser() user: AuthUser | undefined,
    @Headers('x-session-id') session: string | undefined,
    @Body() dto: AddCartItemDto,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<CartEnvelope> {
    return this.envelope(res, await this.carts.addItem(this.carts.owner(user?.id, session), dto, dto.quantity));
  }

  @Patch('items/:id')
  @ApiOperation({ summary: 'Change a line’s quantity (0 removes it)' })
  @ApiOkResponse({ type: CartEnvelope })
  @ApiErrors('VALIDATION_FAILED', 'BAD_REQUEST', 'INSUFFICIENT_STOCK', 'QUANTITY_LIMIT', 'VARIANT_UNAVAILABLE', 'INVALID_SESSION_ID', 401, 'CART_ITEM_NOT_FOUND', 'CART_NOT_FOUND', 'CART_SESSION_NOT_FOUND')
  async update(
    @CurrentUser() user: AuthUser | undefined,
    @Headers('x-session-id') session: string | undefined,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateCartItemDto,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<CartEnvelope> {
    return this.envelope(res, await this.carts.updateItem(this.carts.owner(user?.id, session), id, dto.quantity));
  }

  @Delete('items/:id')
  @ApiOperation({ summary: 'Remove a line' })
  @ApiOkResponse({ type: CartEnvelope })
  @ApiErrors('BAD_REQUEST', 'INVALID_SESSION_ID', 401, 'CART_ITEM_NOT_FOUND', 'CART_NOT_FOUND', 'CART_SESSION_NOT_FOUND')
  async remove(
    @CurrentUser() user: AuthUser | undefined,
    @Headers('x-session-id') session: string | undefined,
    @Param('id', ParseUUIDPipe) id: string,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<CartEnvelope> {
    return this.envelope(res, await this.carts.removeItem(this.carts.owner(user?.id, session), id));
  }

  @Delete()
  @ApiOperation({ summary: 'Empty the cart and drop its discount code' })
  @ApiOkResponse({ type: CartEnvelope })
  @ApiErrors('INVALID_SESSION_ID', 401, 'CART_SESSION_NOT_FOUND')
  async clear(@CurrentUser() user: AuthUser | undefined, @Headers('x-session-id') session: string | undefined): Promise<CartEnvelope> {
    return { cart: await this.carts.clear(this.carts.owner(user?.id, session)) };
  }

  @Post('discount')
  @ApiOperation({ summary: 'Apply a discount code' })
  @HttpCode(200)
  @ApiOkResponse({ type: CartEnvelope })
  @ApiErrors('VALIDATION_FAILED', 'INVALID_DISCOUNT_CODE', 'INVALID_SESSION_ID', 401, 'CART_NOT_FOUND', 'CART_SESSION_NOT_FOUND')
  async applyDiscount(
    @CurrentUser() user: AuthUser | undefined,
    @Headers('x-session-id') session: string | undefined,
    @Body() dto: ApplyDiscountDto,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<CartEnvelope> {
    return this.envelope(res, await this.carts.applyDiscount(this.carts.owner(user?.id, session), dto.code));
  }

  @Delete('discount')
  @ApiOperation({ summary: 'Remove the discount code' })
  @ApiOkResponse({ type: CartEnvelope })
  @ApiErrors('INVALID_SESSION_ID', 401, 'CART_NOT_FOUND', 'CART_SESSION_NOT_FOUND')
  async removeDiscount(
    @CurrentUser() user: AuthUser | undefined,
    @Headers('x-session-id') session: string | undefined,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<CartEnvelope> {
    return this.envelope(res, await this.carts.removeDiscount(this.carts.owner(user?.id, session)));
  }
}
