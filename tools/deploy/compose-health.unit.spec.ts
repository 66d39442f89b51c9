/**
 * docker-compose.yml starts nothing before what it needs is healthy: every long-running service
 * has a healthcheck (the services' `/health/ready`, NATS' monitoring port) and waits on its
 * dependencies with `condition: service_healthy`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

interface ComposeService {
  profiles?: string[];
  restart?: string;
  healthcheck?: { test?: string[] | string };
  depends_on?: Record<string, { condition?: string }> | string[];
}

const compose = parse(readFileSync(join(__dirname, '..', '..', 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };
const longRunning = Object.entries(compose.services).filter(([, service]) => service.restart !== 'no');

describe('docker-compose.yml health', () => {
  it.each(longRunning.map(([name]) => name))('%s has a healthcheck', (name) => {
    const test = compose.services[name].healthcheck?.test;
    expect(Array.isArray(test) ? test.join(' ') : test).toBeTruthy();
  });

  it.each(Object.keys(compose.services))('%s waits for its dependencies to be healthy', (name) => {
    const dependsOn = compose.services[name].depends_on ?? {};
    expect(Array.isArray(dependsOn)).toBe(false);
    for (const [dependency, rule] of Object.entries(dependsOn)) expect({ dependency, condition: rule.condition }).toEqual({ dependency, condition: 'service_healthy' });
  });

  it('checks the services on their /health/ready and NATS on its monitoring port', () => {
    const readyChecks = longRunning.filter(([name]) => !['postgres', 'nats', 'nats-1', 'nats-2', 'nats-3', 'stripe-standin'].includes(name));
    for (const [name, service] of readyChecks) expect({ name, test: JSON.stringify(service.healthcheck?.test) }).toEqual({ name, test: expect.stringContaining('/health/ready') });
    expect(JSON.stringify(compose.services['stripe-standin'].healthcheck?.test)).toContain('/test/health');
    expect(JSON.stringify(compose.services['nats'].healthcheck?.test)).toContain(':8222/healthz');
  });
});
