import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IsOptional, Matches } from 'class-validator';
import { ConfigurationError, postgresUrlPattern, validateEnvironment } from './config';
import { IsSecret, publicSecretValues, readSecretSetting, secretProblem } from './secrets';

class SecretsConfig {
  @Matches(postgresUrlPattern)
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/hub_x';

  @IsSecret()
  SIGNING_SECRET!: string;

  @IsOptional()
  @IsSecret({ prefix: 'whsec_', lengthMin: 30 })
  WEBHOOK_SECRET?: string;

  @IsOptional()
  @IsSecret({ hashList: true })
  KEY_HASHES?: string;
}

const random = () => randomBytes(32).toString('base64url');

/** The boot message for `env`, or '' when it boots. */
function bootMessage(env: Record<string, string>): string {
  try {
    validateEnvironment(SecretsConfig, env);
    return '';
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
}

describe('secret settings', () => {
  it('boot with random values, given directly or by <NAME>_FILE', () => {
    const value = random();
    expect(validateEnvironment(SecretsConfig, { SIGNING_SECRET: value }).SIGNING_SECRET).toBe(value);
    const file = join(mkdtempSync(join(tmpdir(), 'secret-')), 'signing');
    writeFileSync(file, `${value}\n`, { mode: 0o600 });
    expect(validateEnvironment(SecretsConfig, { SIGNING_SECRET_FILE: file }).SIGNING_SECRET).toBe(value);
  });

  it('refuse to boot without the secret, naming the variable', () => {
    expect(bootMessage({})).toMatch(/SIGNING_SECRET=\(unset\): SIGNING_SECRET is not set/);
  });

  it.each([
    ['a former default', 'dev-only-portal-token-secret-change-me-0123456789'],
    ['an example placeholder', 'CHANGE_ME_at_least_32_characters_random'],
    ['another placeholder', 'please-change-me-before-production-0123456789'],
    ['a short value', 'abcdefghij0123456789'],
    ['a uniform value', 'a'.repeat(64)],
  ])('refuse %s, naming the variable and never printing the value', (_why, value) => {
    const message = bootMessage({ SIGNING_SECRET: value });
    expect(message).toContain('SIGNING_SECRET=(hidden)');
    expect(message).not.toContain(value);
  });

  it('refuse a published value with whitespace around it (a secret file with a blank last line)', () => {
    for (const value of ['another-secret-of-at-least-32-characters!\n', ' another-secret-of-at-least-32-characters! ', 'another-secret-of-at-least-32-characters!\t']) {
      expect(secretProblem('SIGNING_SECRET', value)).toMatch(/published in the repository/);
    }
    const file = join(mkdtempSync(join(tmpdir(), 'secret-')), 'signing');
    writeFileSync(file, 'another-secret-of-at-least-32-characters!\n\n');
    expect(bootMessage({ SIGNING_SECRET_FILE: file })).toContain('SIGNING_SECRET is a value published');
  });

  it('refuse a published webhook secret, a missing prefix, and both a value and a file', () => {
    const signing = random();
    expect(bootMessage({ SIGNING_SECRET: signing, WEBHOOK_SECRET: 'whsec_local_standin_secret' })).toMatch(/WEBHOOK_SECRET=\(hidden\): WEBHOOK_SECRET is a value published/);
    expect(bootMessage({ SIGNING_SECRET: signing, WEBHOOK_SECRET: random() })).toMatch(/WEBHOOK_SECRET must start with whsec_/);
    expect(bootMessage({ SIGNING_SECRET: signing, WEBHOOK_SECRET: `whsec_${random()}` })).toBe('');
    const file = join(mkdtempSync(join(tmpdir(), 'secret-')), 'signing');
    writeFileSync(file, random());
    expect(bootMessage({ SIGNING_SECRET: signing, SIGNING_SECRET_FILE: file })).toContain('SIGNING_SECRET and SIGNING_SECRET_FILE are both set');
    expect(bootMessage({ SIGNING_SECRET_FILE: join(tmpdir(), `missing-${random()}`) })).toMatch(/SIGNING_SECRET_FILE: cannot read .* \(ENOENT\)/);
  });

  it('refuse the hash of a published value in a hash list', () => {
    const signing = random();
    const own = createHash('sha256').update(random()).digest('hex');
    const published = createHash('sha256').update('CHANGE_ME').digest('hex');
    expect(bootMessage({ SIGNING_SECRET: signing, KEY_HASHES: own })).toBe('');
    expect(bootMessage({ SIGNING_SECRET: signing, KEY_HASHES: `${own},${published}` })).toContain('KEY_HASHES holds the hash of a value published');
    expect(bootMessage({ SIGNING_SECRET: signing, KEY_HASHES: 'CHANGE_ME_sha256_hex_of_each_operator_key' })).toContain('KEY_HASHES is a placeholder');
  });

  it("refuse a URL's placeholder password and never print a URL's password", () => {
    const signing = random();
    const placeholder = bootMessage({ SIGNING_SECRET: signing, DATABASE_URL: 'postgres://hub_x:CHANGE_ME@db.internal:5432/hub_x' });
    expect(placeholder).toContain('DATABASE_URL="postgres://hub_x:***@db.internal:5432/hub_x": DATABASE_URL carries a placeholder password');
    const password = random();
    expect(bootMessage({ SIGNING_SECRET: signing, DATABASE_URL: `postgres://hub_x:${password}@db.internal:5432/hub_x` })).toBe('');
    const malformed = bootMessage({ SIGNING_SECRET: signing, DATABASE_URL: `mysql://hub_x:${password}@db/x` });
    expect(malformed).toContain('DATABASE_URL="mysql://hub_x:***@db/x"');
    expect(malformed).not.toContain(password);
  });

  it('accept every generated value of the documented lengths (hex and base64), and still refuse uniform ones', () => {
    const refused: string[] = [];
    const check = (name: string, value: string, rules: Parameters<typeof secretProblem>[2]) => {
      if (secretProblem(name, value, rules) !== undefined) refused.push(`${name}: ${value}`);
    };
    for (let i = 0; i < 300; i++) {
      check('NATS_PASSWORD', randomBytes(8).toString('hex'), { lengthMin: 16 }); // openssl rand -hex 8: 64 random bits
      check('NATS_TOKEN', randomBytes(12).toString('base64'), { lengthMin: 16 });
      check('PORTAL_TOKEN_SECRET', randomBytes(16).toString('hex'), {}); // openssl rand -hex 16
      check('STRIPE_WEBHOOK_SECRET', `whsec_${randomBytes(12).toString('hex')}`, { prefix: 'whsec_', lengthMin: 30 });
    }
    expect(refused).toEqual([]);
    for (const uniform of ['a'.repeat(16), '01'.repeat(8), 'abc'.repeat(6)]) expect(secretProblem('NATS_PASSWORD', uniform, { lengthMin: 16 })).toMatch(/not random enough/);
    expect(secretProblem('PORTAL_TOKEN_SECRET', 'abcdefgh'.repeat(5), {})).toMatch(/not random enough/);
  });

  it('readSecretSetting reads the variable, else the file, else nothing', () => {
    expect(readSecretSetting({}, 'X')).toBeUndefined();
    expect(readSecretSetting({ X: 'direct' }, 'X')).toBe('direct');
  });
});

/**
 * Every secret-like value committed to the repository (Stripe keys and webhook secrets, and the
 * values given to secret variables in configuration, examples, docs and tests) is refused as a
 * secret: "a value that appears in the repository" never boots a service.
 */
describe('values committed to the repository', () => {
  const root = join(__dirname, '..', '..', '..');
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' })
    .split('\0')
    .filter((file) => file !== '' && /\.(ts|js|cjs|json|ya?ml|md|conf|env|sh|toml)$/.test(file) && !file.startsWith('package-lock'));
  const secretNames = /\b(PORTAL_TOKEN_(?:PREVIOUS_)?SECRET|STRIPE_SECRET_KEY|STRIPE_WEBHOOK_SECRET|NATS_PASSWORD\w*|NATS_TOKEN|OPERATOR_API_KEYS)\b["']?\s*[:=]\s*["']?([^\s"'`,}]+)/g;
  const stripeLiterals = /\b(?:whsec|sk_test|sk_live|rk_test|rk_live)_[A-Za-z0-9_]+/g;

  it('holds no usable secret', () => {
    const usable: string[] = [];
    let values = 0;
    for (const file of files) {
      const path = join(root, file);
      if (statSync(path, { throwIfNoEntry: false })?.isFile() !== true) continue;
      const text = readFileSync(path, 'utf8');
      for (const match of text.matchAll(secretNames)) {
        const [, name, value] = match as unknown as [string, string, string];
        if (/^[$<{(]|^\w+\(|^[a-z][A-Za-z]*$|^[a-z]\w*(\.\w+)+$/.test(value)) continue; // an expression or an identifier, not a value
        values++;
        const rules = name.startsWith('STRIPE_WEBHOOK') ? { prefix: 'whsec_', lengthMin: 30 } : name === 'OPERATOR_API_KEYS' ? { hashList: true } : name.startsWith('NATS') ? { lengthMin: 16 } : {};
        if (secretProblem(name, value, rules) === undefined) usable.push(`${file}: ${name}`);
      }
      for (const [literal] of text.matchAll(stripeLiterals)) {
        values++;
        const rules = literal.startsWith('whsec_') ? { prefix: 'whsec_', lengthMin: 30 } : { lengthMin: 32 };
        if (secretProblem('STRIPE', literal, rules) === undefined) usable.push(`${file}: ${literal.slice(0, 8)}…`);
      }
    }
    expect(values).toBeGreaterThan(20); // the scan does find the committed values
    expect(usable).toEqual([]);
  });

  it('lists the former defaults among the published values', () => {
    for (const value of ['dev-only-portal-token-secret-change-me-0123456789', 'whsec_local_standin_secret', 'sk_test_local_standin']) {
      expect(publicSecretValues).toContain(value);
    }
  });
});
