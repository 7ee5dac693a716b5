import { Controller, Get, HttpStatus } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Operation } from '../openapi/operation.decorator';
import { InjectDataSource } from '@nestjs/typeorm';
import { Reply, type ApiReply } from '../http/http-exchange';
import type { DataSource } from 'typeorm';
import { pingDatabase } from '@retain/persistence';
import { Public } from '../auth/roles.decorator';
import { TemporalClientProvider } from '../temporal/temporal-client.provider';

type Check = { status: 'up' | 'down'; latencyMs: number; error?: string };

export class HealthCheckView {
  @ApiProperty({ enum: ['up', 'down'] }) status!: string;
  @ApiPropertyOptional() latencyMs?: number;
  @ApiPropertyOptional() error?: string;
}

export class HealthChecksView {
  @ApiProperty({ type: HealthCheckView }) api!: HealthCheckView;
  @ApiProperty({ type: HealthCheckView }) database!: HealthCheckView;
  @ApiProperty({ type: HealthCheckView }) temporal!: HealthCheckView;
}

export class HealthView {
  @ApiProperty({ enum: ['ok', 'degraded'] }) status!: string;
  @ApiProperty({ type: HealthChecksView }) checks!: HealthChecksView;
}

async function check(probe: () => Promise<unknown>): Promise<Check> {
  const started = Date.now();
  try {
    await probe();
    return { status: 'up', latencyMs: Date.now() - started };
  } catch (error) {
    return {
      status: 'down',
      latencyMs: Date.now() - started,
      error: error instanceof Error ? error.message : String(error),
    };
  }
}

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly temporal: TemporalClientProvider,
  ) {}

  @Get()
  @Public()
  @Operation({
    id: 'getHealth',
    summary: 'Liveness and readiness of the API, PostgreSQL and Temporal',
    ok: { status: 200, type: HealthView, description: 'Everything is ready' },
    also: { status: 503, description: 'A dependency is down; the body says which' },
    public: true,
  })
  async health(@Reply() res: ApiReply): Promise<HealthView> {
    const [database, temporal] = await Promise.all([
      check(() => pingDatabase(this.dataSource)),
      check(() => this.temporal.ping(2_000)),
    ]);
    const ready = database.status === 'up' && temporal.status === 'up';
    res.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status: ready ? 'ok' : 'degraded', checks: { api: { status: 'up' }, database, temporal } };
  }
}
