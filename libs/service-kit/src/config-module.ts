import { DynamicModule, Module, Type } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { validateEnvironment } from './config';

/**
 * Global configuration of a service: @nestjs/config validates `process.env` against `cls` at boot
 * (stopping the service with the variable named if one is wrong), and the validated, typed
 * instance is injectable as `cls` itself.
 */
@Module({})
export class ServiceConfigModule {
  static forRoot<T extends object>(cls: new () => T): DynamicModule {
    return {
      module: ServiceConfigModule,
      global: true,
      imports: [ConfigModule.forRoot({ ignoreEnvFile: true, validate: (env) => validateEnvironment(cls, env) })],
      providers: [{ provide: cls as Type<T>, useFactory: () => validateEnvironment(cls, process.env) }],
      exports: [cls as Type<T>],
    };
  }
}

/**
 * Validates the configuration before Nest starts, so a bad variable ends the process with one
 * clear message (exit code 78, EX_CONFIG) rather than a stack trace.
 */
export function loadConfigOrExit<T extends object>(service: string, cls: new () => T): T {
  try {
    return validateEnvironment(cls, process.env);
  } catch (error) {
    process.stderr.write(`${service}: ${(error as Error).message}\n`);
    process.exit(78);
  }
}
