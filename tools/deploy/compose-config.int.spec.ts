/**
 * docker-compose.yml is valid for Docker Compose (`docker compose config -q`, or the standalone
 * `docker-compose config -q`), with and without the `nats-cluster` profile. Where neither tool is
 * installed the test says so in its name and is skipped; it never passes without checking.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

/** The compose command on this machine: the Docker CLI plugin first, then the standalone binary; undefined when neither runs. */
function composeCommand(): string[] | undefined {
  for (const command of [['docker', 'compose'], ['docker-compose']]) {
    const probe = spawnSync(command[0], [...command.slice(1), 'version'], { encoding: 'utf8', timeout: 30_000 });
    if (probe.status === 0) return command;
  }
  return undefined;
}

const compose = composeCommand();
const check = compose ? it : it.skip;
const label = compose
  ? `${compose.join(' ')} config -q accepts docker-compose.yml, default and nats-cluster profiles`
  : 'docker compose config -q (skipped: neither `docker compose` nor `docker-compose` is installed here)';

describe('docker-compose.yml', () => {
  if (!compose) process.stderr.write('docker-compose.yml NOT checked: neither `docker compose` nor `docker-compose` is installed here\n');
  check(label, () => {
    for (const profile of [[], ['--profile', 'nats-cluster']]) {
      const result = spawnSync(compose![0], [...compose!.slice(1), '-f', join(root, 'docker-compose.yml'), ...profile, 'config', '-q'], {
        cwd: root, encoding: 'utf8', timeout: 60_000,
      });
      expect({ profile, status: result.status, stderr: result.stderr }).toEqual({ profile, status: 0, stderr: expect.not.stringMatching(/error/i) });
    }
  });
});
