import { Module } from '@nestjs/common';

/** Placeholder until its issue lands. */
@Module({})
export class InventoryModule {}
