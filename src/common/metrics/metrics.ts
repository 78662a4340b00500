import { Controller, Get, Header, Injectable, Module } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../http/api-errors.decorator';
import { Public } from '../auth/auth.decorators';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';

interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** One registry per app instance (tests build several apps in one process). */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route template and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  constructor(ds: DataSource) {
    collectDefaultMetrics({ register: this.registry });
    const pool = () => (ds.driver as unknown as { master?: PgPool }).master;
    const gauge = (name: string, help: string, read: (p: PgPool) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          const p = pool();
          this.set(p ? read(p) : 0);
        },
      });
    gauge('db_pool_connections_total', 'Connections open in the PostgreSQL pool', (p) => p.totalCount);
    gauge('db_pool_connections_idle', 'Idle connections in the PostgreSQL pool', (p) => p.idleCount);
    gauge('db_pool_requests_waiting', 'Queries waiting for a pooled connection', (p) => p.waitingCount);
  }
}

/**
 * Called from a Fastify `onResponse` hook (app.setup.ts), i.e. once the response has been sent in full. The route
 * template (`/api/products/:id`), never the raw URL, keeps label cardinality bounded; `unmatched` for the 404s.
 */
export function observeHttpMetrics(metrics: Metrics, req: FastifyRequest, reply: FastifyReply): void {
  const route = req.is404 ? 'unmatched' : (req.routeOptions.url ?? 'unmatched');
  metrics.httpDuration.observe({ method: req.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
}

@Public()
@ApiTags('health')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get()
  @ApiOperation({ summary: 'Prometheus metrics (unauthenticated: expose on an internal network only)' })
  @ApiOkResponse({ description: 'Prometheus text exposition format 0.0.4', content: { 'text/plain': { schema: { type: 'string' }, example: 'http_request_duration_seconds_count{method="GET",route="/api/products",status_code="200"} 3' } } })
  @ApiErrors(500)
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}

@Module({ providers: [Metrics], controllers: [MetricsController], exports: [Metrics] })
export class MetricsModule {}
