import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config';
import { dataSourceOptions } from './data-source';
import { TxRunner } from './tx';

/**
 * The connection. `database.url` is always set by the time the app is built: main.ts starts embedded
 * PostgreSQL and applies migrations first (tests do the same in their global setup).
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        if (!config.database.url) throw new Error('DATABASE_URL is not set (main.ts sets it when starting embedded PostgreSQL)');
        return { ...dataSourceOptions(config.database.url, config.database.poolSize, config.database.replicaUrls, config.database.preparedStatements), autoLoadEntities: true };
      },
    }),
  ],
  providers: [TxRunner],
  exports: [TxRunner],
})
export class DatabaseModule {}
