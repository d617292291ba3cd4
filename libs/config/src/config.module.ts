import { Module, type DynamicModule } from '@nestjs/common';
import { NODE_CONFIG, type NodeConfig } from './node-config';

/**
 * Provides the validated configuration. It is the one global module: every context reads its own
 * section from the same validated object, and config is loaded before the container exists.
 */
@Module({})
export class ConfigModule {
  static forRoot(config: NodeConfig): DynamicModule {
    return {
      module: ConfigModule,
      global: true,
      providers: [{ provide: NODE_CONFIG, useValue: config }],
      exports: [NODE_CONFIG],
    };
  }
}
