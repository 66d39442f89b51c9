import { Type } from 'class-transformer';
import { IsInt, Matches, Max, Min } from 'class-validator';
import { ConfigurationError, natsServersPattern, postgresUrlPattern, validateEnvironment } from './config';

class ExampleConfig {
  @Matches(postgresUrlPattern)
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/hub_x';

  @Matches(natsServersPattern)
  NATS_URL = 'nats://127.0.0.1:4222';

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  HTTP_PORT = 3000;
}

describe('validateEnvironment', () => {
  it('applies defaults and converts numbers', () => {
    expect(validateEnvironment(ExampleConfig, { HTTP_PORT: '8080' })).toMatchObject({ HTTP_PORT: 8080, NATS_URL: 'nats://127.0.0.1:4222' });
  });

  it.each([
    ['HTTP_PORT', 'abc', 'HTTP_PORT="abc"'],
    ['HTTP_PORT', '70000', 'HTTP_PORT="70000"'],
    ['DATABASE_URL', 'mysql://x/y', 'DATABASE_URL="mysql://x/y"'],
    ['NATS_URL', 'localhost:4222', 'NATS_URL="localhost:4222"'],
  ])('stops on a malformed %s, naming the variable and the value as given', (name, value, expected) => {
    expect(() => validateEnvironment(ExampleConfig, { [name]: value })).toThrow(ConfigurationError);
    expect(() => validateEnvironment(ExampleConfig, { [name]: value })).toThrow(expected);
  });

  it('names every bad variable at once', () => {
    let message = '';
    try {
      validateEnvironment(ExampleConfig, { HTTP_PORT: 'x', NATS_URL: 'y' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('HTTP_PORT');
    expect(message).toContain('NATS_URL');
  });
});
