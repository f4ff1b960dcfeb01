import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConsoleModule } from './console/console.module.js';
import { AuditModule } from './audit/audit.module.js';
import { AuthModule } from './auth/auth.module.js';
import { RolesGuard } from './http/roles.js';
import { COORDINATOR_OPTIONS, type ResolvedCoordinatorOptions } from './coordinator-options.js';
import { FederationModule } from './federation/federation.module.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { createDataSource, databaseOptions, isTransientDatabaseError } from './persistence/data-source.js';
import { StudiesModule } from './studies/studies.module.js';

@Module({})
export class AppModule {
  static forRoot(options: ResolvedCoordinatorOptions): DynamicModule {
    const optionsProvider = { provide: COORDINATOR_OPTIONS, useValue: options };
    return {
      module: AppModule,
      global: true,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => ({
            ...databaseOptions(options.database, options.databasePassword ?? undefined),
            // Nest retries 9 times, 3 s apart: worth it for a server still starting, not for a wrong password.
            toRetry: isTransientDatabaseError,
          }),
          // createDataSource gives the data source its database's column types (data-source.ts).
          dataSourceFactory: async (dataSourceOptions) => createDataSource(dataSourceOptions!),
        }),
        FederationModule,
        StudiesModule,
        AuditModule,
        AuthModule,
        ObservabilityModule,
        ConsoleModule,
      ],
      providers: [optionsProvider, { provide: APP_GUARD, useClass: RolesGuard }],
      exports: [optionsProvider],
    };
  }
}
